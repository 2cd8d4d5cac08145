using Microsoft.EntityFrameworkCore;

namespace RetailTrace.Data;

/// <summary>
/// A sale (a complete): every listed unit in the dispensary's inventory becomes sold in one new sold event
/// listing them, or nothing is written. It is the server's most frequent write, and the one written
/// per provider: on PostgreSQL it is one statement that is its own transaction, where the plain write
/// costs five round trips; on SQLite, whose writer is in-process, it is the plain write. Both leave the
/// same rows (the sold event's webhook outbox row included, see <see cref="Webhooks.WebhookOutbox"/>); the LINQ rule <see cref="LucidItem.InInventoryOf"/> and the statement's WHERE must say the
/// same thing (ProviderParityTests runs one scenario on both and compares).
/// </summary>
public static class Sales
{
    /// <summary>Sells <paramref name="units"/> in <paramref name="sale"/> (an event of type sold, not yet saved);
    /// false, with nothing written, when any unit is not in the sale's dispensary's inventory. A replayed order
    /// throws the unique violation of the event's key.</summary>
    public static async Task<bool> SellAsync(AppDb db, ItemEvent sale, IReadOnlyList<Guid> units, CancellationToken ct)
    {
        var me = sale.DispensaryId!.Value;
        if (db.IsSqlite)
            return await db.WriteAsync(async () =>
            {
                var sellable = db.LucidItems.Where(i => units.Contains(i.Id)).Where(LucidItem.InInventoryOf(me));
                if (await sellable.CountAsync(ct) < units.Count) return false;
                sale.Units = [.. units.Select(id => new ItemEventUnit { ItemId = id })];
                db.ItemEvents.Add(sale);
                Webhooks.WebhookOutbox.Add(db, sale);
                await db.SaveChangesAsync(ct);
                await sellable.ExecuteUpdateAsync(LucidItem.Sell(sale.Id), ct);
                return true;
            }, ct);

        // The units are locked first (FOR UPDATE re-reads a unit another transaction changed meanwhile), so the
        // event's id is drawn after every earlier change of its units; the event, its units and the units' new
        // state are written only when every unit was sellable.
        var ids = units.ToArray();
        var (inInventory, sold) = (ItemStates.InInventory, ItemStates.Sold);
        var webhookType = Webhooks.WebhookEventTypes.ForItemEvent(sale.Type);
        var saleId = await db.Database.SqlQuery<long>($"""
            WITH sellable AS (
                SELECT id FROM lucid_items WHERE id = ANY({ids}) AND state = {inInventory} AND dispensary_id = {me}
                FOR UPDATE
            ), sale AS (
                INSERT INTO item_events (type, at, dispensary_id, order_id, performed_at, customer_id, budtender_id)
                SELECT {sale.Type}, {sale.At}, {me}, {sale.OrderId}, {sale.PerformedAt}, {sale.CustomerId}, {sale.BudtenderId}
                WHERE (SELECT count(*) FROM sellable) = cardinality({ids})
                RETURNING id
            ), listed AS (
                INSERT INTO item_event_units (event_id, item_id) SELECT sale.id, sellable.id FROM sale, sellable
            ), changed AS (
                UPDATE lucid_items SET state = {sold}, sale_event_id = sale.id FROM sale, sellable WHERE lucid_items.id = sellable.id
            ), outboxed AS (
                INSERT INTO webhook_outbox (type, occurred_at, item_event_id, owners) SELECT {webhookType}, {sale.At}, sale.id, '[]' FROM sale
            )
            SELECT id AS "Value" FROM sale
            """).ToListAsync(ct);
        return saleId.Count == 1;
    }
}
