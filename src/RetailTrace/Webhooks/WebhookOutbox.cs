using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Store;

namespace RetailTrace.Webhooks;

/// <summary>
/// Events into the outbox, and from the outbox into messages.
/// <para>The Add methods are called inside the <see cref="Writes.WriteAsync"/> of the change that causes the event,
/// so the event row commits or rolls back with the change (and a retried write adds it again, once). They add
/// rows only; the change's own SaveChanges writes them, except where noted.</para>
/// <para><see cref="FanOutAsync"/> (the dispatcher) turns events into one message per subscribed, enabled
/// endpoint, with the payload the endpoint's owner may see, and deletes the events, in one transaction.</para>
/// </summary>
public static class WebhookOutbox
{
    private const int FanOutBatch = 100;

    /// <summary><c>lucidid.&lt;type&gt;</c> of an item event (minted, sold, voided, returned; imports and removals also report their case).</summary>
    public static void Add(AppDb db, ItemEvent itemEvent) => db.Add(new WebhookOutboxEvent
    {
        Type = WebhookEventTypes.ForItemEvent(itemEvent.Type), OccurredAt = itemEvent.At, ItemEvent = itemEvent,
    });

    /// <summary><c>lucidid.imported</c> and <c>case.imported</c> of one case part.</summary>
    public static void AddImport(AppDb db, ItemEvent imported, Guid caseId, Guid packagedProductId) => AddCase(db, imported, WebhookEventTypes.CaseImported, caseId, [packagedProductId]);

    /// <summary><c>lucidid.removed</c> and <c>case.removed</c> of the parts a removal took out of inventory.</summary>
    public static void AddRemoval(AppDb db, ItemEvent removed, Guid caseId, IEnumerable<Guid> packagedProductIds) => AddCase(db, removed, WebhookEventTypes.CaseRemoved, caseId, packagedProductIds);

    private static void AddCase(AppDb db, ItemEvent itemEvent, string caseType, Guid caseId, IEnumerable<Guid> packagedProductIds)
    {
        Add(db, itemEvent);
        db.Add(new WebhookOutboxEvent
        {
            Type = caseType, OccurredAt = itemEvent.At, ItemEvent = itemEvent, CaseId = caseId,
            Data = JsonSerializer.Serialize(packagedProductIds.Select(ShortUuid.Encode).Order(StringComparer.Ordinal).ToList()),
        });
    }

    /// <summary><c>export.ready</c> to the dispensary.</summary>
    public static void AddExportReady(AppDb db, ExportRun run, long packageUids, long lucidIds, DateTime at) =>
        AddFor(db, WebhookEventTypes.ExportReady, at, WebhookOwner.Dispensary(run.DispensaryId),
            new ExportReadyData(run.DispensaryId, run.ExportDate, packageUids, lucidIds));

    /// <summary><c>export.failed</c> to the dispensary. The reason stays in the operator's log: it may hold internals.</summary>
    public static void AddExportFailed(AppDb db, ExportRun run, DateTime at) =>
        AddFor(db, WebhookEventTypes.ExportFailed, at, WebhookOwner.Dispensary(run.DispensaryId),
            new ExportFailedData(run.DispensaryId, run.ExportDate, Exports.ExportsApi.FailedError));

