using Microsoft.AspNetCore.Diagnostics;

namespace RetailTrace.Common;

public enum ApiFamily { Drf, Blaze, Problem, Console }

/// <summary>
/// Errors produced outside handlers (unknown route, wrong method, body too large, unhandled
/// exception) in the documented shape of the family that owns the path. Bodies never carry
/// exception text.
/// </summary>
public static class ApiErrors
{
    public const long MaxBodyBytes = 10 * 1024 * 1024;

    /// <summary>DRF's wording for 503 (<c>ServiceUnavailable</c>), used by every family.</summary>
    public const string UnavailableDetail = "Service temporarily unavailable, try again later.";

    /// <summary>Seconds a client is asked to wait when the database is unavailable.</summary>
    public const int UnavailableRetryAfterSeconds = 5;

    public static ApiFamily FamilyOf(PathString path) =>
        path.StartsWithSegments("/api/v1.2") || path.StartsWithSegments("/api/v1.5") || path.StartsWithSegments("/api/v1/collections") ? ApiFamily.Drf
        : path.StartsWithSegments("/api/v1/partner/store") ? ApiFamily.Blaze
        : path.StartsWithSegments(OperatorConsole.ConsoleErrors.BasePath) ? ApiFamily.Console
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
            _ => Results.Problem(statusCode: status),
        };
    }

    /// <summary>Refuses bodies over <see cref="MaxBodyBytes"/> before reading them, and sets the same cap for chunked bodies.</summary>
    public static IApplicationBuilder UseBodySizeLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await For(context, 413).ExecuteAsync(context);
            return;
        }
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = MaxBodyBytes;
        await next(context);
    });

    /// <summary>
    /// Unhandled exceptions: a bad request the server detected (e.g. body too large mid-read) keeps its status; a
    /// database that cannot be reached answers 503 with <c>Retry-After</c> (see <see cref="DatabaseOutage"/>); anything
    /// else is a 500, logged with its stack. The first two are not failures of the server and log no stack.
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
                var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                var status = error is null ? 500 : StatusOf(error);
                if (status == 503)
                {
                    outage.Report(error!);
                    context.Response.Headers.RetryAfter = UnavailableRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                context.Response.StatusCode = status;
                await For(context, status).ExecuteAsync(context);
            },
        });
    }

    private static int StatusOf(Exception ex) =>
        ex is BadHttpRequestException bad ? bad.StatusCode : Data.Database.IsUnavailable(ex) ? 503 : 500;

    /// <summary>Empty-bodied error statuses (routing 404/405, binding 400) get the family's body.</summary>
    public static IApplicationBuilder UseFamilyStatusPages(this IApplicationBuilder app) =>
        app.UseStatusCodePages(async ctx => await For(ctx.HttpContext, ctx.HttpContext.Response.StatusCode).ExecuteAsync(ctx.HttpContext));
}
