using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Tests.BrandApi;
using RetailTrace.Tests.Infrastructure;
using static RetailTrace.Tests.Store.StoreArrange;

namespace RetailTrace.Tests.Store;

public abstract class ProductBatchesTests(AppFixture app)
{
    private const string Base = "/api/v1/partner/store/batches";

    /// <summary>The ProductBatch fields of seed 004, in its order.</summary>
    private static readonly string[] DocumentedFields =
    [
        "id", "companyId", "shopId", "created", "modified", "deleted", "updated", "weightType", "productId", "vendorId", "batchNo", "cost",
        "costPerUnit", "quantity", "sku", "totalTerpenes", "totalCannabinoids", "thc", "cbn", "cbd", "cbda", "thca", "cbg", "thcName",
        "cbnName", "cbdName", "cbdaName", "thcaName", "cbgName", "retailIdCount", "retailIdTraceMessage", "retailIdUpdatedAt", "maxThc",
        "maxCbn", "maxCbd", "maxCbda", "maxThca", "purchasedDate", "sellBy", "archived", "archivedDate", "published", "unsellable",
        "unsellableReasons", "publishedQuantity", "publishedDate", "lastAuditDate", "trackTraceVerified", "trackPackageId",
        "trackPackageLabel", "trackHarvestBatch", "trackHarvestDate", "trackTraceSystem", "purchaseOrderId", "perUnitExciseTax",
        "totalExciseTax", "customerCompanyId", "brandId", "receiveDate", "poNumber", "status", "prevStatus", "requestedStatus",
        "complianceError", "metrcCategory", "voidStatus", "active", "batchQRAsset", "productBatchLabel", "lotId", "metrcTagId",
        "totalCultivationTax", "potencyAmount", "isPrepaidTax", "referenceNote", "attachments", "productName", "vendorName", "brandName",
        "liveQuantity", "derivedLogId", "expirationDate", "licenseId", "labelInfo", "bundleItems", "externalId", "externalLicense",
        "roomId", "actualWeightPerUnit", "waste", "unProcessed", "productionBatch", "moistureLoss", "batchType", "connectedBatchId",
        "metrcQuantity", "trackHarvestName", "metrcLabTestingState", "complianceLabTestingState", "fromTestSample", "terpenoids",
        "produceDate", "packageDate", "finalTestingDate", "complianceInfo", "cannabinoidInfo", "potencyAmountInfo", "runId",
        "useBatchInfoQATest", "doh", "notes", "ndcNumber", "unitWeightValue", "unitWeightType", "usableNetWeight", "labResultData",
        "servingWeight", "externalTransferId", "sample", "complianceSampleChecked",
    ];

    [Fact]
    public async Task Missing_partner_key_is_401_in_blaze_shape()
    {
        var (status, _, raw) = await app.Client().GetJsonAsync(Base);
        Assert.Equal(401, status);
        Assert.Equal(Error("partner_key", "Partner key is missing.", "com.fourtwenty.core.exceptions.BlazeAuthException"), raw);
    }

