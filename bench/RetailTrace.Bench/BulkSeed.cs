using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Bench;

/// <summary>
/// The bulk of the seed, written through the server's own EF model (entities, value conversions,
/// snake_case mapping) so the rows are exactly what the APIs would have stored: the same states,
/// history events and join rows that minting, <c>caseids/import</c> and <c>transactions/complete</c>
/// write, without one HTTP request per case. Chunks of <see cref="Chunk"/> rows per SaveChanges, each
/// chunk a fresh context (no tracker growth), change detection off.
/// </summary>
public sealed class BulkSeed(string provider, string connectionString)
{
    private const int Chunk = 20_000;
    private readonly DateTime _now = DateTime.UtcNow.AddTicks(-(DateTime.UtcNow.Ticks % 10));
    private readonly bool _postgres = provider.Equals("postgres", StringComparison.OrdinalIgnoreCase);

    private AppDb NewDb()
    {
        var options = new DbContextOptionsBuilder<AppDb>();
        Database.Configure(options, _postgres ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite, connectionString);
        var db = new AppDb(options.Options);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        return db;
    }

    private async Task SaveAsync<T>(IEnumerable<T> rows) where T : class
    {
        foreach (var chunk in rows.Chunk(Chunk))
        {
            await using var db = NewDb();
            db.Set<T>().AddRange(chunk);
            await db.SaveChangesAsync();
        }
    }

    /// <summary>
    /// <paramref name="cases"/> cases of 50 LucidIDs minted by the brand of the packaged product, each imported
    /// (two per package UID); the first <paramref name="sold"/> units sold one per complete transaction.
    /// Returns the units still in inventory, as ShortUUIDs.
    /// </summary>
    public async Task<List<string>> LucidItemsAsync(string dispensaryUuid, string packagedProductUuid, int cases, int sold)
    {
        var dispensary = ShortUuid.Decode(dispensaryUuid);
        var pp = ShortUuid.Decode(packagedProductUuid);
        Guid brand;
        await using (var db = NewDb())
            brand = await db.PackagedProducts.Where(p => p.Id == pp).Select(p => p.BrandId).SingleAsync();
        var catalog = new CatalogProduct { Id = Guid.NewGuid(), DispensaryId = dispensary, PosProductId = "bench-product", PackagedProductId = pp, UpdatedAt = _now };
        await SaveAsync([catalog]);

        var packages = Enumerable.Range(0, (cases + 1) / 2).Select(p => new PosPackageUid
        {
            Id = Guid.NewGuid(), DispensaryId = dispensary, PackageUid = $"BENCH-PKG-{p:D6}", PosInventoryId = $"inv-{p}", CreatedAt = _now, UpdatedAt = _now,
        }).ToList();
        await SaveAsync(packages);
        var caseRows = Enumerable.Range(0, cases).Select(_ => new Case { Id = Guid.NewGuid(), BrandId = brand, DispensaryId = dispensary, CreatedAt = _now }).ToList();
        await SaveAsync(caseRows);
        var parts = caseRows.Select((c, i) => new InventoryPackage
        {
            Id = Guid.NewGuid(), DispensaryId = dispensary, PosPackageUidId = packages[i / 2].Id, CaseId = c.Id,
            PackagedProductId = pp, CatalogProductId = catalog.Id, ImportedAt = _now,
        }).ToList();
        await SaveAsync(parts);

        // Time-ordered (version 7) LucidIDs, as minting makes them; an import leaves them minted on
        // PostgreSQL and writes its package onto them on SQLite (ItemTransitions.ImportAsync).
        var sqlite = !_postgres;
        var items = parts.SelectMany(part => Enumerable.Range(0, 50).Select(_ => (Part: part, Item: new LucidItem
        {
            Id = Guid.CreateVersion7(_now), CaseId = part.CaseId, PackagedProductId = pp, BrandId = brand, UpdatedAt = _now,
            State = sqlite ? ItemStates.InInventory : ItemStates.Minted,
            DispensaryId = sqlite ? dispensary : null, InventoryPackageId = sqlite ? part.Id : null,
        }))).ToList();
        var sales = Enumerable.Range(0, sold).Select(i => new RetailTransaction
        {
            DispensaryId = dispensary, Type = TransactionTypes.Complete, OrderId = $"seed-{i}", PerformedAt = _now, RecordedAt = _now,
            ItemIds = [items[i].Item.Id],
        }).ToList();
        await SaveAsync(sales);
        for (var i = 0; i < sold; i++)
        {
            var (part, item) = items[i];
            (item.State, item.SaleTransactionId, item.DispensaryId, item.InventoryPackageId) = (ItemStates.Sold, sales[i].Id, dispensary, part.Id);
        }
        await SaveAsync(items.Select(i => i.Item));

        // The history every unit would have: minted, imported into its package UID, sold in its order.
        await using (var db = NewDb())
        {
            db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
            await db.Database.ExecuteSqlAsync($"INSERT INTO item_events (item_id, event, at) SELECT id, {ItemEvents.Minted}, {_now} FROM lucid_items WHERE brand_id = {brand}");
            // One imported event per case part, naming its units, as the server writes them (migration 0011).
            var units = db.IsSqlite ? "json_group_array(li.id)" : "array_agg(li.id)";
            var partEvents = $$"""
                INSERT INTO item_events (event, at, dispensary_id, package_uid, case_id, packaged_product_id, item_ids)
                SELECT {1}, {2}, {3}, p.package_uid, ip.case_id, ip.packaged_product_id, {{units}}
                FROM lucid_items li JOIN inventory_packages ip ON ip.case_id = li.case_id AND ip.packaged_product_id = li.packaged_product_id JOIN pos_package_uids p ON p.id = ip.pos_package_uid_id
                WHERE li.brand_id = {0}
                GROUP BY ip.id, p.package_uid, ip.case_id, ip.packaged_product_id
                """;
            await db.Database.ExecuteSqlRawAsync(partEvents, brand, ItemEvents.Imported, _now, dispensary);
            // Each sale after its units' imports, as the server places it (RetailTransaction.HistoryPosition).
            await db.Database.ExecuteSqlAsync(
                $"UPDATE retail_transactions SET history_position = (SELECT max(id) FROM item_events) WHERE dispensary_id = {dispensary}");
        }
        return items.Skip(sold).Select(i => ShortUuid.Encode(i.Item.Id)).ToList();
    }

