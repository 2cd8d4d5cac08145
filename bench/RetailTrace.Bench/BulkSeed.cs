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

        // Time-ordered (version 7) LucidIDs, as minting makes them, in inventory as an import leaves them.
        var items = parts.SelectMany(part => Enumerable.Range(0, 50).Select(_ => (Part: part, Item: new LucidItem
        {
            Id = Guid.CreateVersion7(_now), CaseId = part.CaseId, PackagedProductId = pp, BrandId = brand,
            State = ItemStates.InInventory, DispensaryId = dispensary, InventoryPackageId = part.Id,
        }))).ToList();
        await SaveAsync(items.Select(i => i.Item));

        // The history every unit would have, as the server writes it: one minted event per case, one
        // imported event per case part, then one sold event per sale.
        var uids = packages.ToDictionary(p => p.Id, p => p.PackageUid);
        var byPart = items.GroupBy(i => i.Part).ToList();
        await SaveEventsAsync(byPart.Select(g => ItemEvent.For(ItemEventTypes.Minted, _now, g.Select(i => i.Item.Id))));
        await SaveEventsAsync(byPart.Select(g =>
        {
            var imported = ItemEvent.For(ItemEventTypes.Imported, _now, g.Select(i => i.Item.Id));
            (imported.DispensaryId, imported.PackageUid) = (dispensary, uids[g.Key.PosPackageUidId]);
            return imported;
        }));
        var sales = Enumerable.Range(0, sold).Select(i =>
        {
            var sale = ItemEvent.For(ItemEventTypes.Sold, _now, [items[i].Item.Id]);
            (sale.DispensaryId, sale.OrderId, sale.PerformedAt) = (dispensary, $"seed-{i}", _now);
            return sale;
        }).ToList();
        await SaveEventsAsync(sales);
        for (var i = 0; i < sold; i++) (items[i].Item.State, items[i].Item.SaleEventId) = (ItemStates.Sold, sales[i].Id);
        foreach (var chunk in items.Take(sold).Chunk(Chunk))
        {
            await using var db = NewDb();
            db.LucidItems.UpdateRange(chunk.Select(i => i.Item));
            await db.SaveChangesAsync();
        }
        return items.Skip(sold).Select(i => ShortUuid.Encode(i.Item.Id)).ToList();
    }

    /// <summary>Events with their units, in the order given (ids follow it), about <see cref="Chunk"/> units per SaveChanges.</summary>
    private async Task SaveEventsAsync(IEnumerable<ItemEvent> events)
    {
        var chunk = new List<ItemEvent>();
        var units = 0;
        foreach (var e in events.Append(null))
        {
            if (e is not null) { chunk.Add(e); units += e.Units.Count + 1; }
            if (chunk.Count == 0 || (e is not null && units < Chunk)) continue;
            await using var db = NewDb();
            db.ItemEvents.AddRange(chunk);
            await db.SaveChangesAsync();
            (chunk, units) = ([], 0);
        }
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
        // Each shop's batch count, as ProductBatch.AddAsync keeps it.
        await using (var db = NewDb())
            await db.Database.ExecuteSqlRawAsync("UPDATE shops SET product_batch_count = (SELECT count(*) FROM product_batches AS b WHERE b.shop_id = shops.id AND NOT b.deleted)");
        await SaveAsync(copies.Where(c => c.Quantity > 0).Select(c => new BatchQuantity
        {
            Id = ObjectId.NewId(), CompanyId = c.CompanyId, ShopId = c.ShopId, ProductId = c.ProductId, InventoryId = roomId, BatchId = c.Id,
            Quantity = c.Quantity, Created = c.Created, Modified = c.Modified,
        }));
    }
}