    [Fact]
    public async Task Unknown_developer_key_is_401()
    {
        var store = await app.NewStoreAsync();
        var client = app.Client();
        client.DefaultRequestHeaders.Add("partner_key", store.PartnerKey);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "not-a-key");
        var (status, _, raw) = await client.GetJsonAsync(Base);
        Assert.Equal(401, status);
        Assert.Equal(Error("Authorization", "Invalid developer key.", "com.fourtwenty.core.exceptions.BlazeAuthException"), raw);
    }

    [Fact]
    public async Task A_batch_is_returned_with_every_documented_field_in_order()
    {
        var store = await app.NewStoreAsync();
        var product = await app.ProductAsync(store.ShopId, "Blue Dream", "BD-1");
        var created = await app.BatchAsync(store.ShopId, product, new JsonObject
        {
            ["purchasedDate"] = 1704067200000, ["lotId"] = "LOT-7", ["thc"] = 21.5, ["notes"] = new JsonArray(new JsonObject { ["message"] = "hi" }),
            ["status"] = "READY_FOR_SALE", ["quantity"] = 999, ["unknownField"] = "dropped",
        });
        var id = (string)created["id"]!;
        await app.SetQuantityAsync(store.ShopId, id, store.FrontRoomId, 10);
        await app.SetQuantityAsync(store.ShopId, id, store.VaultId, 2.5m);

        var (status, body, _) = await store.Client.GetJsonAsync($"{Base}?batchId={id}");
        Assert.Equal(200, status);
        Assert.Equal(["values", "skip", "limit", "total"], body!.AsObject().Select(p => p.Key));
        var batch = body["values"]![0]!.AsObject();
        Assert.Equal(DocumentedFields, batch.Select(p => p.Key));
        Assert.Equal(id, (string)batch["id"]!);
        Assert.Equal(store.CompanyId, (string)batch["companyId"]!);
        Assert.Equal(store.ShopId, (string)batch["shopId"]!);
        Assert.Equal("12.5", batch["quantity"].Json());
        Assert.Equal("BD-1", (string)batch["sku"]!);
        Assert.Equal("Blue Dream", (string)batch["productName"]!);
        Assert.Equal("READY_FOR_SALE", (string)batch["status"]!);
        Assert.Equal("RECEIVED", (string)batch["prevStatus"]!);
        Assert.Equal("21.5", batch["thc"].Json());
        Assert.Equal("""[{"message":"hi"}]""", batch["notes"].Json());
        Assert.Equal(1704067200000, (long)batch["purchasedDate"]!);
        foreach (var zero in new[] { "liveQuantity", "metrcQuantity", "unitWeightValue", "usableNetWeight", "servingWeight", "batchNo" })
            Assert.Equal("0", batch[zero].Json());
        foreach (var nul in new[] { "vendorId", "cost", "cbd", "batchQRAsset", "sellBy", "active" })
            Assert.Null(batch[nul]);
        Assert.Equal("MANUAL", (string)batch["trackTraceSystem"]!);
        Assert.False((bool)batch["archived"]!);
        Assert.False(batch.ContainsKey("unknownField"));
    }

    [Fact]
    public async Task Stored_fields_are_written_as_sent_at_either_end_of_the_object_and_a_stored_null_reads_as_the_default()
    {
        var store = await app.NewStoreAsync();
        var product = await app.ProductAsync(store.ShopId, "Blue Dream", "BD-1");
        const string vendor = "Bob's \"<Farm>\" & Söhne\n\u2028";
        var created = await app.BatchAsync(store.ShopId, product, new JsonObject
        {
            ["weightType"] = "UNIT", ["complianceSampleChecked"] = true, ["vendorName"] = vendor, ["cost"] = null, ["unitWeightType"] = null,
            ["potencyAmount"] = new JsonObject { ["thc"] = 2.50, ["thcBatch"] = true, ["cbd"] = null, ["empty"] = new JsonObject() }, ["totalExciseTax"] = 1e-3,
        });

        var (status, body, raw) = await store.Client.GetJsonAsync($"{Base}?batchId={created["id"]}");
        Assert.Equal(200, status);
        var batch = body!["values"]![0]!.AsObject();
        Assert.Equal(DocumentedFields, batch.Select(p => p.Key));
        Assert.Equal("UNIT", (string)batch["weightType"]!);
        Assert.True((bool)batch["complianceSampleChecked"]!);
        Assert.Equal(vendor, (string)batch["vendorName"]!);
        Assert.Null(batch["cost"]);
        Assert.Equal("NONE", (string)batch["unitWeightType"]!);
        Assert.Equal("""{"thc":2.5,"thcBatch":true,"cbd":null,"empty":{}}""", batch["potencyAmount"].Json());
        Assert.Equal("0.001", batch["totalExciseTax"].Json());
        Assert.Contains("""Bob\u0027s \u0022\u003CFarm\u003E\u0022 \u0026 S\u00F6hne\n\u2028""", raw);
        Assert.Equal(created.ToJsonString(), batch.ToJsonString());
    }

    [Fact]
    public async Task Unknown_batch_id_gives_an_empty_search_result_and_wins_over_filters()
    {
        var store = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(store, 1);
        var (status, _, raw) = await store.Client.GetJsonAsync($"{Base}?batchId=000000000000000000000000&productId={product}");
        Assert.Equal(200, status);
        Assert.Equal("""{"values":[],"skip":0,"limit":100,"total":0}""", raw);
        var (_, body, _) = await store.Client.GetJsonAsync($"{Base}?batchId={batch}&productId=other&status=IN_TESTING&term=zzz");
        Assert.Equal(1, (int)body!["total"]!);
    }

    [Fact]
    public async Task Filters_by_product_status_and_case_insensitive_term()
    {
        var store = await app.NewStoreAsync();
        var p1 = await app.ProductAsync(store.ShopId, "Gelato", "GEL-1");
        var p2 = await app.ProductAsync(store.ShopId, "Kush");
        var a = (string)(await app.BatchAsync(store.ShopId, p1, new JsonObject { ["metrcTagId"] = "1A4FF0100000022000000123" }))["id"]!;
        var b = (string)(await app.BatchAsync(store.ShopId, p2, new JsonObject { ["status"] = "IN_TESTING", ["lotId"] = "Lot-Alpha" }))["id"]!;
        var c = (string)(await app.BatchAsync(store.ShopId, p2, new JsonObject { ["trackPackageLabel"] = "PKG-XYZ" }))["id"]!;

        async Task<string[]> Ids(string query)
        {
            var (status, body, raw) = await store.Client.GetJsonAsync($"{Base}?{query}");
            Assert.True(status == 200, raw);
            return body!["values"]!.AsArray().Select(v => (string)v!["id"]!).Order().ToArray();
        }

        Assert.Equal(new[] { b, c }.Order(), await Ids($"productId={p2}"));
        Assert.Equal([b], await Ids("status=IN_TESTING"));
        Assert.Equal([a], await Ids("term=gel-1"));
        Assert.Equal([a], await Ids("term=1a4ff01"));
        Assert.Equal([b], await Ids("term=LOT-ALPHA"));
        Assert.Equal([c], await Ids("term=pkg-x"));
        Assert.Equal([a], await Ids("term=gelato"));
        Assert.Equal([c], await Ids($"term={c[^8..]}"));
        Assert.Equal([b], await Ids($"productId={p2}&term=alpha"));
        var (bad, _, raw) = await store.Client.GetJsonAsync($"{Base}?status=SOLD");
        Assert.Equal(400, bad);
        Assert.Equal(Error("status", "status must be one of: IN_TRANSFER, RECEIVED, IN_TESTING, READY_FOR_SALE, PROCESSING."), raw);
    }

    [Fact]
    public async Task Pages_cover_every_batch_once_newest_modified_first()
    {
        var store = await app.NewStoreAsync();
        var product = await app.ProductAsync(store.ShopId);
        for (var i = 0; i < 7; i++) await app.BatchAsync(store.ShopId, product);
        var seen = new List<(long Modified, string Id)>();
        for (var start = 0; start < 9; start += 3)
        {
            var (status, body, _) = await store.Client.GetJsonAsync($"{Base}?start={start}&limit=3");
            Assert.Equal(200, status);
            Assert.Equal(7, (long)body!["total"]!);
            Assert.Equal(start, (int)body["skip"]!);
            Assert.Equal(3, (int)body["limit"]!);
            seen.AddRange(body["values"]!.AsArray().Select(v => ((long)v!["modified"]!, (string)v["id"]!)));
        }
        Assert.Equal(7, seen.Select(s => s.Id).Distinct().Count());
        Assert.Equal(seen.OrderByDescending(s => s.Modified).ThenByDescending(s => s.Id, StringComparer.Ordinal), seen);
        var (_, skipAlias, _) = await store.Client.GetJsonAsync($"{Base}?skip=6&limit=500");
        Assert.Equal(6, (int)skipAlias!["skip"]!);
        Assert.Equal(100, (int)skipAlias["limit"]!);
        Assert.Single(skipAlias["values"]!.AsArray());
        // A limit of zero or less asks for the default page, on every paged list.
        foreach (var list in new[] { $"{Base}?", $"{Base}/dates?", $"{Base}/quantities?inventoryId={store.FrontRoomId}&" })
            foreach (var limit in new[] { "0", "-5" })
            {
                var (status, body, raw) = await store.Client.GetJsonAsync($"{list}limit={limit}");
                Assert.True(status == 200, raw);
                Assert.Equal(100, (int)body!["limit"]!);
            }
        var (_, whole, _) = await store.Client.GetJsonAsync($"{Base}?limit=0");
        Assert.Equal(7, whole!["values"]!.AsArray().Count);
    }

    [Fact]
    public async Task Bad_paging_values_are_400()
    {
        var store = await app.NewStoreAsync();
        var (s1, _, r1) = await store.Client.GetJsonAsync($"{Base}?start=-1");
        Assert.Equal(400, s1);
        Assert.Equal(Error("start", "start must be a non-negative integer."), r1);
        var (s2, _, r2) = await store.Client.GetJsonAsync($"{Base}/dates?limit=ten");
        Assert.Equal(400, s2);
        Assert.Equal(Error("limit", "limit must be an integer."), r2);
        // The refusal names the parameter sent; an integer too large to be an offset says so.
        var (s3, _, r3) = await store.Client.GetJsonAsync($"{Base}?skip=abc");
        Assert.Equal((400, Error("skip", "skip must be a non-negative integer.")), (s3, r3));
        var (s4, _, r4) = await store.Client.GetJsonAsync($"{Base}?start=99999999999");
        Assert.Equal((400, Error("start", "start must be at most 2147483647.")), (s4, r4));
        // A limit above the cap, however large, is the cap, as limit=1000 is.
        var (s5, capped, r5) = await store.Client.GetJsonAsync($"{Base}?limit=99999999999999999999999");
        Assert.True(s5 == 200, r5);
        Assert.Equal(100, (int)capped!["limit"]!);
    }

    [Fact]
    public async Task Dates_filter_modified_and_purchase_date_inclusively()
    {
        var store = await app.NewStoreAsync();
        var product = await app.ProductAsync(store.ShopId);
        var early = await app.BatchAsync(store.ShopId, product, new JsonObject { ["purchasedDate"] = 1000 });
        var late = await app.BatchAsync(store.ShopId, product, new JsonObject { ["purchasedDate"] = 2000 });
        var modified = (long)early["modified"]!;

        var (_, byModified, _) = await store.Client.GetJsonAsync($"{Base}/dates?startDate={modified}&endDate={(long)late["modified"]!}");
        Assert.Equal(2, (long)byModified!["total"]!);
        var (_, none, _) = await store.Client.GetJsonAsync($"{Base}/dates?startDate=0&endDate={modified - 1}");
        Assert.Equal(0, (long)none!["total"]!);
        var (_, defaults, _) = await store.Client.GetJsonAsync($"{Base}/dates");
        Assert.Equal(2, (long)defaults!["total"]!);

        var (_, purchased, _) = await store.Client.GetJsonAsync($"{Base}/dates/purchaseDate?startDate=1000&endDate=1999");
        Assert.Equal([(string)early["id"]!], purchased!["values"]!.AsArray().Select(v => (string)v!["id"]!));
        var (_, both, _) = await store.Client.GetJsonAsync($"{Base}/dates/purchaseDate?startDate=1000&endDate=2000");
        Assert.Equal(2, (long)both!["total"]!);

        var (status, _, raw) = await store.Client.GetJsonAsync($"{Base}/dates/purchaseDate?startDate=3000&endDate=2000");
        Assert.Equal(400, status);
        Assert.Equal(Error("startDate", "startDate must not be after endDate."), raw);
        var (status2, _, raw2) = await store.Client.GetJsonAsync($"{Base}/dates?startDate=yesterday");
        Assert.Equal(400, status2);
        Assert.Equal(Error("startDate", "startDate must be epoch milliseconds."), raw2);
    }

    [Fact]
    public async Task Batch_quantity_info_is_a_bare_array_with_sellable_quantity()
    {
        var store = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(store, 10, purchasedDate: 5000);
        var quantity = await app.SetQuantityAsync(store.ShopId, batch, store.VaultId, 4);

        var (status, body, _) = await store.Client.GetJsonAsync($"{Base}/{product}/batchQuantityInfo");
        Assert.Equal(200, status);
        var rows = body!.AsArray();
        Assert.Equal(2, rows.Count);
        var vault = rows.Single(r => (string)r!["inventoryId"]! == store.VaultId)!.AsObject();
        Assert.Equal(["id", "companyId", "shopId", "created", "modified", "deleted", "updated", "productId", "inventoryId", "batchId",
            "quantity", "committedQty", "batchPurchaseDate", "batchArchived", "unsellable", "sellableQty"], vault.Select(p => p.Key));
        Assert.Equal(quantity.Json(), vault.Json());
        Assert.Equal("4", vault["quantity"].Json());
        Assert.Equal("0", vault["committedQty"].Json());
        Assert.Equal("4", vault["sellableQty"].Json());
        Assert.Equal(5000, (long)vault["batchPurchaseDate"]!);

        var (_, _, empty) = await store.Client.GetJsonAsync($"{Base}/000000000000000000000000/batchQuantityInfo");
        Assert.Equal("[]", empty);
    }

    [Fact]
    public async Task Quantities_of_a_room_are_a_search_result_and_foreign_rooms_are_400()
    {
        var store = await app.NewStoreAsync();
        var other = await app.NewStoreAsync();
        await app.StockAsync(store, 3);
        await app.StockAsync(store, 5);
        var (status, body, _) = await store.Client.GetJsonAsync($"{Base}/quantities?inventoryId={store.FrontRoomId}&limit=1");
        Assert.Equal(200, status);
        Assert.Equal(2, (long)body!["total"]!);
        Assert.Single(body["values"]!.AsArray());
        var (_, vault, _) = await store.Client.GetJsonAsync($"{Base}/quantities?inventoryId={store.VaultId}");
        Assert.Equal("""{"values":[],"skip":0,"limit":100,"total":0}""", vault.Json());

        var (s1, _, r1) = await store.Client.GetJsonAsync($"{Base}/quantities?inventoryId={other.FrontRoomId}");
        Assert.Equal(400, s1);
        Assert.Equal(Error("inventoryId", "Inventory does not belong to this shop."), r1);
        var (s2, _, r2) = await store.Client.GetJsonAsync($"{Base}/quantities");
        Assert.Equal(400, s2);
        Assert.Equal(Error("inventoryId", "inventoryId is required."), r2);
    }

    [Fact]
    public async Task Another_shop_sees_none_of_the_batches()
    {
        var store = await app.NewStoreAsync();
        var other = await app.NewStoreAsync(store.CompanyId);
        var (product, batch) = await app.StockAsync(store, 3);
        Assert.Equal("""{"values":[],"skip":0,"limit":100,"total":0}""", (await other.Client.GetJsonAsync($"{Base}?batchId={batch}")).Raw);
        Assert.Equal(0, (long)(await other.Client.GetJsonAsync(Base)).Body!["total"]!);
        Assert.Equal(0, (long)(await other.Client.GetJsonAsync($"{Base}/dates")).Body!["total"]!);
        Assert.Equal("[]", (await other.Client.GetJsonAsync($"{Base}/{product}/batchQuantityInfo")).Raw);
    }

    [Fact]
    public async Task Admin_rejects_bad_batch_fields_and_quantities_below_reservations()
    {
        var store = await app.NewStoreAsync();
        var product = await app.ProductAsync(store.ShopId);
        var admin = app.AdminClient();
        var (s1, b1, _) = await admin.SendAsync(HttpMethod.Post, "/admin/v1/store/batches",
            rawBody: $$$"""{"shop_id":"{{{store.ShopId}}}","productId":"{{{product}}}","thc":"high","status":"SOLD","notes":{}}""");
        Assert.Equal(400, s1);
        Assert.Equal("""{"thc":["Must be a number."],"status":["Must be one of: IN_TRANSFER, RECEIVED, IN_TESTING, READY_FOR_SALE, PROCESSING."],"notes":["Must be an array."]}""", b1!["errors"].Json());
        var (nested, nestedBody, _) = await admin.SendAsync(HttpMethod.Post, "/admin/v1/store/batches",
            rawBody: $$$"""{"shop_id":"{{{store.ShopId}}}","productId":"{{{product}}}","potencyAmount":{"thc":"ZERO","cbd":null},"notes":[{"message":7}],"attachments":[{"type":"Video"}]}""");
        Assert.Equal(400, nested);
        var nestedErrors = nestedBody!["errors"]!.AsObject();
        Assert.Equal(["potencyAmount", "attachments", "notes"], nestedErrors.Select(e => e.Key));
        Assert.Equal("potencyAmount.thc: Value is \"string\" but should be \"number, null\"", (string)nestedErrors["potencyAmount"]![0]!);
        Assert.Equal("attachments.0.type: Value should match one of the values specified by the enum", (string)nestedErrors["attachments"]![0]!);
        Assert.Equal("notes.0.message: Value is \"integer\" but should be \"string, null\"", (string)nestedErrors["notes"]![0]!);
        var (s2, b2, _) = await admin.SendAsync(HttpMethod.Post, "/admin/v1/store/batches", rawBody: """{"shop_id":"000000000000000000000000","productId":"x"}""");
        Assert.Equal(400, s2);
        Assert.Equal("""{"shop_id":["Unknown shop."]}""", b2!["errors"].Json());
        var (s3, b3, _) = await admin.SendAsync(HttpMethod.Put, "/admin/v1/store/batch-quantities", new { shop_id = store.ShopId, batch_id = "nope", inventory_id = store.FrontRoomId, quantity = 1.0001m });
        Assert.Equal(400, s3);
        Assert.Equal("""{"quantity":["Must be at least 0 and below 10^12, with at most 3 decimals."]}""", b3!["errors"].Json());
        var (s4, b4, _) = await admin.SendAsync(HttpMethod.Put, "/admin/v1/store/batch-quantities", new { shop_id = store.ShopId, batch_id = "nope", inventory_id = store.FrontRoomId, quantity = 1_000_000_000_000m });
        Assert.Equal(400, s4);
        Assert.Equal("""{"quantity":["Must be at least 0 and below 10^12, with at most 3 decimals."]}""", b4!["errors"].Json());
        var (s5, b5, _) = await admin.SendAsync(HttpMethod.Put, "/admin/v1/store/batch-quantities", new { shop_id = store.ShopId, batch_id = "nope", inventory_id = store.FrontRoomId, quantity = -1 });
        Assert.Equal(400, s5);
        Assert.Equal("""{"quantity":["Must be at least 0 and below 10^12, with at most 3 decimals."]}""", b5!["errors"].Json());
        // Strings the API filters on are bounded by their column: 255 characters fit, 256 do not.
        foreach (var field in new[] { "sku", "productName", "trackPackageLabel", "lotId", "metrcTagId" })
        {
            var (fits, _, fitsRaw) = await admin.SendAsync(HttpMethod.Post, "/admin/v1/store/batches", rawBody: new JsonObject { ["shop_id"] = store.ShopId, ["productId"] = product, [field] = new string('a', 255) }.ToJsonString());
            Assert.True(fits == 201, fitsRaw);
            var (tooLong, tooLongBody, _) = await admin.SendAsync(HttpMethod.Post, "/admin/v1/store/batches", rawBody: new JsonObject { ["shop_id"] = store.ShopId, ["productId"] = product, [field] = new string('a', 256) }.ToJsonString());
            Assert.Equal(400, tooLong);
            Assert.Equal($$"""{"{{field}}":["At most 255 characters."]}""", tooLongBody!["errors"].Json());
        }
    }

    [Fact]
    public async Task Batch_quantity_info_lists_the_latest_change_first_and_hides_a_deleted_batch()
    {
        var store = await app.NewStoreAsync();
        var product = await app.ProductAsync(store.ShopId);
        var older = (string)(await app.BatchAsync(store.ShopId, product))["id"]!;
        var newer = (string)(await app.BatchAsync(store.ShopId, product))["id"]!;
        var time = new ManualTime(BrandCatalog.Instant);
        await using var host = app.OnClock(time);
        var admin = host.AdminClientOf();
        async Task SetAsync(string batch, string room, decimal quantity)
        {
            var (status, _, raw) = await admin.SendAsync(HttpMethod.Put, "/admin/v1/store/batch-quantities",
                new { shop_id = store.ShopId, batch_id = batch, inventory_id = room, quantity });
            Assert.True(status == 200, raw);
            time.Advance(TimeSpan.FromSeconds(1));
        }
        // The newer batch's row changes first and the older batch's last: the order follows the change, not the batch.
        await SetAsync(newer, store.FrontRoomId, 1);
        await SetAsync(older, store.VaultId, 2);
        await SetAsync(older, store.FrontRoomId, 3);
        var at = BrandCatalog.Instant.ToUnixTimeMilliseconds();
        async Task<List<(string, string, long)>> RowsAsync()
        {
            var (status, body, raw) = await store.Client.GetJsonAsync($"{Base}/{product}/batchQuantityInfo");
            Assert.True(status == 200, raw);
            return body!.AsArray().Select(r => ((string)r!["batchId"]!, (string)r["inventoryId"]!, (long)r["modified"]!)).ToList();
        }
        Assert.Equal([(older, store.FrontRoomId, at + 2000), (older, store.VaultId, at + 1000), (newer, store.FrontRoomId, at)], await RowsAsync());

        // A deleted batch's quantities are hidden with it, in both views.
        await app.WithDbAsync(db => db.ProductBatches.Where(b => b.Id == older).ExecuteUpdateAsync(s => s.SetProperty(b => b.Deleted, true), TestContext.Current.CancellationToken));
        Assert.Equal([(newer, store.FrontRoomId, at)], await RowsAsync());
        var (_, room, _) = await store.Client.GetJsonAsync($"{Base}/quantities?inventoryId={store.FrontRoomId}");
        Assert.Equal((1L, newer), ((long)room!["total"]!, (string)room["values"]![0]!["batchId"]!));
    }
}

public sealed class ProductBatchesTestsOnSqlite(SqliteApp app) : ProductBatchesTests(app), IClassFixture<SqliteApp>;

public sealed class ProductBatchesTestsOnPostgres(PostgresApp app) : ProductBatchesTests(app), IClassFixture<PostgresApp>;
