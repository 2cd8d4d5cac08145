using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.OpenApi;
using RetailTrace.Admin;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Exports;

/// <summary>
/// <c>GET /api/v1.2/package-uids-export/</c> (seed 001, SPEC.md §7): the signed URL of a dispensary's
/// daily Package UID export, and <c>/exports/…</c>, where the local object store's signed URLs are served.
/// </summary>
public static class ExportsApi
{
    public sealed record ExportUrlResponse(string ExportUrl);
    public sealed record ExportErrorResponse(string Error);

    // As DRF renders it: the URL's "&" stays "&" (Drf.Json would write \u0026), so the body can be used as is, even by sed.
    private static readonly JsonSerializerOptions Json = new(Drf.Json) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public const string NotDispensaryError = "API keys are not associated with a dispensary.";
    public const string DisabledError = "Package UID export is not enabled for this dispensary.";
    public const string BadDateError = "export_date must be a date in YYYY-MM-DD format.";
    public const string FutureDateError = "export_date specified is a future date.";
    public const string NotAvailableError = "Export is not available.";
    public const string InProgressError = "Export is still in progress. Try again later.";
    public const string FailedError = "Failed to export package uids.";

    public static IEndpointRouteBuilder MapExports(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1.2/package-uids-export/", GetExport)
            .RequireAuthorization(LucidAuthHandler.AnyClientPolicy)
            .WithName("GetPackageUidsExport")
            .WithTags("Dispensary API v1.2")
            .WithSummary("Pre-signed URL of the dispensary's Package UID export (?export_date=YYYY-MM-DD, default: the most recent export)")
            .WithQueryParameter("export_date", "The export of this day (YYYY-MM-DD, in the dispensary's time zone); without it, the most recent export. A day after today answers 400.",
                new OpenApiSchema { Type = JsonSchemaType.String, Format = "date" }, "2024-05-01")
            .Produces<ExportUrlResponse>(200)
            .WithExamples(response: """{"export_url":"https://retailtrace.example.com/exports/package-uids/2024-05-01.json?expires=1714600000&signature=3f9a0c1d"}""")
            .Produces<ExportErrorResponse>(202)
            .Produces<ExportErrorResponse>(400)
            .Produces<DrfDetail>(401)
            .Produces<ExportErrorResponse>(404)
            .Produces<ExportErrorResponse>(422)
            .Produces<ExportErrorResponse>(428);

        app.MapGet("/exports/{**key}", Download)
            .AllowAnonymous()
            .WithName("DownloadExportFile")
            .WithTags("Exports")
            .WithSummary("Download an export file through a signed URL of the local object store (?expires=<unix>&signature=<hex>)")
            .Produces(200, contentType: "application/json")
            .ProducesProblem(403)
            .ProducesProblem(404);

        app.MapAdminGroup().MapExportsAdmin();
        return app;
    }

    private static async Task<IResult> GetExport(HttpRequest request, LucidCaller caller, AppDb db, IObjectStore store, ExportSettings settings, TimeProvider time)
    {
        if (caller.DispensaryId is not { } dispensaryId) return Error(StatusCodes.Status428PreconditionRequired, NotDispensaryError);
        var dispensary = await db.Dispensaries.AsNoTracking().Where(d => d.Id == dispensaryId)
            .Select(d => new { d.PackageUidExportEnabled, d.TimeZone }).SingleAsync(request.HttpContext.RequestAborted);
        if (!dispensary.PackageUidExportEnabled) return Error(StatusCodes.Status428PreconditionRequired, DisabledError);

        var runs = db.ExportRuns.AsNoTracking().Where(r => r.DispensaryId == dispensaryId);
        ExportRun? run;
        if (request.Query.TryGetValue("export_date", out var values))
        {
            if (values.Count != 1 || !DateOnly.TryParseExact(values[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                return Error(StatusCodes.Status400BadRequest, BadDateError);
            if (date > ExportScheduler.LocalDate(dispensary.TimeZone, time.GetUtcNow())) return Error(StatusCodes.Status400BadRequest, FutureDateError);
            run = await runs.SingleOrDefaultAsync(r => r.ExportDate == date, request.HttpContext.RequestAborted);
        }
        else
        {
            // The most recent finished export; without one, the most recent attempt tells whether one is coming.
            run = await runs.Where(r => r.Status == ExportStatuses.Done).OrderByDescending(r => r.ExportDate).FirstOrDefaultAsync(request.HttpContext.RequestAborted)
                ?? await runs.OrderByDescending(r => r.ExportDate).FirstOrDefaultAsync(request.HttpContext.RequestAborted);
        }

        return run?.Status switch
        {
            null => Error(StatusCodes.Status404NotFound, NotAvailableError),
            ExportStatuses.InProgress => Error(StatusCodes.Status202Accepted, InProgressError),
            ExportStatuses.Failed => Error(StatusCodes.Status422UnprocessableEntity, FailedError),
            _ => TypedResults.Json(new ExportUrlResponse(await store.GetDownloadUrlAsync(
                run.ObjectKey!, settings.UrlTtl, $"{request.Scheme}://{request.Host}{request.PathBase}")), Json),
        };
    }

    private static string? Single(Microsoft.Extensions.Primitives.StringValues values) => values.Count == 1 ? values[0] : null;

    private static IResult Error(int status, string message) => TypedResults.Json(new ExportErrorResponse(message), Json, statusCode: status);

    private static IResult Download(string key, HttpRequest request, IObjectStore store)
    {
        if (store is not LocalObjectStore local) return TypedResults.Problem(statusCode: 404, detail: "Export files are served by the object store.");
        // A signed link carries each parameter once; a repeated one is not a link we issued.
        var access = local.Check(key, Single(request.Query["expires"]), Single(request.Query["signature"]));
        if (access != LocalObjectStore.Access.Granted)
            return TypedResults.Problem(statusCode: 403, title: "Forbidden",
                detail: access == LocalObjectStore.Access.Expired ? "This download link has expired." : "This download link is not valid.");
        var path = local.PathOf(key)!;
        return File.Exists(path)
            ? TypedResults.PhysicalFile(path, "application/json", Path.GetFileName(path), enableRangeProcessing: true)
            : TypedResults.Problem(statusCode: 404, detail: "The export file no longer exists.");
    }
}
