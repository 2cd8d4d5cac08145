using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Exports;

/// <summary>Operator endpoints of the Package UID exports: run one now, and see recent runs with their failure reasons.</summary>
public static class ExportsAdminApi
{
    public sealed record ExportRunResponse(
        string Id, string DispensaryUuid, string ExportDate, string Status, int Attempt,
        DateTime StartedAt, DateTime? FinishedAt, long PackageCount, long LucidIdCount, string? Error);

    public const int ListLimit = 30;

    public static RouteGroupBuilder MapExportsAdmin(this RouteGroupBuilder admin)
    {
        admin.MapPost("/dispensaries/{uuid}/package-uid-exports", RunNow)
            .WithName("AdminRunPackageUidExport")
            .WithSummary("Start the dispensary's Package UID export for its current local date now (restarts a finished or failed one; " +
                         "answers with the run in progress if there is one). The v1.2 API answers 202 until it is done.")
            .Produces<ExportRunResponse>(202)
            .ProducesProblem(404);
        admin.MapGet("/dispensaries/{uuid}/package-uid-exports", List)
            .WithName("AdminListPackageUidExports")
            .WithSummary($"The dispensary's most recent {ListLimit} export runs, newest date first, with status and failure reason")
            .Produces<ExportRunResponse[]>()
            .ProducesProblem(404);
        return admin;
    }

    private static async Task<IResult> RunNow(string uuid, AppDb db, ExportScheduler scheduler, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(uuid, out var id)) return Admin.Admin.NotFound("Dispensary");
        var timeZone = await db.Dispensaries.AsNoTracking().Where(d => d.Id == id).Select(d => d.TimeZone).SingleOrDefaultAsync(ct);
        if (timeZone is null) return Admin.Admin.NotFound("Dispensary");
        var (run, _) = await scheduler.StartNowAsync(id, timeZone, ct);
        return TypedResults.Accepted($"/admin/v1/dispensaries/{uuid}/package-uid-exports", ToResponse(run));
    }

    private static async Task<IResult> List(string uuid, AppDb db, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(uuid, out var id) || !await db.Dispensaries.AnyAsync(d => d.Id == id, ct)) return Admin.Admin.NotFound("Dispensary");
        var runs = await db.ExportRuns.AsNoTracking().Where(r => r.DispensaryId == id)
            .OrderByDescending(r => r.ExportDate).Take(ListLimit).ToListAsync(ct);
        return TypedResults.Ok(runs.Select(ToResponse).ToArray());
    }

    private static ExportRunResponse ToResponse(ExportRun r) => new(
        ShortUuid.Encode(r.Id), ShortUuid.Encode(r.DispensaryId), r.ExportDate.ToString("yyyy-MM-dd"), r.Status, r.Attempt,
        r.StartedAt, r.FinishedAt, r.PackageCount, r.LucidIdCount, r.Error);
}
