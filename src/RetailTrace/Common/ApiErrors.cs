using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;

namespace RetailTrace.Common;

public enum ApiFamily { Drf, Blaze, Problem, Console, OAuth }

/// <summary>
/// Errors produced outside handlers (unknown route, wrong method, body too large, unhandled
/// exception) in the documented shape of the family that owns the path. Bodies never carry
/// exception text.
/// </summary>
public static partial class ApiErrors
{
    /// <summary>DRF's wording for 503 (<c>ServiceUnavailable</c>), used by every family.</summary>
    public const string UnavailableDetail = "Service temporarily unavailable, try again later.";

    /// <summary>Seconds a client is asked to wait when the database is unavailable.</summary>
    public const int UnavailableRetryAfterSeconds = 5;

    public static ApiFamily FamilyOf(PathString path) =>
        path.StartsWithSegments("/api/v1.2") || path.StartsWithSegments("/api/v1.5") || path.StartsWithSegments("/api/v1/collections") ? ApiFamily.Drf
        : path.StartsWithSegments("/api/v1/partner/store") ? ApiFamily.Blaze
        : path.StartsWithSegments(OperatorConsole.ConsoleErrors.BasePath) ? ApiFamily.Console
        : path.StartsWithSegments("/o/token") ? ApiFamily.OAuth
        : ApiFamily.Problem;

    public static IResult For(HttpContext context, int status)
    {
        var request = context.Request;
        return FamilyOf(request.Path) switch
        {
            ApiFamily.Drf => Drf.Detail(status, status switch
            {
                404 => Drf.NotFoundDetail,
                405 => $"Method \"{request.Method}\" not allowed.",
                413 => "Request body is too large.",
                415 => $"Unsupported media type \"{request.ContentType}\" in request.",
                429 => "Request was throttled.",
                503 => UnavailableDetail,
                >= 500 => "A server error occurred.",
                _ => "Bad request.",
            }),
            ApiFamily.Blaze => Blaze.Error(status, status == 404 ? "path" : "request", status switch
            {
                404 => "Resource not found.",
                405 => $"Method {request.Method} is not allowed.",
                413 => "Request body is too large.",
                415 => "Unsupported media type.",
                503 => UnavailableDetail,
                >= 500 => "An internal error occurred.",
                _ => "Bad request.",
            }),
            ApiFamily.Console => OperatorConsole.ConsoleErrors.Page(status),
            // RFC 6749 §5.2 error codes; the token endpoint's own refusals use the same body.
            ApiFamily.OAuth => Auth.TokenApi.Error(status, status == 503 ? "temporarily_unavailable" : status >= 500 ? "server_error" : "invalid_request"),
            _ => Results.Problem(statusCode: status),
        };
    }