    /// <summary>
    /// PostgreSQL: VACUUM ANALYZE, which autovacuum would have done long before a live database held this
    /// much (without it, index-only scans visit the heap and the planner has no statistics). SQLite: no
    /// ANALYZE, as the server never runs it itself. Both then write the seed's pages out (CHECKPOINT; SQLite:
    /// the WAL into the database), so the first scenario does not pay for the seed's disk writes.
    /// </summary>
    public async Task SettleAsync()
    {
        await using var db = NewDb();
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
        if (_postgres)
        {
            await db.Database.ExecuteSqlRawAsync("VACUUM ANALYZE");
            await db.Database.ExecuteSqlRawAsync("CHECKPOINT");
        }
        else await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)");
    }

    /// <summary><paramref name="count"/> batches of the brand as <c>batches/create/</c> stores them, each updated at its own instant.</summary>
    public Task BrandBatchesAsync(string brandUuid, int count)
    {
        var brand = ShortUuid.Decode(brandUuid);
        return SaveAsync(Enumerable.Range(0, count).Select(i => new Batch
        {
            Id = Guid.NewGuid(), BrandId = brand, Name = $"Bench batch {i}", RegulatoryId = $"REG-{i}", UpdatedOn = _now.AddTicks(-10L * (count - i)),
        }));
    }

    /// <summary>
    /// Copies of the API-created <paramref name="exemplarIds"/> (same document and product), up to <paramref name="total"/>
    /// batches, each with its own id, lot, label, purchase date and modified time; every tenth with 100 units in <paramref name="roomId"/>.
    /// </summary>
    public async Task StoreBatchesAsync(List<string> exemplarIds, string roomId, int total)
    {
        List<ProductBatch> exemplars;
        await using (var db = NewDb())
            exemplars = await db.ProductBatches.AsNoTracking().Where(b => exemplarIds.Contains(b.Id)).ToListAsync();
        var created = exemplars.Max(e => e.Created);
        var copies = Enumerable.Range(exemplars.Count, Math.Max(0, total - exemplars.Count)).Select(i =>
        {
            var at = created - (total - i) * 1000L;
            var copy = ProductBatch.From(exemplars[i % exemplars.Count].Document with
            {
                Id = ObjectId.NewId(), Created = at, Modified = at, PurchasedDate = 1_700_000_000_000L + i * 60_000L,
                TrackPackageLabel = $"1A4000000000000000{i:D6}", LotId = $"LOT-{i}",
            });
            copy.Quantity = i % 10 == 0 ? 100 * Qty.Scale : 0;
            return copy;
        }).ToList();
        await SaveAsync(copies);
        await SaveAsync(copies.Where(c => c.Quantity > 0).Select(c => new BatchQuantity
        {
            Id = ObjectId.NewId(), CompanyId = c.CompanyId, ShopId = c.ShopId, ProductId = c.ProductId, InventoryId = roomId, BatchId = c.Id,
            Quantity = c.Quantity, Created = c.Created, Modified = c.Modified,
        }));
    }
}
