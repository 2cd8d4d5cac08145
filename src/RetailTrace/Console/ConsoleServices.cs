using Microsoft.AspNetCore.Antiforgery;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Exports;

namespace RetailTrace.OperatorConsole;

/// <summary>
/// The operator console at <c>/console/</c>: Razor components rendered on the server for each request (static SSR;
/// no WebAssembly, no circuit, no script needed to read), behind a cookie session (<see cref="ConsoleAuth"/>).
/// </summary>
public static class ConsoleServices
{
    public static IServiceCollection AddConsole(this IServiceCollection services, IConfiguration config)
    {
        services.AddRazorComponents();
        services.AddConsoleAuth(config);
        return services;
    }

    /// <summary>
    /// Maps the pages, their assets and the export download link. Call it after <c>UseAuthorization</c>: it adds the
    /// antiforgery check (which reads the session the authorization step authenticated) and the console's response
    /// headers to the pipeline first; both do nothing outside the console.
    /// </summary>
    public static WebApplication MapConsole(this WebApplication app)
    {
        app.UseAntiforgery();
        app.UseWhen(context => context.Request.Path.StartsWithSegments(ConsoleErrors.BasePath), console => console.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            // Pages show operator data and fresh secrets: never cached, never framed, never leaked as a referrer. The
            // cache headers are the ones antiforgery sets on a page with a form, which warns when it replaces others.
            headers.CacheControl = "no-cache, no-store";
            headers.Pragma = "no-cache";
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
            // A form post without a valid antiforgery token (forged, or from a page older than the session) does nothing.
            if (context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false })
                return ConsoleErrors.Page(400, "The form was refused: it carried no valid antiforgery token. Reload the page and submit it again.").ExecuteAsync(context);
            return next(context);
        }));

        app.MapGet(ConsoleErrors.BasePath + "/assets/{name}", Asset).ExcludeFromDescription().DisableRateLimiting();
        app.MapGet(ConsoleErrors.BasePath + "/exports/{runId}/download", DownloadAsync).RequireAuthorization(ConsoleAuth.Policy).ExcludeFromDescription();
        app.MapRazorComponents<ConsoleApp>().RequireAuthorization(ConsoleAuth.Policy);
        return app;
    }

    private static readonly Dictionary<string, string> AssetTypes = new(StringComparer.Ordinal)
    {
        ["console.css"] = "text/css; charset=utf-8",
        ["console.js"] = "text/javascript; charset=utf-8",
    };

    /// <summary>The stylesheet and the copy-button script, embedded in the assembly: the console ships in the one executable.</summary>
    private static IResult Asset(string name)
    {
        if (!AssetTypes.TryGetValue(name, out var type)) return ConsoleErrors.Page(404);
        var stream = typeof(ConsoleServices).Assembly.GetManifestResourceStream("RetailTrace.Console.Assets." + name)!;
        return Results.Stream(stream, type);
    }

    /// <summary>
    /// A done export run's file through a fresh signed link of the object store (the same link the v1.2 API hands out),
    /// recorded in the audit log. A GET, so it works as a plain link; the SameSite=Strict session cookie is never sent
    /// from another site, so another site cannot make an operator's browser follow it.
    /// </summary>
    private static async Task<IResult> DownloadAsync(string runId, HttpContext http, AppDb db, IObjectStore store, ExportSettings settings, TimeProvider time, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(runId, out var id)) return ConsoleErrors.Page(404);
        var run = await db.ExportRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
        if (run is null) return ConsoleErrors.Page(404);
        if (run is not { Status: ExportStatuses.Done, ObjectKey: { } key }) return ConsoleErrors.Page(409, "This export has no file: it is not done.");
        var request = http.Request;
        var url = await store.GetDownloadUrlAsync(key, settings.UrlTtl, $"{request.Scheme}://{request.Host}{request.PathBase}");
        var who = ConsoleOperator.Of(http);
        await db.WriteAsync(async () =>
        {
            ConsoleAudit.Add(db, who, time.GetUtcNow().UtcDateTime, "export.download", runId, $"dispensary {ShortUuid.Encode(run.DispensaryId)}, {run.ExportDate:yyyy-MM-dd}");
            await db.SaveChangesAsync(ct);
            return true;
        }, ct);
        return Results.Redirect(url);
    }
}
