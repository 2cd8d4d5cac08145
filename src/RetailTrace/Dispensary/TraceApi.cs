using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Dispensaries;

public sealed record TraceResponse(
    string LucidId, string CaseUuid, string PackagedProductUuid, string BatchUuid, string BrandUuid,
    string State, string? PackageUid, List<TraceEvent> History);

public sealed record TraceEvent(
    string Event, DateTime At,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? OrderId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PackageUid);

/// <summary>
/// GET /api/v1.2/lucidids/&lt;id&gt;/ and GET /api/v1.5/lucidids/&lt;id&gt;/ (SPEC §8): one LucidID
/// with its history, oldest first. A dispensary sees units it holds or has sold, and only its own
/// events beside the minting; a brand client sees its brands' units with the whole history.
/// Anything else, unknown ids and malformed ids answer 404.
/// </summary>
public static class TraceApi
{
    public static IEndpointRouteBuilder MapTrace(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1.2/lucidids/{lucidId}/", DispensaryTraceAsync)
            .RequireAuthorization(LucidAuthHandler.DispensaryPolicy)
            .WithTags("Dispensary: Trace")
            .WithName("DispensaryLucidIdTrace")
            .WithSummary("Trace a LucidID this dispensary holds or has sold")
            .Produces<TraceResponse>()
            .Produces<DrfDetail>(StatusCodes.Status404NotFound)
            .Produces<DrfDetail>(StatusCodes.Status401Unauthorized)
            .Produces<DrfDetail>(StatusCodes.Status403Forbidden);

        app.MapGet("/api/v1.5/lucidids/{lucidId}/", BrandTraceAsync)
            .RequireAuthorization(LucidAuthHandler.BrandPolicy)
            .WithTags("Extensions")
            .WithName("BrandLucidIdTrace")
            .WithSummary("Trace a LucidID of one of the client's brands")
            .Produces<TraceResponse>()
            .Produces<DrfDetail>(StatusCodes.Status404NotFound)
            .Produces<DrfDetail>(StatusCodes.Status401Unauthorized)
            .Produces<DrfDetail>(StatusCodes.Status403Forbidden);
        return app;
    }

    private static async Task<IResult> DispensaryTraceAsync(string lucidId, LucidCaller caller, AppDb db, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(lucidId, out var id)) return Drf.NotFound();
        var me = caller.Dispensary;
        var unit = await FindAsync(db, id, ct);
        if (unit is null || unit.Holder != me && !await db.ItemEvents.AnyAsync(e => e.ItemId == id && e.Event == ItemEvents.Sold && e.DispensaryId == me, ct))
            return Drf.NotFound();
        return await TraceAsync(db, unit, me, ct);
    }

    private static async Task<IResult> BrandTraceAsync(string lucidId, LucidCaller caller, AppDb db, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(lucidId, out var id)) return Drf.NotFound();
        var unit = await FindAsync(db, id, ct);
        if (unit is null || !caller.BrandIds.Contains(unit.BrandId)) return Drf.NotFound();
        return await TraceAsync(db, unit, null, ct);
    }

    /// <param name="Holder">The dispensary whose inventory holds the unit, or that sold it last.</param>
    private sealed record Unit(Guid Id, Guid CaseId, Guid PackagedProductId, Guid BatchId, Guid BrandId, string State, Guid? Holder, Guid? PackageId);

    /// <summary>The unit with its current state; a minted unit takes its place from its case part (<see cref="ItemStates"/>).</summary>
    private static async Task<Unit?> FindAsync(AppDb db, Guid id, CancellationToken ct)
    {
        var row = await (
            from i in db.LucidItems.AsNoTracking()
            join pp in db.PackagedProducts on i.PackagedProductId equals pp.Id
            join ip in db.InventoryPackages on new { i.CaseId, i.PackagedProductId } equals new { ip.CaseId, ip.PackagedProductId } into parts
            from part in parts.DefaultIfEmpty()
            where i.Id == id
            select new { i.Id, i.CaseId, i.PackagedProductId, pp.BatchId, i.BrandId, i.State, i.DispensaryId, i.InventoryPackageId, Part = (Guid?)part!.Id, PartHolder = (Guid?)part.DispensaryId })
            .FirstOrDefaultAsync(ct);
        if (row is null) return null;
        var followsPart = row.State == ItemStates.Minted;
        return new Unit(row.Id, row.CaseId, row.PackagedProductId, row.BatchId, row.BrandId,
            followsPart && row.Part is not null ? ItemStates.InInventory : row.State,
            followsPart ? row.PartHolder : row.DispensaryId,
            followsPart ? row.Part : row.InventoryPackageId);
    }

    /// <param name="dispensaryId">The viewing dispensary, whose view leaves out other dispensaries' events and packages; null for the brand.</param>
    private static async Task<IResult> TraceAsync(AppDb db, Unit unit, Guid? dispensaryId, CancellationToken ct)
    {
        var id = unit.Id;
        // The unit's own events, and the imports of its case part that moved it (ItemEvent says why
        // those are one row per part). Each half is read on its own index.
        var events = db.ItemEvents.AsNoTracking().Where(e => e.ItemId == id)
            .Concat(db.ItemEvents.AsNoTracking().Where(e => e.CaseId == unit.CaseId && e.PackagedProductId == unit.PackagedProductId && e.ItemIds!.Contains(id)));
        var history = await events
            .Where(e => dispensaryId == null || e.DispensaryId == null || e.DispensaryId == dispensaryId)
            .OrderBy(e => e.Id)
            .Select(e => new TraceEvent(e.Event, e.At, e.OrderId, e.PackageUid))
            .ToListAsync(ct);
        var packageUid = unit.PackageId is { } package && (dispensaryId is null || unit.Holder == dispensaryId)
            ? await (from ip in db.InventoryPackages
                     join p in db.PosPackageUids on ip.PosPackageUidId equals p.Id
                     where ip.Id == package
                     select p.PackageUid).FirstOrDefaultAsync(ct)
            : null;
        return Drf.Ok(new TraceResponse(
            ShortUuid.Encode(unit.Id), ShortUuid.Encode(unit.CaseId), ShortUuid.Encode(unit.PackagedProductId),
            ShortUuid.Encode(unit.BatchId), ShortUuid.Encode(unit.BrandId), unit.State, packageUid, history));
    }
}
