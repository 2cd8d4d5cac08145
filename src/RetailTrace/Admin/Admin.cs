using RetailTrace.Data;

namespace RetailTrace.Admin;

/// <summary>Shared bits of the operator API: its route group and ProblemDetails validation.</summary>
public static class Admin
{
    public static RouteGroupBuilder MapAdminGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/admin/v1")
            .RequireAuthorization(Auth.AdminAuthHandler.Policy)
            .WithTags("Admin")
            .ProducesProblem(401)
            .ProducesValidationProblem();

    /// <summary>Collects field errors for a 400 ValidationProblem.</summary>
    public sealed class Errors
    {
        public const string ControlCharactersMessage = "Control characters (such as line breaks or NUL) are not allowed.";

        private readonly Dictionary<string, string[]> _errors = [];

        public Errors Require(string field, string? value, int maxLength = 255)
        {
            if (string.IsNullOrWhiteSpace(value)) _errors.TryAdd(field, ["This field is required."]);
            else if (value.Length > maxLength) _errors.TryAdd(field, [$"At most {maxLength} characters."]);
            // A name is one line of text; PostgreSQL also refuses NUL in text, which would otherwise fail the write.
            else if (value.Any(char.IsControl)) _errors.TryAdd(field, [ControlCharactersMessage]);
            return this;
        }

        public Errors Add(string field, string message)
        {
            _errors.TryAdd(field, [message]);
            return this;
        }

        public bool Any => _errors.Count > 0;

        /// <summary>The message of each invalid field, under the admin API's (snake_case) field name.</summary>
        public IReadOnlyDictionary<string, string[]> Fields => _errors;

        public IResult Result() => TypedResults.ValidationProblem(_errors);
    }

    /// <summary>
    /// What a provisioning write (<see cref="LucidProvisioning"/>, <see cref="StoreProvisioning"/>) answers: the row it
    /// made or changed, or the field errors that refused it, or the name of the thing it addressed that does not exist.
    /// </summary>
    public sealed record Provisioned<T>(T? Value, Errors? Invalid = null, string? Missing = null) where T : class
    {
        public static Provisioned<T> Done(T value) => new(value);
        public static Provisioned<T> Refused(Errors errors) => new(null, errors);
        public static Provisioned<T> NotFound(string what) => new(null, null, what);

        /// <summary>The admin API's answer: <paramref name="ok"/> of the row, a validation problem, or a 404 problem.</summary>
        public IResult ToResult(Func<T, IResult> ok) =>
            Missing is not null ? Admin.NotFound(Missing) : Invalid is not null ? Invalid.Result() : ok(Value!);
    }

    /// <summary>Renames the row <paramref name="key"/> of <typeparamref name="T"/> under the name rule of its create, in the caller's write.</summary>
    public static async Task<Provisioned<T>> RenameAsync<T>(AppDb db, object? key, string? name, string what, Action<T, string> rename, CancellationToken ct)
        where T : class
    {
        if (key is null || await db.Set<T>().FindAsync([key], ct) is not { } row) return Provisioned<T>.NotFound(what);
        var errors = new Errors().Require("name", name);
        if (errors.Any) return Provisioned<T>.Refused(errors);
        rename(row, name!.Trim());
        await db.SaveChangesAsync(ct);
        return Provisioned<T>.Done(row);
    }

    /// <summary>The row <paramref name="key"/> of <typeparamref name="T"/>, as <paramref name="ok"/> shows it, or a 404 problem.</summary>
    public static async Task<IResult> GetAsync<T>(AppDb db, object? key, string what, Func<T, IResult> ok, CancellationToken ct) where T : class =>
        key is not null && await db.Set<T>().FindAsync([key], ct) is { } row ? ok(row) : NotFound(what);

    public static IResult NotFound(string what) => TypedResults.Problem(statusCode: 404, title: "Not Found", detail: $"{what} not found.");
}
