using RetailTrace.Data;

namespace RetailTrace.Dispensaries;

/// <summary>
/// The LucidID state machine of SPEC §5 as single conditional statements. Each one changes only
/// rows still in the expected state and returns the ids it changed (UPDATE … RETURNING, on both
/// providers), so callers compare what changed with what they asked for instead of trusting an
/// earlier read: two requests racing for one unit can never both move it. The caller appends the
/// matching <see cref="ItemEvent"/> rows in the same transaction.
/// </summary>
public static class ItemTransitions
{
    public sealed record Changed(Guid Id, string State);

    /// <summary>
    /// Import: the case part's inventory package row is written (a new id is inserted; a part moving to
    /// another package UID keeps its row, updated), every unit of the part that is not with a customer
    /// enters it, and one imported event names the part and the units that moved (none if none did).
    /// On PostgreSQL one statement (data-modifying CTEs): an import was CPU-bound on both processes,
    /// and every round trip costs each a send and a wake-up (bench/RESULTS.md). On SQLite, which has
    /// no such CTEs and no round trips, three statements; the event's units are read back, because
    /// after the update the part's units in inventory are exactly the ones it moved.
    /// </summary>
    public static Task ImportAsync(AppDb db, InventoryPackage package, string packageUid, CancellationToken ct)
    {
        const string upsertPackage =
            """
            INSERT INTO inventory_packages (id, dispensary_id, pos_package_uid_id, case_id, packaged_product_id, catalog_product_id, imported_at)
            VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6)
            ON CONFLICT (id) DO UPDATE SET
                pos_package_uid_id = excluded.pos_package_uid_id, catalog_product_id = excluded.catalog_product_id, imported_at = excluded.imported_at
            """;
        const string moveUnits =
            $"""
            UPDATE lucid_items SET state = '{ItemStates.InInventory}', dispensary_id = @p1, inventory_package_id = @p0, updated_at = @p6
            WHERE case_id = @p3 AND packaged_product_id = @p4 AND state <> '{ItemStates.Sold}'
            """;
        const string insertEvent =
            $"""
            INSERT INTO item_events (event, at, dispensary_id, package_uid, case_id, packaged_product_id, item_ids)
            SELECT '{ItemEvents.Imported}', @p6, @p1, @p7, @p3, @p4, moved.ids
            """;
        object?[] args = [package.Id, package.DispensaryId, package.PosPackageUidId, package.CaseId, package.PackagedProductId, package.CatalogProductId, package.ImportedAt, packageUid];
        if (!db.IsSqlite)
            return db.ExecuteAsync(
                $"""
                WITH package AS ({upsertPackage}), moved_units AS ({moveUnits} RETURNING id)
                {insertEvent}
                FROM (SELECT array_agg(id) AS ids FROM moved_units) AS moved WHERE moved.ids IS NOT NULL
                """,
                ct, args);
        return InSqliteAsync();

        async Task InSqliteAsync()
        {
            await db.ExecuteAsync(upsertPackage, ct, args);
            await db.ExecuteAsync(moveUnits, ct, args);
            await db.ExecuteAsync(
                $"""
                {insertEvent}
                FROM (SELECT json_group_array(id) AS ids, count(*) AS units FROM lucid_items
                      WHERE case_id = @p3 AND packaged_product_id = @p4 AND state = '{ItemStates.InInventory}') AS moved
                WHERE moved.units > 0
                """,
                ct, args);
        }
    }

    /// <summary>
    /// Remove: units of the packages leave inventory (state removed, no dispensary); sold units stay
    /// sold but lose the package. One statement for both, so a concurrent void or return of a sold
    /// unit is decided on the row lock and can never leave a unit in a deleted package.
    /// </summary>
    /// <remarks>The units are found through the case (indexed with the packaged product); there is no
    /// index on inventory_package_id, which would cost every import 200 index writes.</remarks>
    public static Task<List<Changed>> RemoveAsync(AppDb db, Guid caseId, IReadOnlyCollection<Guid> inventoryPackageIds, DateTime now, CancellationToken ct) =>
        db.QueryAsync(
            $"""
            UPDATE lucid_items SET
                state = CASE WHEN state = 'in_inventory' THEN 'removed' ELSE state END,
                dispensary_id = CASE WHEN state = 'in_inventory' THEN NULL ELSE dispensary_id END,
                inventory_package_id = NULL, updated_at = @p0
            WHERE case_id = @p2 AND {IdIn(db, "inventory_package_id", 1)}
            RETURNING id, state
            """,
            r => new Changed(r.GetGuid(0), r.GetString(1)), ct, now, inventoryPackageIds, caseId);

