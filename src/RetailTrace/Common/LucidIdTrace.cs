using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Data;

namespace RetailTrace.Common;

public sealed record TraceResponse(
    string LucidId, string CaseUuid, string PackagedProductUuid, string BatchUuid, string BrandUuid,
    string State, string? PackageUid, List<TraceEvent> History);

public sealed record TraceEvent(
    string Event, DateTime At,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? OrderId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PackageUid);

/// <summary>
/// One LucidID with its current state and its whole history, oldest first: the events that list it,
/// in id order. The Dispensary (v1.2) and Brand (v1.5) trace endpoints show it, each to its own callers.
/// </summary>
public sealed record LucidIdTrace(LucidItem Unit, Guid BatchId, string? PackageUid, List<ItemEvent> History)
{
    public static async Task<LucidIdTrace?> LoadAsync(AppDb db, Guid id, CancellationToken ct)
    {
        var unit = await db.LucidItems.AsNoTracking().Where(i => i.Id == id)
            .Select(i => new
            {
                Unit = i,
                BatchId = db.PackagedProducts.Where(pp => pp.Id == i.PackagedProductId).Select(pp => pp.BatchId).First(),
                PackageUid = db.InventoryPackages.Where(ip => ip.Id == i.InventoryPackageId)
                    .Join(db.PosPackageUids, ip => ip.PosPackageUidId, u => u.Id, (_, u) => u.PackageUid).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(ct);
        if (unit is null) return null;
        var history = await db.ItemEvents.AsNoTracking().Where(e => e.Units.Any(u => u.ItemId == id)).OrderBy(e => e.Id).ToListAsync(ct);
        return new LucidIdTrace(unit.Unit, unit.BatchId, unit.PackageUid, history);
    }

    /// <summary>A dispensary may trace a unit it holds or has sold.</summary>
    public bool VisibleTo(Guid dispensaryId) =>
        Unit.DispensaryId == dispensaryId || History.Any(e => e.Type == ItemEventTypes.Sold && e.DispensaryId == dispensaryId);

    /// <param name="dispensaryId">The viewing dispensary, whose view leaves out other dispensaries' events and packages; null for the brand.</param>
    public TraceResponse Response(Guid? dispensaryId) => new(
        ShortUuid.Encode(Unit.Id), ShortUuid.Encode(Unit.CaseId), ShortUuid.Encode(Unit.PackagedProductId),
        ShortUuid.Encode(BatchId), ShortUuid.Encode(Unit.BrandId), Unit.State,
        dispensaryId is null || Unit.DispensaryId == dispensaryId ? PackageUid : null,
        History.Where(e => dispensaryId is null || e.DispensaryId is null || e.DispensaryId == dispensaryId)
            .Select(e => new TraceEvent(e.Type, e.At, e.OrderId, e.PackageUid)).ToList());
}
