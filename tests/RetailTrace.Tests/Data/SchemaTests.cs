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

    /// <summary>0021 turns the keys of cases and inventory packages into RESTRICT; SQLite rebuilds both tables, which
    /// must keep every row (a unit still finds its package) and leave the keys enforced.</summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Upgrade_to_0021_keeps_cases_and_packages_and_refuses_deleting_what_they_reference(DatabaseProvider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await MigratedBeforeAsync(provider, "0021");
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var (brand, dispensary, packaged, @case) = await CasePartAsync(db, at, ct);
        var uid = new PosPackageUid { Id = Guid.NewGuid(), DispensaryId = dispensary, PackageUid = "PKG-1", PosInventoryId = "INV", CreatedAt = at, UpdatedAt = at };
        var catalog = new CatalogProduct { Id = Guid.NewGuid(), DispensaryId = dispensary, PosProductId = "POS", PackagedProductId = packaged, UpdatedAt = at };
        var package = new InventoryPackage
        {
            Id = Guid.NewGuid(), DispensaryId = dispensary, PosPackageUidId = uid.Id, CaseId = @case, PackagedProductId = packaged, CatalogProductId = catalog.Id, ImportedAt = at,
        };
        var unit = new LucidItem
        {
            Id = Guid.NewGuid(), CaseId = @case, PackagedProductId = packaged, BrandId = brand, State = ItemStates.InInventory, DispensaryId = dispensary, InventoryPackageId = package.Id,
        };
        db.AddRange(uid, catalog, package, unit);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();

        await Migrator.MigrateAsync(db, ct);

        var kept = await db.Cases.AsNoTracking().SingleAsync(c => c.Id == @case, ct);
        Assert.Equal((brand, (Guid?)dispensary, at), (kept.BrandId, kept.DispensaryId, kept.CreatedAt));
        var keptPackage = await db.InventoryPackages.AsNoTracking().SingleAsync(p => p.Id == package.Id, ct);
        Assert.Equal((dispensary, uid.Id, @case, packaged, catalog.Id, at),
            (keptPackage.DispensaryId, keptPackage.PosPackageUidId, keptPackage.CaseId, keptPackage.PackagedProductId, keptPackage.CatalogProductId, keptPackage.ImportedAt));
        Assert.Equal(package.Id, (await db.LucidItems.AsNoTracking().SingleAsync(i => i.Id == unit.Id, ct)).InventoryPackageId);
        // Before 0021 this delete took the package with it (nothing else references a POS Package UID).
        var refused = false;
        try { await db.PosPackageUids.Where(u => u.Id == uid.Id).ExecuteDeleteAsync(ct); }
        catch (Exception ex) when (RetailTrace.Data.Database.IsForeignKeyViolation(ex)) { refused = true; }
        Assert.True(refused, "deleting the POS Package UID of a package was not refused");
        Assert.Equal(1, await db.InventoryPackages.CountAsync(p => p.Id == package.Id, ct));
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
        // By hand: the model's later shop columns do not exist yet.
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        await db.Database.ExecuteSqlAsync($"INSERT INTO companies (id, name, created_at) VALUES ({OldCompany}, 'Co', {at})", ct);
        await db.Database.ExecuteSqlAsync($"INSERT INTO shops (id, company_id, name, created_at) VALUES ({OldShop}, {OldCompany}, 'Shop', {at})", ct);
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
            AppFixture.UseTestSettings(builder, provider, connectionString);
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
