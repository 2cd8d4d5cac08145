using RetailTrace.Data;

namespace RetailTrace.Dispensaries;

/// <summary>
/// The LucidID state machine of SPEC §5 as single conditional statements. Each one changes only
/// rows still in the expected state and returns the ids it changed (UPDATE … RETURNING, on both
/// providers), so callers compare what changed with what they asked for instead of trusting an
/// earlier read: two requests racing for one unit can never both move it. The caller appends the
/// matching <see cref="ItemEvent"/> rows in the same transaction; a sale's row is its units' sold
/// event (<see cref="RetailTransaction.HistoryPosition"/>).
/// </summary>
public static class ItemTransitions
{
    public sealed record Changed(Guid Id, string State);

    /// <summary>
    /// Import: the case part's inventory package row is written (a new id is inserted; a part moving to
    /// another package UID keeps its row, updated), and one imported event names the part and the units
    /// that moved with it: every unit not sold.
    /// <para>PostgreSQL does not write the units' rows: a minted unit follows its part
    /// (<see cref="ItemStates"/>), so the package row alone puts it into inventory (100 row writes were
    /// most of an import's time: bench/RESULTS.md, finding 32). Only units a removal of the part left
    /// behind are written, back into inventory under this package. One statement (data-modifying CTEs)
    /// that reads the part's units once: every round trip costs both processes a send and a wake-up.</para>
    /// <para>SQLite writes the part's place onto every unit not sold (state in_inventory, dispensary,
    /// package), three in-process statements. Its pages are packed full (there is no fillfactor), so a
    /// unit row that first grew at its sale split its page then: sales ran a quarter slower. An import
    /// grows a part's rows together, on a handful of pages (finding 32).</para>
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
        const string placeUnits =
            $"""
            UPDATE lucid_items SET state = '{ItemStates.InInventory}', dispensary_id = @p1, inventory_package_id = @p0, updated_at = @p6
            WHERE
            """;
        const string insertEvent =
            $"""
            INSERT INTO item_events (event, at, dispensary_id, package_uid, case_id, packaged_product_id, item_ids)
            SELECT '{ItemEvents.Imported}', @p6, @p1, @p7, @p3, @p4, moved.ids
            """;
        const string unsold = $"case_id = @p3 AND packaged_product_id = @p4 AND state <> '{ItemStates.Sold}'";
        object?[] args = [package.Id, package.DispensaryId, package.PosPackageUidId, package.CaseId, package.PackagedProductId, package.CatalogProductId, package.ImportedAt, packageUid];
        if (!db.IsSqlite)
            return db.ExecuteAsync(
                $"""
                WITH package AS ({upsertPackage}), moved_units AS (SELECT id, state FROM lucid_items WHERE {unsold}),
                    revived AS ({placeUnits} state = '{ItemStates.Removed}' AND id IN (SELECT id FROM moved_units WHERE state = '{ItemStates.Removed}'))
                {insertEvent}
                FROM (SELECT array_agg(id) AS ids FROM moved_units) AS moved WHERE moved.ids IS NOT NULL
                """,
                ct, args);
        return InSqliteAsync();

        async Task InSqliteAsync()
        {
            await db.ExecuteAsync(upsertPackage, ct, args);
            await db.ExecuteAsync($"{placeUnits} {unsold}", ct, args);
            await db.ExecuteAsync(
                $"""
                {insertEvent}
                FROM (SELECT json_group_array(id) AS ids, count(*) AS units FROM lucid_items WHERE {unsold}) AS moved
                WHERE moved.units > 0
                """,
                ct, args);
        }
    }

    /// <summary>
    /// Remove: the parts' units leave inventory (state removed, no dispensary); sold units stay sold
    /// but lose the package. One statement for both, and it writes every unit of the parts not
    /// removed before: a sale of one of them locks its row, so a sale and a removal of the same
    /// unit are decided on that lock, and a void or return can never leave a unit in a deleted package.
    /// </summary>
    public static Task<List<Changed>> RemoveAsync(AppDb db, Guid caseId, IReadOnlyCollection<Guid> packagedProductIds, DateTime now, CancellationToken ct) =>
        db.QueryAsync(
            $"""
            UPDATE lucid_items SET
                state = CASE WHEN state = '{ItemStates.Sold}' THEN state ELSE '{ItemStates.Removed}' END,
                dispensary_id = CASE WHEN state = '{ItemStates.Sold}' THEN dispensary_id ELSE NULL END,
                inventory_package_id = NULL, updated_at = @p0
            WHERE case_id = @p2 AND {IdIn(db, "packaged_product_id", 1)} AND state <> '{ItemStates.Removed}'
            RETURNING id, state
            """,
            r => new Changed(r.GetGuid(0), r.GetString(1)), ct, now, packagedProductIds, caseId);

    /// <summary>
    /// SQL for "unit <c>lucid_items</c> is in the inventory of <paramref name="dispensary"/>" (<see cref="ItemStates"/>),
    /// with <c>ip</c> the inventory package of its case part, joined on <see cref="PartOfUnit"/>. On SQLite,
    /// which keeps no statistics, the unary + stops it from reading all the dispensary's packages first
    /// instead of the requested units by key.
    /// </summary>
    public static string InInventoryOf(string dispensary, bool sqlite) =>
        $"lucid_items.state IN ('{ItemStates.Minted}', '{ItemStates.InInventory}') AND {(sqlite ? "+" : "")}ip.dispensary_id = {dispensary}";

    public const string PartOfUnit = "ip.case_id = lucid_items.case_id AND ip.packaged_product_id = lucid_items.packaged_product_id";

    /// <summary>
    /// Complete (SQLite): units in this dispensary's inventory become sold in the sale, and keep the
    /// dispensary and the package they were sold from.
    /// </summary>
    public static Task<List<Guid>> SellAsync(AppDb db, Guid dispensaryId, long saleId, IReadOnlyCollection<Guid> itemIds, DateTime now, CancellationToken ct) =>
        db.QueryAsync(s_sell, Id, ct, saleId, now, dispensaryId, itemIds);

    private static readonly string s_sell =
        $"""
        UPDATE lucid_items SET state = '{ItemStates.Sold}', sale_transaction_id = @p0, dispensary_id = @p2, inventory_package_id = ip.id, updated_at = @p1
        FROM inventory_packages AS ip
        WHERE lucid_items.id IN (SELECT value FROM json_each(@p3)) AND {InInventoryOf("@p2", sqlite: true)} AND {PartOfUnit}
        RETURNING lucid_items.id
        """;

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
