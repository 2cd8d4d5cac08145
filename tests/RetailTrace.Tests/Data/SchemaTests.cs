using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
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
        await StoreShopAsync(db, ct);
        var full = new OldBatchRow("b0000000000000000000000a", """{"thc":21.50,"notes":[{"message":"a \"quoted\" <note>"}],"trackTraceSystem":"METRC"}""") with
        {
            Status = "READY_FOR_SALE", PurchasedDate = 1_690_000_000_000, Sku = "SKU-1", ProductName = "Gelato \"Z\" – ñ <b>&",
            TrackPackageLabel = "1A4\\0001", MetrcTagId = "TAG-1", LotId = "LOT\t1", Archived = true,
        };
        var bare = new OldBatchRow("b0000000000000000000000b", "{}") with { Unsellable = true };
        foreach (var batch in new[] { full, bare }) await InsertOldBatchAsync(db, batch, ct);

        await Migrator.MigrateAsync(db, ct);

        foreach (var before in new[] { full, bare })
        {
            var upgraded = await db.ProductBatches.AsNoTracking().SingleAsync(b => b.Id == before.Id, ct);
            var now = ProductBatchDocument.FromStored(before.Document) with
            {
                Id = before.Id, CompanyId = OldCompany, ShopId = OldShop, Created = before.Created, ProductId = OldProduct, Status = before.Status,
                PurchasedDate = before.PurchasedDate, Sku = before.Sku, ProductName = before.ProductName, TrackPackageLabel = before.TrackPackageLabel,
                MetrcTagId = before.MetrcTagId, LotId = before.LotId, Archived = before.Archived, Unsellable = before.Unsellable,
            };
            var expected = JsonSerializer.Serialize(ProductBatch.Shown(now, before.Modified, before.Quantity, false), StoreJson.Default.ProductBatchDocument);
            var actual = JsonSerializer.Serialize(upgraded.Shown(), StoreJson.Default.ProductBatchDocument);
            Assert.Equal(expected, actual);
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

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Upgrade_to_0016_keeps_every_batch_field_and_lists_count_their_own_rows(DatabaseProvider provider)
    {
        await using var db = await MigratedBeforeAsync(provider, "0016");
        await UpgradeKeepsBatchListsAsync(provider, db);
    }

    /// <summary>
    /// 0016 drops the trigger-kept list counts and versions and keeps every store batch's document as it
    /// is, now read through ProductBatchDocument. Batches written before it (their documents as the old
    /// writer stored them: every field fixed at creation, nulls left out) must read on the wire as before:
    /// each stored field as stored, every other one at its documented default, in documented order. The
    /// lists count their rows (a deleted batch hidden) without the count tables.
    /// </summary>
    private static async Task UpgradeKeepsBatchListsAsync(DatabaseProvider provider, AppDb db)
    {
        var ct = TestContext.Current.CancellationToken;
        await StoreShopAsync(db, ct);
        var full = new OldBatchRow("b0000000000000000000000a", """
            {"weightType":"UNIT","vendorId":"v-1","batchNo":7,"cost":12.50,"thc":21.50,"cbd":0,"retailIdCount":3,"sellBy":1700000000999,
             "unsellableReasons":[{"reason":"recall"}],"trackTraceVerified":true,"trackTraceSystem":"METRC","prevStatus":"IN_TESTING",
             "active":false,"batchQRAsset":{"key":"qr","size":1.0},"potencyAmount":{"thc":[1,2.50,"x"],"empty":{}},
             "vendorName":"Bob's \"<Farm>\" & Söhne\n\u2028","liveQuantity":4.125,"batchType":"SAMPLE","notes":[{"message":"cured"}],
             "unitWeightType":"GRAM","servingWeight":0.5,"complianceSampleChecked":true}
            """) with
        {
            Status = "READY_FOR_SALE", PurchasedDate = 1_690_000_000_000, Sku = "SKU-1", ProductName = "Gelato \"Z\" – ñ <b>&",
            TrackPackageLabel = "1A4\\0001", MetrcTagId = "TAG-1", LotId = "LOT\t1", Archived = true, Quantity = 1_250,
        };
        var bare = new OldBatchRow("b0000000000000000000000b", "{}") with { ProductName = "P", Unsellable = true, Modified = 1_700_000_556_000 };
        var deleted = new OldBatchRow("b0000000000000000000000c", "{}") with { ProductName = "P", Deleted = true };
        foreach (var batch in new[] { full, bare, deleted }) await InsertOldBatchAsync(db, batch with { Document = OldDocument(batch) }, ct);
        var brand = new Brand { Id = Guid.NewGuid(), Name = "B", CreatedAt = DateTime.UtcNow };
        var start = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var brandBatches = Enumerable.Range(0, 3).Select(i => new Batch { Id = Guid.NewGuid(), BrandId = brand.Id, Name = $"Lot {i}", UpdatedOn = start.AddSeconds(i) }).ToList();
        db.Add(brand);
        db.AddRange(brandBatches);
        await db.SaveChangesAsync(ct);

        await Migrator.MigrateAsync(db, ct);

        await using var server = new ServerOver(provider, db.Database.GetConnectionString()!);
        var admin = server.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AppFixture.AdminToken);
        var store = server.CreateClient();
        store.DefaultRequestHeaders.Add("partner_key", (string)(await Tenants.Created(admin, "/admin/v1/partners", new { name = "Partner" }))["partner_key"]!);
        store.DefaultRequestHeaders.TryAddWithoutValidation("Authorization",
            (string)(await Tenants.Created(admin, "/admin/v1/developer-keys", new { shop_id = OldShop }))["developer_key"]!);
        // A batch created now with no fields: every documented field at its default, in documented order.
        var (created, fresh, createdRaw) = await admin.SendAsync(HttpMethod.Post, "/admin/v1/store/batches", rawBody: $$"""{"shop_id":"{{OldShop}}","productId":"{{OldProduct}}"}""");
        Assert.True(created == 201, createdRaw);
        foreach (var before in new[] { full, bare })
        {
            var expected = fresh!.DeepClone().AsObject();
            foreach (var (field, value) in JsonNode.Parse(OldDocument(before))!.AsObject()) expected[field] = value?.DeepClone();
            (expected["modified"], expected["quantity"]) = (before.Modified, before.Quantity / 1000m);
            var (status, body, raw) = await store.GetJsonAsync($"/api/v1/partner/store/batches?batchId={before.Id}");
            Assert.True(status == 200, raw);
            Assert.Equal(expected.ToJsonString(), body!["values"]![0]!.ToJsonString());
        }
        var (_, list, _) = await store.GetJsonAsync("/api/v1/partner/store/batches?limit=2");
        Assert.Equal([(string)fresh!["id"]!, bare.Id], list!["values"]!.AsArray().Select(b => (string)b!["id"]!));
        Assert.Equal(3, (long)list["total"]!);
        Assert.Equal("""{"values":[],"skip":0,"limit":100,"total":0}""", (await store.GetJsonAsync($"/api/v1/partner/store/batches?batchId={deleted.Id}")).Raw);
        Assert.Equal(1, (long)(await store.GetJsonAsync("/api/v1/partner/store/batches?status=READY_FOR_SALE")).Body!["total"]!);

        var oauth = await Tenants.Created(admin, "/admin/v1/oauth-clients", new { name = "ERP", brand_uuids = new[] { ShortUuid.Encode(brand.Id) }, default_brand_uuid = ShortUuid.Encode(brand.Id) });
        using var token = await server.CreateClient().PostAsync("/o/token/", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = (string)oauth["client_id"]!, ["client_secret"] = (string)oauth["client_secret"]!,
        }), ct);
        var erp = server.CreateClient();
        erp.DefaultRequestHeaders.Authorization = new("Bearer", (string)JsonNode.Parse(await token.Content.ReadAsStringAsync(ct))!["access_token"]!);
        var (_, batches, _) = await erp.GetJsonAsync("/api/v1.5/batches/");
        Assert.Equal(3, (long)batches!["count"]!);
        Assert.Equal(brandBatches.AsEnumerable().Reverse().Select(b => ShortUuid.Encode(b.Id)), batches["results"]!.AsArray().Select(b => (string)b!["uuid"]!));
    }

    private const string OldCompany = "c0000000000000000000000a", OldShop = "s0000000000000000000000a", OldProduct = "p0000000000000000000000a";

    /// <summary>A company, a shop and a product (named P, no sku) for the product batches an upgrade test writes by hand.</summary>
    private static async Task StoreShopAsync(AppDb db, CancellationToken ct)
    {
        db.Add(new Company { Id = OldCompany, Name = "Co" });
        db.Add(new Shop { Id = OldShop, CompanyId = OldCompany, Name = "Shop" });
        db.Add(new StoreProduct { Id = OldProduct, CompanyId = OldCompany, ShopId = OldShop, Name = "P" });
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
    }

    /// <summary>A product batch row of the shop as an older schema holds it: its columns and its document text.</summary>
    private sealed record OldBatchRow(string Id, string Document)
    {
        public string Status { get; init; } = "RECEIVED";
        public long Created { get; init; } = 1_700_000_000_123;
        public long Modified { get; init; } = 1_700_000_555_000;
        public long? PurchasedDate { get; init; }
        public string? Sku { get; init; }
        public string? ProductName { get; init; }
        public string? TrackPackageLabel { get; init; }
        public string? MetrcTagId { get; init; }
        public string? LotId { get; init; }
        public bool Deleted { get; init; }
        public bool Archived { get; init; }
        public bool Unsellable { get; init; }
        public long Quantity { get; init; } = 12_500;
    }

    /// <summary>By hand: the columns of product_batches before 0016.</summary>
    private static Task InsertOldBatchAsync(AppDb db, OldBatchRow b, CancellationToken ct) => db.Database.ExecuteSqlAsync($"""
        INSERT INTO product_batches (id, company_id, shop_id, product_id, status, created, modified, purchased_date, sku, product_name,
            track_package_label, metrc_tag_id, lot_id, deleted, archived, unsellable, quantity, document)
        VALUES ({b.Id}, {OldCompany}, {OldShop}, {OldProduct}, {b.Status}, {b.Created}, {b.Modified}, {b.PurchasedDate}, {b.Sku}, {b.ProductName},
            {b.TrackPackageLabel}, {b.MetrcTagId}, {b.LotId}, {b.Deleted}, {b.Archived}, {b.Unsellable}, {b.Quantity}, {b.Document})
        """, ct);

    /// <summary>The document the store kept from 0012 to 0016: the row's column fields, then the other fields it was created with.</summary>
    private static string OldDocument(OldBatchRow b)
    {
        var document = new JsonObject { ["id"] = b.Id, ["companyId"] = OldCompany, ["shopId"] = OldShop, ["created"] = b.Created, ["productId"] = OldProduct };
        if (b.Sku is not null) document["sku"] = b.Sku;
        if (b.PurchasedDate is not null) document["purchasedDate"] = b.PurchasedDate;
        (document["archived"], document["unsellable"]) = (b.Archived, b.Unsellable);
        if (b.TrackPackageLabel is not null) document["trackPackageLabel"] = b.TrackPackageLabel;
        document["status"] = b.Status;
        if (b.LotId is not null) document["lotId"] = b.LotId;
        if (b.MetrcTagId is not null) document["metrcTagId"] = b.MetrcTagId;
        if (b.ProductName is not null) document["productName"] = b.ProductName;
        foreach (var (field, value) in JsonNode.Parse(b.Document)!.AsObject()) document[field] = value?.DeepClone();
        return document.ToJsonString();
    }

    /// <summary>The server over a database an upgrade test prepared.</summary>
    private sealed class ServerOver(DatabaseProvider provider, string connectionString) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Database:Provider", provider.ToString());
            builder.UseSetting("ConnectionStrings:RetailTrace", connectionString);
            builder.UseSetting("Admin:Token", AppFixture.AdminToken);
            builder.UseSetting("Store:TransferWorker:Enabled", "false");
        }
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
