using System.Diagnostics;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Primitives;
using RetailTrace.Auth;

namespace RetailTrace.Common;

/// <summary>
/// What the server logs: one line per request (<see cref="UseRequestLogging"/>) and the warnings and errors of
/// the app, with UTC ISO-8601 timestamps; <c>Logging:Console:FormatterName=json</c> writes JSON lines instead.
/// No secret, token, key or signed link is ever logged, at any level.
/// </summary>
public static partial class Logs
{
    public const string RequestCategory = "RetailTrace.Requests";
    private const string Timestamp = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>
    /// The defaults hold wherever the process is started from (appsettings.json is read from the working
    /// directory only) and any setting overrides them: requests and the app at Information, the framework's
    /// chatter (including EF Core's per-statement lines) and the authentication handlers' per-request
    /// "not authenticated" lines at Warning, one line per entry.
    /// </summary>
    private static readonly Dictionary<string, string?> Defaults = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
        ["Logging:LogLevel:RetailTrace.Auth"] = "Warning",
        ["Logging:Console:FormatterName"] = "simple",
        ["Logging:Console:FormatterOptions:SingleLine"] = "true",
        ["Logging:Console:FormatterOptions:UseUtcTimestamp"] = "true",
    };

    /// <summary>Query parameters whose values are credentials: the signatures of download links, and secrets a
    /// client might put in a URL by mistake.</summary>
    private static readonly string[] SecretQueryKeys =
        ["signature", "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "client_secret", "access_token", "partner_key", "api_key"];

    private static readonly string[] Probes = ["/healthz", "/readyz", "/metrics"];

    public static WebApplicationBuilder AddRetailTraceLogging(this WebApplicationBuilder builder)
    {
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Defaults });
        // Hosting's own "Request starting/finished" lines carry the whole URL, query string included, and a signed
        // download link is a credential for its lifetime: they stay off whatever level is configured, and the
        // request log replaces them. Warning keeps hosting's start-up errors.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        // The Data Protection key store's Debug lines hold each key's XML, its master key included: off whatever level.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection.EntityFrameworkCore", LogLevel.Information);
        builder.Services.Configure<SimpleConsoleFormatterOptions>(o => o.TimestampFormat ??= Timestamp + " ");
        builder.Services.Configure<JsonConsoleFormatterOptions>(o => o.TimestampFormat ??= Timestamp);
        return builder;
    }

    /// <summary>
    /// One line per request once it is answered: method, path (signatures redacted), status, duration, the
    /// authenticated client and tenant as the API shows them, and the trace id that problem bodies carry as
    /// <c>trace_id</c>. Probes and scrapes log at Debug unless they fail. Goes first in the pipeline, so the
    /// status is the one the exception handler wrote.
    /// </summary>
    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app)
    {
        var log = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(RequestCategory);
        return app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            var escaped = false;
            try
            {
                await next(context);
            }
            catch
            {
                escaped = true;
                throw;
            }
            finally
            {
                var status = escaped && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
                var level = status < 500 && Probes.Contains(context.Request.Path.Value, StringComparer.OrdinalIgnoreCase) ? LogLevel.Debug : LogLevel.Information;
                if (log.IsEnabled(level))
                {
                    var (client, tenant) = Caller(context);
                    Request(log, level, context.Request.Method, PathForLog(context.Request), status,
                        Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1), client, tenant, TraceId(context));
                }
            }
        });
    }

    [LoggerMessage(EventId = 1, EventName = "Request", Message = "{Method} {Path} {StatusCode} {DurationMs} ms client={Client} tenant={Tenant} trace={TraceId}")]
    private static partial void Request(ILogger logger, LogLevel level, string method, string path, int statusCode, double durationMs, string client, string tenant, string traceId);

    /// <summary>The id problem bodies carry as <c>trace_id</c>, so a body leads to its log line.</summary>
    private static string TraceId(HttpContext context) => Activity.Current?.Id ?? context.TraceIdentifier;

    /// <summary>The path escaped as on the wire (no line breaks from decoded input), with the values of credential query parameters replaced.</summary>
    public static string PathForLog(HttpRequest request)
    {
        var path = request.PathBase.ToUriComponent() + request.Path.ToUriComponent();
        var query = request.QueryString.Value;
        if (string.IsNullOrEmpty(query)) return path;
        if (!SecretQueryKeys.Any(key => query.Contains(key, StringComparison.OrdinalIgnoreCase))) return path + query;
        return path + QueryString.Create(request.Query.Select(p => KeyValuePair.Create(p.Key,
            SecretQueryKeys.Contains(p.Key, StringComparer.OrdinalIgnoreCase) ? new StringValues("REDACTED") : p.Value)));
    }

    /// <summary>Who called, with the ids the API shows: a LucidGreen client's client_id and its dispensary or default
    /// brand (ShortUUIDs), a store caller's partner and shop (ObjectIds), or the admin token.</summary>
    private static (string Client, string Tenant) Caller(HttpContext context) =>
        context.Features.Get<LucidCaller>() is { } lucid
            ? (lucid.PublicId, lucid.DispensaryId is { } d ? "dispensary:" + ShortUuid.Encode(d)
                : lucid.DefaultBrandId is { } b ? "brand:" + ShortUuid.Encode(b) : "-")
        : context.Features.Get<StoreCaller>() is { } store ? ("partner:" + store.PartnerId, "shop:" + store.ShopId)
        : context.User.Identity?.AuthenticationType == AdminAuthHandler.SchemeName ? ("admin", "-")
        : ("-", "-");
}
