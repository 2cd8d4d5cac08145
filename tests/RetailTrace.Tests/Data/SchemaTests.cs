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
    public async Task Upgrade_to_0015_keeps_every_unit_sale_and_event_in_its_order(DatabaseProvider provider)
    {
        await using var db = await MigratedBeforeAsync(provider, "0015");
        await UpgradeToEventStreamAsync(db, provider);
    }

    /// <summary>
    /// Before 0015 a unit's history was spread over per-unit events, per-part import events (an id list),
    /// sales placed among them by a history position, and per-unit void and return events beside their
    /// transactions' rows; a unit of an imported part could be stored minted (PostgreSQL). The rows here
    /// are written as that schema's server wrote them. After the upgrade every unit's trace must read as
    /// before, in the same order though all times are equal, each stored state must say where the unit is,
    /// every transaction must still answer its replay, and new events must come after the old ones.
    /// </summary>
    private static async Task UpgradeToEventStreamAsync(AppDb db, DatabaseProvider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var (brand, dispensary, packaged, @case) = await CasePartAsync(db, at, ct);
        var postgres = provider == DatabaseProvider.Postgres;
        var (a, b, c) = (Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7());
        object Ids(params Guid[] ids) => postgres ? ids : JsonSerializer.Serialize(ids.Select(id => id.ToString().ToUpperInvariant()));

        var posUid = Guid.NewGuid();
        var catalogProduct = Guid.NewGuid();
        var package = Guid.NewGuid();
        await db.Database.ExecuteSqlAsync($"INSERT INTO pos_package_uids (id, dispensary_id, package_uid, pos_inventory_id, created_at, updated_at) VALUES ({posUid}, {dispensary}, {"PKG-1"}, {"INV"}, {at}, {at})", ct);
        await db.Database.ExecuteSqlAsync($"INSERT INTO catalog_products (id, dispensary_id, pos_product_id, packaged_product_id, updated_at) VALUES ({catalogProduct}, {dispensary}, {"POS"}, {packaged}, {at})", ct);
        await db.Database.ExecuteSqlAsync($"INSERT INTO inventory_packages (id, dispensary_id, pos_package_uid_id, case_id, packaged_product_id, catalog_product_id, imported_at) VALUES ({package}, {dispensary}, {posUid}, {@case}, {packaged}, {catalogProduct}, {at})", ct);
        Task Unit(Guid id, string state, long? sale) => db.Database.ExecuteSqlAsync($"""
            INSERT INTO lucid_items (id, case_id, packaged_product_id, brand_id, state, dispensary_id, inventory_package_id, sale_transaction_id, updated_at)
            VALUES ({id}, {@case}, {packaged}, {brand}, {state}, {(state == "minted" ? null : dispensary)}, {(state == "minted" ? null : package)}, {sale}, {at})
            """, ct);
        Task Event(Guid unit, string type, string? order = null, string? packageUid = null) => db.Database.ExecuteSqlAsync(
            $"INSERT INTO item_events (item_id, event, at, dispensary_id, order_id, package_uid) VALUES ({unit}, {type}, {at}, {(type == "minted" ? null : dispensary)}, {order}, {packageUid})", ct);
        async Task<long> Transaction(string type, string order, params Guid[] units)
        {
            var position = type != "complete" ? "NULL" : postgres ? "nextval('item_events_id_seq')" : "(SELECT seq FROM sqlite_sequence WHERE name = 'item_events')";
            #pragma warning disable EF1002 // the position is fixed SQL of the schema under test, not input
            return (await db.Database.SqlQueryRaw<long>($$"""
                INSERT INTO retail_transactions (dispensary_id, type, order_id, performed_at, customer_id, budtender_id, recorded_at, item_ids, history_position)
                VALUES ({0}, {1}, {2}, {3}, {4}, NULL, {3}, {5}, {{position}}) RETURNING id AS "Value"
                """, dispensary, type, order, at, "cust-" + order, type == "complete" ? Ids(units) : DBNull.Value).ToListAsync(ct)).Single();
#pragma warning restore EF1002
        }

        foreach (var unit in new[] { a, b, c }) await Event(unit, "minted");
        await Event(a, "imported", packageUid: "PKG-0"); // a per-unit import, as written before part events
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO item_events (event, at, dispensary_id, package_uid, case_id, packaged_product_id, item_ids)
            VALUES ('imported', {at}, {dispensary}, 'PKG-1', {@case}, {packaged}, {Ids(a, b, c)})
            """, ct);
        var firstSale = await Transaction("complete", "o-1", a, b);
        await Transaction("return", "o-1");
        await Event(b, "returned", "o-1");
        var secondSale = await Transaction("complete", "o-2", b);
        await Transaction("complete", "o-3", c);
        await Transaction("return", "o-3");
        await Event(c, "returned", "o-3");
        await Transaction("void", "o-3"); // nothing left to put back
        await Unit(a, "sold", firstSale);
        await Unit(b, "sold", secondSale);
        await Unit(c, "minted", null); // follows its imported part

        await Migrator.MigrateAsync(db, ct);

        async Task<string> Trace(Guid unit) =>
            JsonSerializer.Serialize((await LucidIdTrace.LoadAsync(db, unit, ct))!.Response(null), Drf.Json);
        string Expected(Guid unit, string state, string events) =>
            $$"""{"lucid_id":"{{ShortUuid.Encode(unit)}}","case_uuid":"{{ShortUuid.Encode(@case)}}","packaged_product_uuid":"{{ShortUuid.Encode(packaged)}}","batch_uuid":"*","brand_uuid":"{{ShortUuid.Encode(brand)}}","state":"{{state}}","package_uid":"PKG-1","history":[{{events}}]}""";
        var time = Drf.FormatDateTime(at);
        string E(string type, string? order = null, string? packageUid = null) =>
            $$"""{"event":"{{type}}","at":"{{time}}"{{(order is null ? "" : ",\"order_id\":\"" + order + "\"")}}{{(packageUid is null ? "" : ",\"package_uid\":\"" + packageUid + "\"")}}}""";
        string WithoutBatch(string json) => System.Text.RegularExpressions.Regex.Replace(json, "\"batch_uuid\":\"[^\"]*\"", "\"batch_uuid\":\"*\"");
        Assert.Equal(Expected(a, "sold", string.Join(",", E("minted"), E("imported", packageUid: "PKG-0"), E("imported", packageUid: "PKG-1"), E("sold", "o-1"))), WithoutBatch(await Trace(a)));
        Assert.Equal(Expected(b, "sold", string.Join(",", E("minted"), E("imported", packageUid: "PKG-1"), E("sold", "o-1"), E("returned", "o-1"), E("sold", "o-2"))), WithoutBatch(await Trace(b)));
        Assert.Equal(Expected(c, "in_inventory", string.Join(",", E("minted"), E("imported", packageUid: "PKG-1"), E("sold", "o-3"), E("returned", "o-3"))), WithoutBatch(await Trace(c)));

        var stored = await db.LucidItems.AsNoTracking().ToDictionaryAsync(i => i.Id, ct);
        var units = new[] { a, b, c }.Select(id => stored[id]);
        var sales = await db.ItemEvents.AsNoTracking().Where(e => e.Type == ItemEventTypes.Sold).ToDictionaryAsync(e => e.OrderId!, e => e.Id, ct);
        Assert.Equal([(a, ItemStates.Sold, (Guid?)dispensary, (Guid?)package, (long?)sales["o-1"]), (b, ItemStates.Sold, dispensary, package, sales["o-2"]),
                      (c, ItemStates.InInventory, dispensary, package, null)],
            units.Select(u => (u.Id, u.State, u.DispensaryId, u.InventoryPackageId, u.SaleEventId)));
        var transactions = await db.ItemEvents.AsNoTracking().Where(e => e.OrderId != null).OrderBy(e => e.Id)
            .Select(e => $"{e.Type} {e.OrderId} {e.CustomerId} {e.Units.Count}").ToListAsync(ct);
        Assert.Equal(["sold o-1 cust-o-1 2", "returned o-1 cust-o-1 1", "sold o-2 cust-o-2 1", "sold o-3 cust-o-3 1", "returned o-3 cust-o-3 1", "voided o-3 cust-o-3 0"], transactions);

        var next = ItemEvent.For(ItemEventTypes.Removed, at, [c]);
        db.ItemEvents.Add(next);
        await db.SaveChangesAsync(ct);
        Assert.True(next.Id > await db.ItemEvents.Where(e => e.Id != next.Id).MaxAsync(e => e.Id, ct), "a new event must come after every upgraded one");
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
                   || coalesce(' collate=' || collation_name, '')
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
