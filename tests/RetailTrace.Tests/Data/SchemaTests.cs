using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Store;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Data;

/// <summary>
/// The committed SQL migrations must build exactly the schema the EF model describes: a database
/// migrated from scratch is compared with one created from the model (tables, columns, types,
/// nullability, keys, indexes, foreign keys).
/// </summary>
public class SchemaTests
{
    [Fact]
    public async Task Sqlite_migrations_match_the_model()
    {
        var dir = TempDirs.New("schema-");
        var migrated = await SnapshotAsync(DatabaseProvider.Sqlite, $"Data Source={dir}/migrated.db", migrate: true);
        var modelled = await SnapshotAsync(DatabaseProvider.Sqlite, $"Data Source={dir}/model.db", migrate: false);
        SqliteConnection.ClearAllPools();
        Assert.Equal(modelled, migrated);
    }

    [Fact]
    public async Task Postgres_migrations_match_the_model()
    {
        var migrated = await SnapshotAsync(DatabaseProvider.Postgres, await PostgresServer.NewDatabaseOrSkipAsync(), migrate: true);
        var modelled = await SnapshotAsync(DatabaseProvider.Postgres, await PostgresServer.NewDatabaseOrSkipAsync(), migrate: false);
        Assert.Equal(modelled, migrated);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Upgrade_to_0010_keeps_what_each_sale_sold(DatabaseProvider provider)
    {
        await using var db = await MigratedBeforeAsync(provider, "0010");
        await UpgradeKeepsSaleUnitsAsync(db);
    }

    /// <summary>
    /// Before 0010 a sale's units were known only by lucid_items.sale_transaction_id; the migration copies
    /// them onto the sale row (item_ids), where a void now looks for them. Units returned before the
    /// upgrade are no longer the sale's, so they are not copied.
    /// </summary>
    private static async Task UpgradeKeepsSaleUnitsAsync(AppDb db)
    {
        var ct = TestContext.Current.CancellationToken;
        var now = DateTime.UtcNow;
        var (brand, dispensary, packaged, @case) = await CasePartAsync(db, now, ct);
        // retail_transactions by hand: the model's item_ids column does not exist yet.
        async Task<long> Transaction(string type, string order) => (await db.Database.SqlQuery<long>($"""
            INSERT INTO retail_transactions (dispensary_id, type, order_id, performed_at, recorded_at)
            VALUES ({dispensary}, {type}, {order}, {now}, {now}) RETURNING id AS "Value"
            """).ToListAsync(ct)).Single();
        var sale = await Transaction(TransactionTypes.Complete, "o-1");
        var emptied = await Transaction(TransactionTypes.Complete, "o-2");
        await Transaction(TransactionTypes.Return, "o-2");
        LucidItem Unit(string state, long? saleId) => new()
        {
            Id = Guid.CreateVersion7(), CaseId = @case, PackagedProductId = packaged, BrandId = brand, State = state,
            DispensaryId = dispensary, SaleTransactionId = saleId, UpdatedAt = now,
        };
        var sold = new[] { Unit(ItemStates.Sold, sale), Unit(ItemStates.Sold, sale) };
        db.AddRange([.. sold, Unit(ItemStates.InInventory, null)]);
        await db.SaveChangesAsync(ct);

        await Migrator.MigrateAsync(db, ct);

        var itemIds = await db.RetailTransactions.AsNoTracking().OrderBy(t => t.Id).Select(t => t.ItemIds).ToListAsync(ct);
        Assert.Equal(3, itemIds.Count);
        Assert.Equal(sold.Select(u => u.Id).Order(), itemIds[0]!.Order());
        Assert.Empty(itemIds[1]!);
        Assert.Null(itemIds[2]);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Upgrade_to_0011_keeps_the_history_and_its_order(DatabaseProvider provider)
    {
        await using var db = await MigratedBeforeAsync(provider, "0011");
        await UpgradeKeepsHistoryAsync(db);
    }

    /// <summary>
    /// 0011 lets an event name a case part instead of one unit (item_id becomes nullable; SQLite
    /// rebuilds the table for that). The rows written before keep their ids, and rows written after
    /// come later in id order, which is the order the trace shows a unit's history in.
    /// </summary>
    private static async Task UpgradeKeepsHistoryAsync(AppDb db)
    {
        var ct = TestContext.Current.CancellationToken;
        var unit = Guid.NewGuid();
        var now = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        // By hand: the model's new columns do not exist yet.
        foreach (var (@event, packageUid) in new[] { (ItemEvents.Minted, (string?)null), (ItemEvents.Imported, "PKG-1") })
            await db.Database.ExecuteSqlAsync($"INSERT INTO item_events (item_id, event, at, package_uid) VALUES ({unit}, {@event}, {now}, {packageUid})", ct);
        var before = await db.Database.SqlQuery<long>($"SELECT id AS \"Value\" FROM item_events ORDER BY id").ToListAsync(ct);

        await Migrator.MigrateAsync(db, ct);

        var part = new ItemEvent { Event = ItemEvents.Imported, At = now, CaseId = Guid.NewGuid(), PackagedProductId = Guid.NewGuid(), ItemIds = [unit], PackageUid = "PKG-2" };
        db.ItemEvents.Add(part);
        await db.SaveChangesAsync(ct);
        var after = await db.ItemEvents.AsNoTracking().OrderBy(e => e.Id).ToListAsync(ct);
        Assert.Equal(before, after.Take(2).Select(e => e.Id));
        Assert.Equal([((Guid?)unit, ItemEvents.Minted, (string?)null), (unit, ItemEvents.Imported, "PKG-1")], after.Take(2).Select(e => (e.ItemId, e.Event, e.PackageUid)));
        Assert.Equal(part.Id, after[^1].Id);
        Assert.True(part.Id > before[^1], $"a new event ({part.Id}) must come after the old ones ({before[^1]})");
        Assert.Equal([unit], after[^1].ItemIds!);
        Assert.Null(after[^1].ItemId);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Upgrade_to_0012_writes_each_batch_as_a_batch_created_now_with_its_values(DatabaseProvider provider)
    {
        await using var db = await MigratedBeforeAsync(provider, "0012");
        await UpgradeKeepsBatchesAsync(db);
    }

    /// <summary>
    /// Before 0012 a product batch's document held only the fields without a column; 0012 writes the
    /// column fields into it, since a page now reads only the document and the live columns. An upgraded
    /// batch must read on the wire as one created now with the same values: strings that need escaping,
    /// nulls, both booleans, nested stored values and an empty document.
    /// </summary>
    private static async Task UpgradeKeepsBatchesAsync(AppDb db)
    {
        var ct = TestContext.Current.CancellationToken;
        db.Add(new Company { Id = "c0000000000000000000000a", Name = "Co" });
        db.Add(new Shop { Id = "s0000000000000000000000a", CompanyId = "c0000000000000000000000a", Name = "Shop" });
        db.Add(new StoreProduct { Id = "p0000000000000000000000a", CompanyId = "c0000000000000000000000a", ShopId = "s0000000000000000000000a", Name = "P" });
        ProductBatch Batch(string id, string document) => new()
        {
            Id = id, CompanyId = "c0000000000000000000000a", ShopId = "s0000000000000000000000a", ProductId = "p0000000000000000000000a",
            Created = 1_700_000_000_123, Modified = 1_700_000_555_000, Quantity = 12_500, Document = document,
        };
        var full = Batch("b0000000000000000000000a", """{"thc":21.50,"notes":[{"message":"a \"quoted\" <note>"}],"trackTraceSystem":"METRC"}""");
        (full.Status, full.PurchasedDate, full.Sku, full.ProductName) = ("READY_FOR_SALE", 1_690_000_000_000, "SKU-1", "Gelato \"Z\" – ñ <b>&");
        (full.TrackPackageLabel, full.MetrcTagId, full.LotId, full.Archived, full.Unsellable) = ("1A4\\0001", "TAG-1", "LOT\t1", true, false);
        var bare = Batch("b0000000000000000000000b", "{}");
        bare.Unsellable = true;
        db.AddRange(full, bare);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();

        await Migrator.MigrateAsync(db, ct);

        foreach (var before in new[] { full, bare })
        {
            var upgraded = await db.ProductBatches.AsNoTracking().SingleAsync(b => b.Id == before.Id, ct);
            var now = Batch(before.Id, "{}");
            (now.Status, now.PurchasedDate, now.Sku, now.ProductName, now.TrackPackageLabel) = (before.Status, before.PurchasedDate, before.Sku, before.ProductName, before.TrackPackageLabel);
            (now.MetrcTagId, now.LotId, now.Archived, now.Unsellable) = (before.MetrcTagId, before.LotId, before.Archived, before.Unsellable);
            ProductBatchFields.SetDocument(now, JsonNode.Parse(before.Document)!.AsObject());
            var expected = JsonSerializer.SerializeToNode(ProductBatchJson.From(now), Blaze.Json)!;
            var actual = JsonSerializer.SerializeToNode(ProductBatchJson.From(upgraded), Blaze.Json)!;
            Assert.True(JsonNode.DeepEquals(expected, actual), $"upgraded:\n{actual.ToJsonString()}\ncreated now:\n{expected.ToJsonString()}");
            Assert.Equal(before.Id, (string?)actual["id"]);
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Upgrade_to_0013_moves_sold_events_onto_their_sales_and_keeps_each_history_in_order(DatabaseProvider provider)
    {
        await using var db = await MigratedBeforeAsync(provider, "0013");
        await UpgradeKeepsSalesInHistoryAsync(db);
    }

    /// <summary>
    /// Before 0013 a sale wrote a sold event per unit; 0013 places each sale at its last sold event's id
    /// and deletes the sold events. Every unit's history must read as before, in the same order though all
    /// its times are equal, and an event written after the upgrade must come after the last sale even
    /// when the deleted sold event held the highest id (SQLite's AUTOINCREMENT does not issue it again).
    /// </summary>
    private static async Task UpgradeKeepsSalesInHistoryAsync(AppDb db)
    {
        var ct = TestContext.Current.CancellationToken;
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var (brand, dispensary, packaged, @case) = await CasePartAsync(db, at, ct);
        // retail_transactions by hand: the model's history_position column does not exist yet.
        async Task<long> Sale(string order, params Guid[] units) => (await db.Database.SqlQuery<long>($"""
            INSERT INTO retail_transactions (dispensary_id, type, order_id, performed_at, recorded_at, item_ids)
            VALUES ({dispensary}, {TransactionTypes.Complete}, {order}, {at}, {at}, {units}) RETURNING id AS "Value"
            """).ToListAsync(ct)).Single();
        async Task Events(string @event, string? order, params Guid[] units)
        {
            db.ItemEvents.AddRange(units.Select(u => new ItemEvent { ItemId = u, Event = @event, At = at, DispensaryId = dispensary, OrderId = order }));
            await db.SaveChangesAsync(ct);
        }
        var (resold, kept) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        await Events(ItemEvents.Minted, null, resold, kept);
        db.ItemEvents.Add(new ItemEvent { Event = ItemEvents.Imported, At = at, DispensaryId = dispensary, PackageUid = "PKG-1", CaseId = @case, PackagedProductId = packaged, ItemIds = [resold, kept] });
        var first = await Sale("o-1", resold, kept);
        await Events(ItemEvents.Sold, "o-1", resold, kept);
        await Events(ItemEvents.Returned, "o-1", resold);
        var second = await Sale("o-2", resold);
        await Events(ItemEvents.Sold, "o-2", resold);
        LucidItem Unit(Guid id, long sale) => new()
        {
            Id = id, CaseId = @case, PackagedProductId = packaged, BrandId = brand, State = ItemStates.Sold,
            DispensaryId = dispensary, SaleTransactionId = sale, UpdatedAt = at,
        };
        db.AddRange(Unit(resold, second), Unit(kept, first));
        await db.SaveChangesAsync(ct);

        await Migrator.MigrateAsync(db, ct);

        Assert.False(await db.ItemEvents.AnyAsync(e => e.Event == ItemEvents.Sold, ct));
        async Task<List<string>> History(Guid unit, long sale) =>
            (await RetailTrace.Dispensaries.TraceApi.HistoryAsync(db, unit, @case, packaged, sale, ct))
            .Select(e => $"{e.Event} {e.OrderId ?? e.PackageUid} {e.At:O}").ToList();
        string[] Expected(params string[] events) => [.. events.Select(e => $"{e} {at:O}")];
        Assert.Equal(Expected("minted ", "imported PKG-1", "sold o-1", "returned o-1", "sold o-2"), await History(resold, second));
        Assert.Equal(Expected("minted ", "imported PKG-1", "sold o-1"), await History(kept, first));

        await Events(ItemEvents.Voided, "o-2", resold);
        Assert.Equal(Expected("minted ", "imported PKG-1", "sold o-1", "returned o-1", "sold o-2", "voided o-2"), await History(resold, second));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Upgrade_to_0014_keeps_every_transaction_and_its_id(DatabaseProvider provider)
    {
        await using var db = await MigratedBeforeAsync(provider, "0014");
        await UpgradeKeepsTransactionsAsync(db);
    }

    /// <summary>0014 drops the sales' key to their dispensary; SQLite rebuilds the table for it, which must keep
    /// every row and value, and go on issuing ids after the highest.</summary>
    private static async Task UpgradeKeepsTransactionsAsync(AppDb db)
    {
        var ct = TestContext.Current.CancellationToken;
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var dispensary = new RetailTrace.Data.Dispensary { Id = Guid.NewGuid(), Name = "D", CreatedAt = at };
        RetailTransaction Row(string type, string order) => new()
        {
            DispensaryId = dispensary.Id, Type = type, OrderId = order, PerformedAt = at.AddHours(-1), RecordedAt = at,
            CustomerId = type == TransactionTypes.Complete ? "cust" : null, BudtenderId = "bud",
            ItemIds = type == TransactionTypes.Complete ? [Guid.NewGuid(), Guid.NewGuid()] : null,
            HistoryPosition = type == TransactionTypes.Complete ? 41 : null,
        };
        db.Add(dispensary);
        db.AddRange(Row(TransactionTypes.Complete, "o-1"), Row(TransactionTypes.Void, "o-1"), Row(TransactionTypes.Complete, "o-2"));
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        async Task<List<string>> Rows() => (await db.RetailTransactions.AsNoTracking().OrderBy(t => t.Id).ToListAsync(ct))
            .Select(t => JsonSerializer.Serialize(t)).ToList();
        var before = await Rows();

        await Migrator.MigrateAsync(db, ct);

        Assert.Equal(before, await Rows());
        var next = Row(TransactionTypes.Return, "o-2");
        db.Add(next);
        await db.SaveChangesAsync(ct);
        Assert.True(next.Id > (await db.RetailTransactions.Where(t => t.Id != next.Id).MaxAsync(t => t.Id, ct)));
    }

    /// <summary>A brand's packaged product and a case of it, shipped to a dispensary: the rows a unit needs. Returns their ids.</summary>
    private static async Task<(Guid Brand, Guid Dispensary, Guid PackagedProduct, Guid Case)> CasePartAsync(AppDb db, DateTime at, CancellationToken ct)
    {
        var brand = new Brand { Id = Guid.NewGuid(), Name = "B", CreatedAt = at };
        var dispensary = new RetailTrace.Data.Dispensary { Id = Guid.NewGuid(), Name = "D", CreatedAt = at };
        var product = new Product { Id = Guid.NewGuid(), BrandId = brand.Id, Name = "P", UpdatedOn = at };
        var batch = new Batch { Id = Guid.NewGuid(), BrandId = brand.Id, Name = "Lot", UpdatedOn = at };
        var packaged = new PackagedProduct { Id = Guid.NewGuid(), BrandId = brand.Id, BatchId = batch.Id, ProductId = product.Id, UpdatedOn = at };
        var @case = new Case { Id = Guid.NewGuid(), BrandId = brand.Id, DispensaryId = dispensary.Id, CreatedAt = at };
        db.AddRange(brand, dispensary, product, batch, packaged, @case);
        await db.SaveChangesAsync(ct);
        return (brand.Id, dispensary.Id, packaged.Id, @case.Id);
    }

    /// <summary>A new database of <paramref name="provider"/> migrated up to, not including, <paramref name="version"/>
    /// (PostgreSQL: skipped when unavailable and not required). SQLite's file is unpooled, so nothing holds it afterwards.</summary>
    private static async Task<AppDb> MigratedBeforeAsync(DatabaseProvider provider, string version)
    {
        var connectionString = provider == DatabaseProvider.Sqlite
            ? $"Data Source={TempDirs.New("schema-")}/upgrade.db;Pooling=false"
            : await PostgresServer.NewDatabaseOrSkipAsync();
        var options = new DbContextOptionsBuilder<AppDb>();
        RetailTrace.Data.Database.Configure(options, provider, connectionString);
        var db = new AppDb(options.Options);
        await Migrator.MigrateAsync(db, TestContext.Current.CancellationToken, before: version);
        return db;
    }

    [Fact]
    public async Task Migrating_twice_is_a_no_op()
    {
        var dir = TempDirs.New("schema-");
        var options = new DbContextOptionsBuilder<AppDb>();
        RetailTrace.Data.Database.Configure(options, DatabaseProvider.Sqlite, $"Data Source={dir}/twice.db");
        await using var db = new AppDb(options.Options);
        await Migrator.MigrateAsync(db, TestContext.Current.CancellationToken);
        await Migrator.MigrateAsync(db, TestContext.Current.CancellationToken);
        var applied = await db.Database.SqlQueryRaw<string>("SELECT version AS \"Value\" FROM schema_migrations").ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(Migrator.Scripts(DatabaseProvider.Sqlite).Select(s => s.Version), applied.Order());
        SqliteConnection.ClearAllPools();
    }

    private static async Task<List<string>> SnapshotAsync(DatabaseProvider provider, string connectionString, bool migrate)
    {
        var options = new DbContextOptionsBuilder<AppDb>();
        RetailTrace.Data.Database.Configure(options, provider, connectionString);
        await using var db = new AppDb(options.Options);
        if (migrate) await Migrator.MigrateAsync(db);
        else await db.Database.EnsureCreatedAsync();
        var conn = db.Database.GetDbConnection();
        await conn.OpenAsync();
        var rows = provider == DatabaseProvider.Sqlite ? await SqliteSchema(conn) : await PostgresSchema(conn);
        await conn.CloseAsync();
        return rows.Where(r => !r.Contains("schema_migrations")).Order(StringComparer.Ordinal).ToList();
    }

    private static async Task<List<string>> SqliteSchema(DbConnection conn)
    {
        var tables = await Query(conn, "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'");
        var rows = new List<string>();
        foreach (var t in tables)
        {
            rows.AddRange((await Query(conn, $"SELECT '{t}.' || name || ' ' || type || ' notnull=' || \"notnull\" || ' pk=' || pk FROM pragma_table_info('{t}')")).Select(r => "column " + r));
            rows.AddRange((await Query(conn, $"SELECT '{t}.' || il.name || ' unique=' || il.\"unique\" || ' partial=' || il.partial || ' (' || (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) || ')' FROM pragma_index_list('{t}') il WHERE il.origin = 'c'")).Select(r => "index " + r));
            rows.AddRange((await Query(conn, $"SELECT '{t}.' || \"from\" || ' -> ' || \"table\" || '.' || \"to\" || ' on_delete=' || on_delete FROM pragma_foreign_key_list('{t}')")).Select(r => "fk " + r));
        }
        return rows;
    }

    private static async Task<List<string>> PostgresSchema(DbConnection conn)
    {
        var rows = new List<string>();
        rows.AddRange((await Query(conn, """
            SELECT table_name || '.' || column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '')
                   || coalesce(' numeric(' || numeric_precision || ',' || numeric_scale || ')', '')
                   || ' nullable=' || is_nullable || ' identity=' || is_identity || ' default=' || coalesce(column_default, '')
            FROM information_schema.columns WHERE table_schema = 'public'
            """)).Select(r => "column " + r));
        rows.AddRange((await Query(conn, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'")).Select(r => "index " + r));
        rows.AddRange((await Query(conn, """
            SELECT relname || ' ' || array_to_string(reloptions, ',') FROM pg_class
            WHERE relnamespace = 'public'::regnamespace AND reloptions IS NOT NULL
            """)).Select(r => "storage " + r));
        rows.AddRange((await Query(conn, """
            SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
            FROM pg_constraint WHERE connamespace = 'public'::regnamespace
            """)).Select(r => "constraint " + r));
        return rows;
    }

    private static async Task<List<string>> Query(DbConnection conn, string sql)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        await using var reader = await cmd.ExecuteReaderAsync();
        var list = new List<string>();
        while (await reader.ReadAsync()) list.Add(reader.IsDBNull(0) ? "" : reader.GetString(0));
        return list;
    }
}