    /// <summary>Complete: units in this dispensary's inventory become sold in the sale.</summary>
    public static Task<List<Guid>> SellAsync(AppDb db, Guid dispensaryId, long saleId, IReadOnlyCollection<Guid> itemIds, DateTime now, CancellationToken ct) =>
        db.QueryAsync(
            $"""
            UPDATE lucid_items SET state = 'sold', sale_transaction_id = @p0, updated_at = @p1
            WHERE dispensary_id = @p2 AND state = 'in_inventory' AND {IdIn(db, "id", 3)}
            RETURNING id
            """,
            Id, ct, saleId, now, dispensaryId, itemIds);

    /// <summary>
    /// Void or return: the listed units still sold in the sale go back into their package, or become
    /// removed when their case part was removed from inventory meanwhile. A void lists the units the
    /// sale's row holds; the units are found by primary key, and no index covers sale_transaction_id,
    /// so neither a sale nor this statement changes an indexed column (migration 0010).
    /// </summary>
    public static Task<List<Guid>> PutBackAsync(AppDb db, long saleId, IReadOnlyCollection<Guid> itemIds, DateTime now, CancellationToken ct) =>
        db.QueryAsync(
            $"""
            UPDATE lucid_items SET
                state = CASE WHEN inventory_package_id IS NULL THEN 'removed' ELSE 'in_inventory' END,
                dispensary_id = CASE WHEN inventory_package_id IS NULL THEN NULL ELSE dispensary_id END,
                sale_transaction_id = NULL, updated_at = @p0
            WHERE {IdIn(db, "id", 2)} AND sale_transaction_id = @p1 AND state = 'sold'
            RETURNING id
            """,
            Id, ct, now, saleId, itemIds);

    /// <summary>
    /// One history event per unit, as one INSERT … SELECT over the id list (EF would send a
    /// statement per row on SQLite). The CASTs type an absent order id or package UID for PostgreSQL.
    /// </summary>
    public static Task AppendEventsAsync(AppDb db, IReadOnlyCollection<Guid> itemIds, string @event, DateTime at, Guid dispensaryId, string? orderId, string? packageUid, CancellationToken ct)
    {
        if (itemIds.Count == 0) return Task.CompletedTask;
        return db.ExecuteAsync(
            $"""
            INSERT INTO item_events (item_id, event, at, dispensary_id, order_id, package_uid)
            SELECT ids.value, @p1, @p2, @p3, CAST(@p4 AS varchar(255)), CAST(@p5 AS varchar(255))
            FROM ({IdRows(db, 0)}) AS ids
            """,
            ct, itemIds, @event, at, dispensaryId, orderId, packageUid);
    }

    private static Guid Id(System.Data.Common.DbDataReader row) => row.GetGuid(0);

    // The only text spliced into these statements is the id-list filter below (fixed SQL per
    // provider); every value is a parameter.
    // One parameter for the whole id list (RawSql binds it as a JSON array on SQLite, a uuid[] on
    // PostgreSQL): 1,000 ids stay one statement with one parameter.
    private static string IdIn(AppDb db, string column, int parameter) => db.IsSqlite
        ? $"{column} IN (SELECT value FROM json_each(@p{parameter}))"
        : $"{column} = ANY(@p{parameter})";

    private static string IdRows(AppDb db, int parameter) => db.IsSqlite
        ? $"SELECT value FROM json_each(@p{parameter})"
        : $"SELECT unnest(@p{parameter}) AS value";
}
