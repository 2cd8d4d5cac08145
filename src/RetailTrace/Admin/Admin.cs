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
        private readonly Dictionary<string, string[]> _errors = [];

        public Errors Require(string field, string? value, int maxLength = 255)
        {
            if (string.IsNullOrWhiteSpace(value)) _errors.TryAdd(field, ["This field is required."]);
            else if (value.Length > maxLength) _errors.TryAdd(field, [$"At most {maxLength} characters."]);
            return this;
        }

        public Errors Add(string field, string message)
        {
            _errors.TryAdd(field, [message]);
            return this;
        }

        public bool Any => _errors.Count > 0;

        public IResult Result() => TypedResults.ValidationProblem(_errors);
    }

    public static IResult NotFound(string what) => TypedResults.Problem(statusCode: 404, title: "Not Found", detail: $"{what} not found.");
}