    /// <summary>
    /// A request refused for its input (<see cref="RequestBody"/>) in the family's shape: DRF names the field or says
    /// <c>JSON parse error - …</c> as its JSONParser does; BLAZE names the field (or <c>request</c>); the admin API
    /// answers a validation problem; the token endpoint an OAuth2 <c>invalid_request</c>.
    /// </summary>
    public static IResult Refusal(HttpContext context, BodyError error)
    {
        if (error.Fault == BodyFault.Status) return For(context, error.Status);
        return FamilyOf(context.Request.Path) switch
        {
            ApiFamily.Drf when error.Field is not null => Drf.FieldErrors(new Dictionary<string, object> { [error.Field] = new[] { error.Message } }),
            ApiFamily.Drf => Drf.Detail(error.Status, error.Fault == BodyFault.Input ? error.Message : $"JSON parse error - {error.Message}"),
            ApiFamily.Blaze => Blaze.Error(error.Status, error.Field ?? "request",
                error.Fault == BodyFault.Syntax ? "The request body is not valid JSON." : error.Message),
            ApiFamily.Console => OperatorConsole.ConsoleErrors.Page(error.Status, error.Message),
            ApiFamily.OAuth => Auth.TokenApi.Error(error.Status, "invalid_request", error.Message),
            // The admin API words a NUL as its own validation does.
            _ when error.Field is not null => TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [error.Field] = [error.Message == RequestBody.NullCharacterMessage ? Admin.Admin.Errors.ControlCharactersMessage : error.Message],
            }),
            _ => Results.Problem(statusCode: error.Status, detail: error.Message),
        };
    }

    /// <summary>
    /// Refuses bodies over the path's <see cref="BodyLimits.MaxBytes"/> before reading them (before authentication too:
    /// the answer costs nothing), and sets the same cap for chunked bodies.
    /// </summary>
    public static IApplicationBuilder UseBodySizeLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var maxBytes = BodyLimits.For(context.Request.Path).MaxBytes;
        if (context.Request.ContentLength > maxBytes)
        {
            // Closing the connection spares the server from reading (draining) the body it refused.
            context.Response.Headers.Connection = "close";
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await For(context, 413).ExecuteAsync(context);
            return;
        }
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = maxBytes;
        await next(context);
    });

    /// <summary>
    /// Unhandled exceptions: a bad request the server detected (e.g. body too large mid-read) keeps its status; a
    /// database that cannot be reached (see <see cref="DatabaseOutage"/>), or rows so contended that a write lost its
    /// race on every retry, answers 503 with <c>Retry-After</c>; anything else is a 500, logged with its stack. The
    /// others are not failures of the server and log no stack.
    /// </summary>
    public static IApplicationBuilder UseFamilyExceptionHandler(this IApplicationBuilder app)
    {
        var outage = app.ApplicationServices.GetRequiredService<DatabaseOutage>();
        return app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = StatusOf,
            SuppressDiagnosticsCallback = context => StatusOf(context.Exception) != 500,
            ExceptionHandler = async context =>
            {
                var feature = context.Features.Get<IExceptionHandlerFeature>();
                var error = feature?.Error;
                var status = error is null ? 500 : StatusOf(error);
                if (status == 503)
                {
                    if (Data.Database.IsUnavailable(error!)) outage.Report(error!);
                    context.Response.Headers.RetryAfter = UnavailableRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                context.Response.StatusCode = status;
                var bodyType = feature?.Endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
                var answer = error is BadHttpRequestException { StatusCode: 400 } && bodyType is not null && FamilyOf(context.Request.Path) == ApiFamily.Problem
                    ? UnfitBody(error.InnerException as JsonException, bodyType, context.RequestServices)
                    : For(context, status);
                await answer.ExecuteAsync(context);
            },
        });
    }

    /// <summary>
    /// A typed body (the admin API's request records) that failed to bind. When it is JSON that does not fit its
    /// record, a validation problem naming the field and the JSON type the record wants; otherwise (no body,
    /// <c>null</c>, an array) a problem saying an object is wanted. The framework's own messages name .NET types, so
    /// they are not shown.
    /// </summary>
    private static IResult UnfitBody(JsonException? error, Type bodyType, IServiceProvider services)
    {
        var path = error?.Path ?? "$";
        if (path == "$") return TypedResults.Problem(statusCode: 400, detail: "The request body must be a JSON object.");
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var expected = Expected(bodyType, path, options);
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path[1..];
        return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [expected is null ? "Invalid value." : $"Must be {expected}."] });
    }

    /// <summary>The JSON type <paramref name="root"/> wants at <paramref name="path"/> (as <see cref="JsonException.Path"/> writes it).</summary>
    private static string? Expected(Type root, string path, JsonSerializerOptions options)
    {
        Type? type = root;
        foreach (Match step in PathSteps().Matches(path))
        {
            if (type is null) return null;
            var info = options.GetTypeInfo(type);
            type = step.Groups["index"].Success ? info.ElementType
                : info.Properties.FirstOrDefault(p => p.Name == step.Groups["name"].Value)?.PropertyType;
        }
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type is null ? null
            : type == typeof(string) ? "a string"
            : type == typeof(bool) ? "true or false"
            : type == typeof(int) || type == typeof(long) ? "an integer"
            : type == typeof(decimal) || type == typeof(double) ? "a number"
            : options.GetTypeInfo(type).Kind switch
            {
                System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Enumerable => "an array",
                System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object => "an object",
                _ => null,
            };
    }

    [GeneratedRegex(@"\.(?<name>\w+)|\['(?<name>[^']*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex PathSteps();

    private static int StatusOf(Exception ex) =>
        ex is BadHttpRequestException bad ? bad.StatusCode : Data.Database.IsUnavailable(ex) || Data.Database.IsContended(ex) ? 503 : 500;

    /// <summary>
    /// Empty-bodied error statuses (such as routing's 404 and 405) get the family's body. Host filtering
    /// (<c>AllowedHosts</c>) runs before the application's pipeline, as a startup filter of the web host; so that its
    /// 400 gets the family's body too instead of an HTML page, the status pages are a startup filter that runs first.
    /// </summary>
    public static IServiceCollection AddFamilyStatusPages(this IServiceCollection services)
    {
        services.Configure<Microsoft.AspNetCore.HostFiltering.HostFilteringOptions>(o => o.IncludeFailureMessage = false);
        services.Insert(0, ServiceDescriptor.Transient<IStartupFilter, FamilyStatusPages>());
        return services;
    }

    private sealed class FamilyStatusPages : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseStatusCodePages(async ctx => await For(ctx.HttpContext, ctx.HttpContext.Response.StatusCode).ExecuteAsync(ctx.HttpContext));
            next(app);
        };
    }
}