    /// <summary><c>transfer.*</c> to the sending and the receiving shop, with the transfer as it stands in this
    /// transaction (BLAZE InventoryTransferHistory plus its logs). Reads the transfer and saves the event.</summary>
    public static async Task AddTransferAsync(AppDb db, string type, string transferId, TimeProvider time, CancellationToken ct)
    {
        var transfer = await db.InventoryTransfers.AsNoTracking().Include(t => t.Logs).SingleAsync(t => t.Id == transferId, ct);
        db.Add(new WebhookOutboxEvent
        {
            Type = type, OccurredAt = time.GetUtcNow().UtcDateTime,
            Data = JsonSerializer.Serialize(TransferView.From(transfer), Blaze.Json),
            Owners = [.. new[] { transfer.FromShopId, transfer.ToShopId }.Distinct().Select(shop => WebhookOwner.Shop(shop).Key)],
        });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>An event whose payload data is fixed now, to one owner.</summary>
    internal static void AddFor<T>(AppDb db, string type, DateTime at, WebhookOwner owner, T data) => db.Add(new WebhookOutboxEvent
    {
        Type = type, OccurredAt = at, Data = JsonSerializer.Serialize(data, owner.Json), Owners = [owner.Key],
    });

    /// <summary>Turns waiting events into messages, oldest first; returns how many events it handled.</summary>
    public static async Task<int> FanOutAsync(AppDb db, TimeProvider time, CancellationToken ct)
    {
        var handled = 0;
        while (true)
        {
            var batch = await db.WriteAsync(() => FanOutBatchAsync(db, time, ct), ct);
            handled += batch;
            if (batch < FanOutBatch) return handled;
        }
    }

    private sealed record Recipient(WebhookOwner Owner, string DataJson);

    /// <remarks>Two processes may take the same events: on PostgreSQL the second one's delete of rows the first
    /// deleted fails its transaction, which then runs again and finds them gone; SQLite serializes the two.</remarks>
    private static async Task<int> FanOutBatchAsync(AppDb db, TimeProvider time, CancellationToken ct)
    {
        var taken = await db.WebhookOutbox.AsNoTracking().OrderBy(e => e.Id).Take(FanOutBatch).ToListAsync(ct);
        if (taken.Count == 0) return 0;
        // Only events of a type some enabled endpoint subscribes to can have a recipient: the others are just deleted,
        // without reading their units (a server with few or no endpoints does not pay for every sale's fan-out).
        var subscribed = (await db.WebhookEndpoints.AsNoTracking().Where(e => e.Enabled).Select(e => e.Events).ToListAsync(ct))
            .SelectMany(types => types).ToHashSet(StringComparer.Ordinal);
        var events = taken.Where(e => subscribed.Contains(e.Type)).ToList();
        var itemEventIds = events.Where(e => e.ItemEventId != null).Select(e => e.ItemEventId!.Value).Distinct().ToList();
        var itemEvents = await db.ItemEvents.AsNoTracking().Where(e => itemEventIds.Contains(e.Id))
            .Select(e => new ItemEvent { Id = e.Id, Type = e.Type, At = e.At, DispensaryId = e.DispensaryId, PackageUid = e.PackageUid, OrderId = e.OrderId, PerformedAt = e.PerformedAt })
            .ToDictionaryAsync(e => e.Id, ct);
        var units = (await db.ItemEventUnits.AsNoTracking().Where(u => itemEventIds.Contains(u.EventId))
                .Join(db.LucidItems, u => u.ItemId, i => i.Id, (u, i) => new { u.EventId, i.Id, i.BrandId }).ToListAsync(ct))
            .ToLookup(u => u.EventId);
        var caseIds = events.Where(e => e.CaseId != null).Select(e => e.CaseId!.Value).Distinct().ToList();
        var caseBrands = await db.Cases.AsNoTracking().Where(c => caseIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.BrandId, ct);

        var recipients = events.ToDictionary(e => e.Id, e => e switch
        {
            { CaseId: { } caseId } => CaseRecipients(e, itemEvents[e.ItemEventId!.Value], caseId, caseBrands[caseId]),
            { ItemEventId: { } id } => LucidIdRecipients(itemEvents[id], units[id].Select(u => (u.Id, u.BrandId)).ToList()),
            _ => e.Owners.Select(key => new Recipient(WebhookOwner.Parse(key), e.Data!)).ToList(),
        });
        var owners = recipients.Values.SelectMany(r => r).Select(r => r.Owner.Key).Distinct().ToList();
        var endpoints = (await db.WebhookEndpoints.AsNoTracking().Where(e => e.Enabled && owners.Contains(e.Owner))
                .Select(e => new { e.Id, e.Owner, e.Events, e.CreatedAt }).ToListAsync(ct))
            .ToLookup(e => e.Owner);

        var now = time.GetUtcNow().UtcDateTime;
        foreach (var e in events)
            foreach (var recipient in recipients[e.Id])
                // An endpoint gets the events that happened after it was created, of the types it subscribes to now.
                foreach (var endpoint in endpoints[recipient.Owner.Key].Where(x => x.Events.Contains(e.Type) && x.CreatedAt <= e.OccurredAt).OrderBy(x => x.Id, StringComparer.Ordinal))
                    db.Add(new WebhookMessage
                    {
                        MessageId = "msg_" + Guid.CreateVersion7().ToString("N"), EndpointId = endpoint.Id, Type = e.Type,
                        Payload = WebhookEnvelope.Write(e.Type, e.OccurredAt, recipient.DataJson), CreatedAt = e.OccurredAt, NextAttemptAt = now,
                    });
        var ids = taken.Select(e => e.Id).ToList();
        if (await db.WebhookOutbox.Where(e => ids.Contains(e.Id)).ExecuteDeleteAsync(ct) != ids.Count)
            throw new DbUpdateConcurrencyException("Outbox events were handled by another process meanwhile.");
        await db.SaveChangesAsync(ct);
        return taken.Count;
    }

    /// <summary>The dispensary of the event sees every unit; each brand sees its own units only.</summary>
    private static List<Recipient> LucidIdRecipients(ItemEvent e, List<(Guid Id, Guid BrandId)> units)
    {
        string Data(IEnumerable<Guid> ids) => JsonSerializer.Serialize(new LucidIdEventData(e.Type, e.At,
            e.DispensaryId is { } d ? ShortUuid.Encode(d) : null, e.PackageUid, e.OrderId, e.PerformedAt,
            ids.Select(ShortUuid.Encode).Order(StringComparer.Ordinal).ToList()), Drf.Json);
        var result = new List<Recipient>();
        if (e.DispensaryId is { } dispensary) result.Add(new(WebhookOwner.Dispensary(dispensary), Data(units.Select(u => u.Id))));
        foreach (var brand in units.GroupBy(u => u.BrandId).OrderBy(g => g.Key))
            result.Add(new(WebhookOwner.Brand(brand.Key), Data(brand.Select(u => u.Id))));
        return result;
    }

    /// <summary>The importing (or removing) dispensary and the case's brand.</summary>
    private static List<Recipient> CaseRecipients(WebhookOutboxEvent e, ItemEvent itemEvent, Guid caseId, Guid brandId)
    {
        var data = JsonSerializer.Serialize(new CaseEventData(itemEvent.Type, itemEvent.At, caseId,
            JsonSerializer.Deserialize<List<string>>(e.Data!)!, ShortUuid.Encode(itemEvent.DispensaryId!.Value), itemEvent.PackageUid!), Drf.Json);
        return [new(WebhookOwner.Dispensary(itemEvent.DispensaryId.Value), data), new(WebhookOwner.Brand(brandId), data)];
    }
}
