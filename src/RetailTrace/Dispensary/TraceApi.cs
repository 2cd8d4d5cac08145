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
        if (unit is null) return Drf.NotFound();
        var history = await HistoryAsync(db, unit.Id, unit.CaseId, unit.PackagedProductId, unit.Sale, ct);
        if (unit.Holder != me && !history.Any(e => e.Event == ItemEvents.Sold && e.DispensaryId == me)) return Drf.NotFound();
        return await TraceAsync(db, unit, history, me, ct);
    }

    private static async Task<IResult> BrandTraceAsync(string lucidId, LucidCaller caller, AppDb db, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(lucidId, out var id)) return Drf.NotFound();
        var unit = await FindAsync(db, id, ct);
        if (unit is null || !caller.BrandIds.Contains(unit.BrandId)) return Drf.NotFound();
        return await TraceAsync(db, unit, await HistoryAsync(db, unit.Id, unit.CaseId, unit.PackagedProductId, unit.Sale, ct), null, ct);
    }

    /// <param name="Holder">The dispensary whose inventory holds the unit, or that sold it last.</param>
    /// <param name="Sale">The complete the unit is sold in now.</param>
    private sealed record Unit(Guid Id, Guid CaseId, Guid PackagedProductId, Guid BatchId, Guid BrandId, string State, Guid? Holder, Guid? PackageId, long? Sale);

    /// <summary>The unit with its current state; a minted unit takes its place from its case part (<see cref="ItemStates"/>).</summary>
    private static async Task<Unit?> FindAsync(AppDb db, Guid id, CancellationToken ct)
    {
        var row = await (
            from i in db.LucidItems.AsNoTracking()
            join pp in db.PackagedProducts on i.PackagedProductId equals pp.Id
            join ip in db.InventoryPackages on new { i.CaseId, i.PackagedProductId } equals new { ip.CaseId, ip.PackagedProductId } into parts
            from part in parts.DefaultIfEmpty()
            where i.Id == id
            select new { i.Id, i.CaseId, i.PackagedProductId, pp.BatchId, i.BrandId, i.State, i.DispensaryId, i.InventoryPackageId, i.SaleTransactionId, Part = (Guid?)part!.Id, PartHolder = (Guid?)part.DispensaryId })
            .FirstOrDefaultAsync(ct);
        if (row is null) return null;
        var followsPart = row.State == ItemStates.Minted;
        return new Unit(row.Id, row.CaseId, row.PackagedProductId, row.BatchId, row.BrandId,
            followsPart && row.Part is not null ? ItemStates.InInventory : row.State,
            followsPart ? row.PartHolder : row.DispensaryId,
            followsPart ? row.Part : row.InventoryPackageId, row.SaleTransactionId);
    }

    /// <summary>An entry of a unit's history: an <see cref="ItemEvent"/> at its id, or a sale at its <see cref="RetailTransaction.HistoryPosition"/>.</summary>
    public sealed record HistoryEntry(long Position, string Event, DateTime At, Guid? DispensaryId, string? OrderId, string? PackageUid);

    /// <summary>
    /// A unit's whole history, oldest first. Its events are its own and the imports of its case part
    /// that moved it (ItemEvent says why those are one row per part), each half read on its own index.
    /// Its sales are the one it is sold in now (<paramref name="saleId"/>) and those its voided and
    /// returned events name by dispensary and order id, read on the sale's keys.
    /// </summary>
    public static async Task<List<HistoryEntry>> HistoryAsync(AppDb db, Guid id, Guid caseId, Guid packagedProductId, long? saleId, CancellationToken ct)
    {
        var history = await db.ItemEvents.AsNoTracking().Where(e => e.ItemId == id)
            .Concat(db.ItemEvents.AsNoTracking().Where(e => e.CaseId == caseId && e.PackagedProductId == packagedProductId && e.ItemIds!.Contains(id)))
            .OrderBy(e => e.Id)
            .Select(e => new HistoryEntry(e.Id, e.Event, e.At, e.DispensaryId, e.OrderId, e.PackageUid))
            .ToListAsync(ct);
        var left = history.Where(e => e.Event is ItemEvents.Voided or ItemEvents.Returned).Select(e => (e.DispensaryId, e.OrderId)).ToHashSet();
        if (saleId is null && left.Count == 0) return history; // never sold, and already in id order
        var dispensaries = left.Select(l => l.DispensaryId!.Value).Distinct().ToList();
        var orders = left.Select(l => l.OrderId!).Distinct().ToList();
        var sales = await db.RetailTransactions.AsNoTracking().Where(t => t.Id == saleId)
            .Union(db.RetailTransactions.AsNoTracking().Where(t => dispensaries.Contains(t.DispensaryId) && orders.Contains(t.OrderId) && t.Type == TransactionTypes.Complete))
            .Select(t => new { t.Id, t.DispensaryId, t.OrderId, t.RecordedAt, t.HistoryPosition })
            .ToListAsync(ct);
        history.AddRange(sales
            .Where(t => t.HistoryPosition is not null && (t.Id == saleId || left.Contains((t.DispensaryId, t.OrderId))))
            .Select(t => new HistoryEntry(t.HistoryPosition!.Value, ItemEvents.Sold, t.RecordedAt, t.DispensaryId, t.OrderId, PackageUid: null)));
        // A sale comes after the event at its own position (on SQLite it is the last event before the sale).
        return [.. history.OrderBy(e => e.Position).ThenBy(e => e.Event == ItemEvents.Sold)];
    }

    /// <param name="dispensaryId">The viewing dispensary, whose view leaves out other dispensaries' events and packages; null for the brand.</param>
    private static async Task<IResult> TraceAsync(AppDb db, Unit unit, List<HistoryEntry> history, Guid? dispensaryId, CancellationToken ct)
    {
        var events = history.Where(e => dispensaryId == null || e.DispensaryId == null || e.DispensaryId == dispensaryId)
            .Select(e => new TraceEvent(e.Event, e.At, e.OrderId, e.PackageUid)).ToList();
        var packageUid = unit.PackageId is { } package && (dispensaryId is null || unit.Holder == dispensaryId)
            ? await (from ip in db.InventoryPackages
                     join p in db.PosPackageUids on ip.PosPackageUidId equals p.Id
                     where ip.Id == package
                     select p.PackageUid).FirstOrDefaultAsync(ct)
            : null;
        return Drf.Ok(new TraceResponse(
            ShortUuid.Encode(unit.Id), ShortUuid.Encode(unit.CaseId), ShortUuid.Encode(unit.PackagedProductId),
            ShortUuid.Encode(unit.BatchId), ShortUuid.Encode(unit.BrandId), unit.State, packageUid, events));
    }
}
