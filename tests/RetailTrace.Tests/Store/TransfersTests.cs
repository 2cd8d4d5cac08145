using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Store;
using RetailTrace.Tests.BrandApi;
using RetailTrace.Tests.Infrastructure;
using static RetailTrace.Tests.Store.StoreArrange;

namespace RetailTrace.Tests.Store;

public abstract class TransfersTests(AppFixture app)
{
    private const string Base = "/api/v1/partner/store/batches";
    private const string Transfers = Base + "/transferInventory";

    private static object Body(StoreTenant s, string to, params object[] logs) =>
        new { fromInventoryId = s.FrontRoomId, toInventoryId = to, currentEmployeeId = s.EmployeeId, transferLogs = logs };

    private static async Task<JsonNode> QuantityAsync(StoreTenant s, string productId, string inventoryId)
    {
        var (_, body, _) = await s.Client.GetJsonAsync($"{Base}/{productId}/batchQuantityInfo");
        return body!.AsArray().Single(r => (string)r!["inventoryId"]! == inventoryId)!;
    }

    private static async Task<JsonNode> CreateAsync(StoreTenant s, object body)
    {
        var (status, json, raw) = await s.Client.PostJsonAsync(Transfers, body);
        Assert.True(status == 200, raw);
        return json!;
    }

    [Fact]
    public async Task Create_reserves_stock_and_the_server_owns_status_and_number()
    {
        var s = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(s, 10);
        var (status, t, _) = await s.Client.PostJsonAsync(Transfers, new
        {
            fromInventoryId = s.FrontRoomId, toInventoryId = s.VaultId, currentEmployeeId = s.EmployeeId, status = "ACCEPTED",
            processing = true, completeTransfer = true, transferNo = "999", orderNo = "PO-1",
            transferLogs = new[] { new { productId = product, fromBatchId = batch, transferAmount = 2.5m } },
        });
        Assert.Equal(200, status);
        Assert.Equal(["id", "companyId", "shopId", "created", "modified", "deleted", "updated", "status", "createByEmployeeId",
            "acceptByEmployeeId", "declineByEmployeeId", "fromShopId", "toShopId", "fromInventoryId", "toInventoryId", "prevFromInventoryId",
            "declinedDate", "acceptedDate", "transferNo", "completeTransfer", "transferByBatch", "processedTime", "processing", "driverId",
            "transactionId", "orderNo", "activeTopUserId", "transferLogs"], t!.AsObject().Select(p => p.Key));
        Assert.Equal("PENDING", (string)t["status"]!);
        Assert.Equal("1", (string)t["transferNo"]!);
        Assert.False((bool)t["processing"]!);
        Assert.False((bool)t["completeTransfer"]!);
        Assert.Equal(s.EmployeeId, (string)t["createByEmployeeId"]!);
        Assert.Equal(s.ShopId, (string)t["fromShopId"]!);
        Assert.Equal(s.ShopId, (string)t["toShopId"]!);
        Assert.Equal("PO-1", (string)t["orderNo"]!);
        var log = t["transferLogs"]![0]!.AsObject();
        Assert.Equal(["id", "productId", "toProductId", "fromBatchId", "toBatchId", "transferAmount", "origFromQty", "finalFromQty",
            "origToQty", "finalInventory", "failed"], log.Select(p => p.Key));
        Assert.Equal($$"""{"id":"{{log["id"]}}","productId":"{{product}}","toProductId":"{{product}}","fromBatchId":"{{batch}}","toBatchId":"{{batch}}","transferAmount":2.5,"origFromQty":null,"finalFromQty":null,"origToQty":null,"finalInventory":null,"failed":false}""", log.Json());

        var front = await QuantityAsync(s, product, s.FrontRoomId);
        Assert.Equal("2.5", front["committedQty"].Json());
        Assert.Equal("7.5", front["sellableQty"].Json());
        var second = await CreateAsync(s, Body(s, s.VaultId, new { productId = product, transferAmount = 1 }));
        Assert.Equal("2", (string)second["transferNo"]!);
        Assert.Equal(t.Json(), (await s.Client.GetJsonAsync($"{Transfers}/{t["id"]}")).Body.Json());
    }

    [Fact]
    public async Task Create_validates_with_blaze_error_bodies()
    {
        var s = await app.NewStoreAsync();
        var other = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(s, 5);
        var log = new { productId = product, fromBatchId = batch, transferAmount = 1 };
        async Task Expect(object body, string field, string message)
        {
            var (status, _, raw) = await s.Client.PostJsonAsync(Transfers, body);
            Assert.Equal(400, status);
            Assert.Equal(Error(field, message), raw);
        }

        await Expect(new { toInventoryId = s.VaultId, currentEmployeeId = s.EmployeeId, transferLogs = new[] { log } }, "fromInventoryId", "fromInventoryId is required.");
        await Expect(new { fromInventoryId = s.FrontRoomId, currentEmployeeId = s.EmployeeId, transferLogs = new[] { log } }, "toInventoryId", "toInventoryId is required.");
        await Expect(new { fromInventoryId = s.FrontRoomId, toInventoryId = s.VaultId, transferLogs = new[] { log } }, "currentEmployeeId", "currentEmployeeId is required.");
        await Expect(Body(s, s.FrontRoomId, log), "toInventoryId", "fromInventoryId and toInventoryId must be different.");
        await Expect(new { fromInventoryId = other.FrontRoomId, toInventoryId = s.VaultId, currentEmployeeId = s.EmployeeId, transferLogs = new[] { log } }, "fromInventoryId", "Inventory not found in this shop.");
        await Expect(Body(s, other.VaultId, log), "toInventoryId", "Inventory not found in this company.");
        await Expect(new { fromInventoryId = s.FrontRoomId, toInventoryId = s.VaultId, currentEmployeeId = other.EmployeeId, transferLogs = new[] { log } }, "currentEmployeeId", "Employee not found.");
        await Expect(Body(s, s.VaultId), "transferLogs", "transferLogs must not be empty.");
        await Expect(new { fromShopId = other.ShopId, fromInventoryId = s.FrontRoomId, toInventoryId = s.VaultId, currentEmployeeId = s.EmployeeId, transferLogs = new[] { log } },
            "fromShopId", "fromShopId must be the shop of the developer key.");
        await Expect(Body(s, s.VaultId, new { productId = product, transferAmount = 0 }), "transferAmount", "Transfer amount must be greater than 0.");
        await Expect(Body(s, s.VaultId, new { productId = product, transferAmount = -3 }), "transferAmount", "Transfer amount must be greater than 0.");
        await Expect(Body(s, s.VaultId, new { productId = product, transferAmount = 0.0001m }), "transferAmount", "Transfer amount must have at most 3 decimals and be below 10^12.");
        await Expect(Body(s, s.VaultId, new { productId = product, transferAmount = 1_000_000_000_000m }), "transferAmount", "Transfer amount must have at most 3 decimals and be below 10^12.");
        await Expect(Body(s, s.VaultId, new { productId = product, transferAmount = "1" }), "transferAmount", "transferAmount must be a number.");
        await Expect(Body(s, s.VaultId, new { productId = "000000000000000000000000", transferAmount = 1 }), "productId", "Product 000000000000000000000000 not found.");
        await Expect(Body(s, s.VaultId, new { productId = product, fromBatchId = "000000000000000000000000", transferAmount = 1 }), "fromBatchId", $"Batch 000000000000000000000000 of product {product} not found in this shop.");
        await Expect(Body(s, s.VaultId, new { productId = product, fromBatchId = batch, transferAmount = 5.001m }), "transferAmount", $"Not enough sellable quantity of batch {batch} in the source inventory.");
        await Expect(Body(s, s.VaultId, new { productId = product, transferAmount = 6 }), "transferAmount", $"Not enough sellable quantity of product {product} in the source inventory.");
        var (malformed, _, raw) = await s.Client.PostRawAsync(Transfers, "{nope");
        Assert.Equal(400, malformed);
        Assert.Equal(Error("request", "The request body is not valid JSON."), raw);
        Assert.Equal("0", (await QuantityAsync(s, product, s.FrontRoomId))["committedQty"].Json());
    }

    [Fact]
    public async Task A_log_without_batch_takes_the_oldest_purchase_first()
    {
        var s = await app.NewStoreAsync();
        var product = await app.ProductAsync(s.ShopId);
        // A batch without a purchase date comes after every dated one, even when it was made first.
        var undated = (string)(await app.BatchAsync(s.ShopId, product, new JsonObject()))["id"]!;
        await app.SetQuantityAsync(s.ShopId, undated, s.FrontRoomId, 10);
        var newer = (string)(await app.BatchAsync(s.ShopId, product, new JsonObject { ["purchasedDate"] = 2000 }))["id"]!;
        var older = (string)(await app.BatchAsync(s.ShopId, product, new JsonObject { ["purchasedDate"] = 1000 }))["id"]!;
        await app.SetQuantityAsync(s.ShopId, newer, s.FrontRoomId, 10);
        await app.SetQuantityAsync(s.ShopId, older, s.FrontRoomId, 3);
        var t = await CreateAsync(s, Body(s, s.VaultId, new { productId = product, transferAmount = 5 }));
        var logs = t["transferLogs"]!.AsArray();
        Assert.Equal([(older, "3"), (newer, "2")], logs.Select(l => ((string)l!["fromBatchId"]!, l["transferAmount"].Json())));

        t = await CreateAsync(s, Body(s, s.VaultId, new { productId = product, transferAmount = 14 }));
        Assert.Equal([(newer, "8"), (undated, "6")], t["transferLogs"]!.AsArray().Select(l => ((string)l!["fromBatchId"]!, l["transferAmount"].Json())));
    }

    [Fact]
    public async Task Accepted_transfer_is_moved_by_the_worker_exactly_once()
    {
        var s = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(s, 10);
        await app.SetQuantityAsync(s.ShopId, batch, s.VaultId, 1);
        var t = await CreateAsync(s, Body(s, s.VaultId, new { productId = product, fromBatchId = batch, transferAmount = 4 }));
        var id = (string)t["id"]!;

        // Accepted and processed on a hand-moved clock, so the two times the API shows are exact.
        var time = new ManualTime(BrandCatalog.Instant);
        await using var host = app.OnClock(time);
        var (status, accepted, _) = await host.ClientAs(s.Client).PostJsonAsync($"{Transfers}/{id}/accept", new { currentEmployeeId = s.EmployeeId });
        Assert.Equal(200, status);
        Assert.Equal("ACCEPTED", (string)accepted!["status"]!);
        Assert.True((bool)accepted["processing"]!);
        Assert.False((bool)accepted["completeTransfer"]!);
        Assert.Equal(s.EmployeeId, (string)accepted["acceptByEmployeeId"]!);
        Assert.Equal(time.Now.ToUnixTimeMilliseconds(), (long)accepted["acceptedDate"]!);
        Assert.Equal("10", (await QuantityAsync(s, product, s.FrontRoomId))["quantity"].Json());

        time.Advance(TimeSpan.FromMinutes(3));
        var worker = host.Services.GetRequiredService<TransferWorker>();
        Assert.True(await worker.ProcessPendingAsync(TestContext.Current.CancellationToken) >= 1); // other tests' transfers may be due too
        Assert.Equal(0, await worker.ProcessPendingAsync(TestContext.Current.CancellationToken));
        var (_, done, _) = await s.Client.GetJsonAsync($"{Transfers}/{id}");
        Assert.False((bool)done!["processing"]!);
        Assert.True((bool)done["completeTransfer"]!);
        Assert.Equal(time.Now.ToUnixTimeMilliseconds(), (long)done["processedTime"]!);
        var log = done["transferLogs"]![0]!;
        Assert.Equal(("10", "6", "1", "5"), (log["origFromQty"].Json(), log["finalFromQty"].Json(), log["origToQty"].Json(), log["finalInventory"].Json()));
        var front = await QuantityAsync(s, product, s.FrontRoomId);
        Assert.Equal(("6", "0"), (front["quantity"].Json(), front["committedQty"].Json()));
        Assert.Equal("5", (await QuantityAsync(s, product, s.VaultId))["quantity"].Json());
        var (_, batches, _) = await s.Client.GetJsonAsync($"{Base}?batchId={batch}");
        Assert.Equal("11", batches!["values"]![0]!["quantity"].Json());

        var (again, _, raw) = await s.Client.PostJsonAsync($"{Transfers}/{id}/accept", new { currentEmployeeId = s.EmployeeId });
        Assert.Equal(400, again);
        Assert.Equal(Error("status", "Only a PENDING transfer can be accepted."), raw);
        var (decline, _, raw2) = await s.Client.PostJsonAsync($"{Transfers}/{id}/decline", new { currentEmployeeId = s.EmployeeId });
        Assert.Equal(400, decline);
        Assert.Equal(Error("status", "Only a PENDING transfer can be declined."), raw2);
        var (put, _, raw3) = await s.Client.PutJsonAsync($"{Transfers}/{id}", Body(s, s.VaultId, new { productId = product, transferAmount = 1 }));
        Assert.Equal(400, put);
        Assert.Equal(Error("status", "Only a PENDING transfer can be updated."), raw3);
    }

    [Fact]
    public async Task Decline_releases_the_reservation_and_moves_nothing()
    {
        var s = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(s, 10);
        var t = await CreateAsync(s, Body(s, s.VaultId, new { productId = product, fromBatchId = batch, transferAmount = 4 }));
        var (missing, _, raw) = await s.Client.PostJsonAsync($"{Transfers}/{t["id"]}/decline", new { });
        Assert.Equal(400, missing);
        Assert.Equal(Error("currentEmployeeId", "currentEmployeeId is required."), raw);
        var time = new ManualTime(BrandCatalog.Instant);
        await using var host = app.OnClock(time);
        var (status, declined, _) = await host.ClientAs(s.Client).PostJsonAsync($"{Transfers}/{t["id"]}/decline", new { currentEmployeeId = s.EmployeeId });
        Assert.Equal(200, status);
        Assert.Equal("DECLINED", (string)declined!["status"]!);
        Assert.Equal(s.EmployeeId, (string)declined["declineByEmployeeId"]!);
        Assert.Equal(time.Now.ToUnixTimeMilliseconds(), (long)declined["declinedDate"]!);
        Assert.False((bool)declined["processing"]!);
        Assert.Equal(0, await app.ProcessTransfersAsync());
        var front = await QuantityAsync(s, product, s.FrontRoomId);
        Assert.Equal(("10", "0"), (front["quantity"].Json(), front["committedQty"].Json()));
    }

    [Fact]
    public async Task Put_replaces_a_pending_transfer_and_swaps_its_reservations()
    {
        var s = await app.NewStoreAsync();
        var (p1, b1) = await app.StockAsync(s, 10);
        var (p2, b2) = await app.StockAsync(s, 10);
        var t = await CreateAsync(s, Body(s, s.VaultId, new { productId = p1, fromBatchId = b1, transferAmount = 8 }));
        var id = (string)t["id"]!;
        var (status, updated, raw) = await s.Client.PutJsonAsync($"{Transfers}/{id}",
            Body(s, s.VaultId, new { productId = p1, fromBatchId = b1, transferAmount = 9 }, new { productId = p2, transferAmount = 3 }));
        Assert.True(status == 200, raw);
        Assert.Equal("1", (string)updated!["transferNo"]!);
        Assert.Equal(2, updated["transferLogs"]!.AsArray().Count);
        Assert.Equal("9", (await QuantityAsync(s, p1, s.FrontRoomId))["committedQty"].Json());
        Assert.Equal("3", (await QuantityAsync(s, p2, s.FrontRoomId))["committedQty"].Json());

        var (short_, _, raw2) = await s.Client.PutJsonAsync($"{Transfers}/{id}", Body(s, s.VaultId, new { productId = p2, fromBatchId = b2, transferAmount = 11 }));
        Assert.Equal(400, short_);
        Assert.Equal(Error("transferAmount", $"Not enough sellable quantity of batch {b2} in the source inventory."), raw2);
        Assert.Equal("9", (await QuantityAsync(s, p1, s.FrontRoomId))["committedQty"].Json());

        var (unknown, _, raw3) = await s.Client.PutJsonAsync($"{Transfers}/000000000000000000000000", Body(s, s.VaultId, new { productId = p1, transferAmount = 1 }));
        Assert.Equal(404, unknown);
        Assert.Equal(Error("historyId", "Inventory transfer not found.", "com.fourtwenty.core.exceptions.BlazeNotFoundException"), raw3);
    }

    [Fact]
    public async Task Cross_shop_transfer_gives_the_destination_its_own_batch_copy()
    {
        var s = await app.NewStoreAsync();
        var dest = await app.NewStoreAsync(s.CompanyId);
        var product = await app.ProductAsync(s.ShopId);
        var batch = (string)(await app.BatchAsync(s.ShopId, product, new JsonObject
        {
            ["lotId"] = "LOT-7", ["purchasedDate"] = 1_700_000_000_000, ["thc"] = 21.5, ["trackTraceSystem"] = "METRC", ["notes"] = new JsonArray(new JsonObject { ["message"] = "cured" }),
        }))["id"]!;
        await app.SetQuantityAsync(s.ShopId, batch, s.FrontRoomId, 10);
        var t = await CreateAsync(s, new
        {
            fromInventoryId = s.FrontRoomId, toInventoryId = dest.FrontRoomId, toShopId = dest.ShopId, currentEmployeeId = s.EmployeeId,
            transferLogs = new[] { new { productId = product, fromBatchId = batch, transferAmount = 4 } },
        });
        Assert.Equal(dest.ShopId, (string)t["toShopId"]!);
        Assert.Null(t["transferLogs"]![0]!["toBatchId"]);
        var (status, _, _) = await dest.Client.PostJsonAsync($"{Transfers}/{t["id"]}/accept", new { currentEmployeeId = dest.EmployeeId });
        Assert.Equal(200, status);
        await app.ProcessTransfersAsync();

        var (_, done, _) = await s.Client.GetJsonAsync($"{Transfers}/{t["id"]}");
        var toBatch = (string)done!["transferLogs"]![0]!["toBatchId"]!;
        Assert.NotEqual(batch, toBatch);
        var (_, copies, _) = await dest.Client.GetJsonAsync($"{Base}?batchId={toBatch}");
        var copy = copies!["values"]![0]!;
        Assert.Equal((toBatch, dest.ShopId, product, "4"), ((string)copy["id"]!, (string)copy["shopId"]!, (string)copy["productId"]!, copy["quantity"].Json()));
        Assert.Equal("4", (await QuantityAsync(dest, product, dest.FrontRoomId))["quantity"].Json());
        var (_, sources, _) = await s.Client.GetJsonAsync($"{Base}?batchId={batch}");
        var source = sources!["values"]![0]!.AsObject();
        Assert.Equal("6", source["quantity"].Json());
        // The copy is the source batch in another shop: every field fixed at creation is the source's.
        var own = new[] { "id", "shopId", "created", "modified", "quantity" };
        Assert.Equal(source.Count, copy.AsObject().Count);
        Assert.All(source.Where(f => !own.Contains(f.Key)), f => Assert.True(JsonNode.DeepEquals(f.Value, copy[f.Key]), $"{f.Key}: {copy[f.Key].Json()} is not the source's {f.Value.Json()}"));
        Assert.Equal(("LOT-7", "METRC", "cured"), ((string)copy["lotId"]!, (string)copy["trackTraceSystem"]!, (string)copy["notes"]![0]!["message"]!));
    }

    [Fact]
    public async Task A_cross_shop_copy_has_every_declared_field_of_its_source()
    {
        var s = await app.NewStoreAsync();
        var dest = await app.NewStoreAsync(s.CompanyId);
        var product = await app.ProductAsync(s.ShopId);
        var fields = EveryFieldSetToANonDefaultValue();
        var created = (await app.BatchAsync(s.ShopId, product, fields.DeepClone().AsObject())).AsObject();
        Assert.All(fields, f => Assert.Equal(f.Value.Json(), created[f.Key].Json()));
        var batch = (string)created["id"]!;
        await app.SetQuantityAsync(s.ShopId, batch, s.FrontRoomId, 10);
        var t = await CreateAsync(s, new
        {
            fromInventoryId = s.FrontRoomId, toInventoryId = dest.FrontRoomId, toShopId = dest.ShopId, currentEmployeeId = s.EmployeeId,
            transferLogs = new[] { new { productId = product, fromBatchId = batch, transferAmount = 4 } },
        });
        var (accepted, _, acceptRaw) = await dest.Client.PostJsonAsync($"{Transfers}/{t["id"]}/accept", new { currentEmployeeId = dest.EmployeeId });
        Assert.True(accepted == 200, acceptRaw);
        Assert.Equal(1, await app.ProcessTransfersAsync());

        var (_, done, _) = await s.Client.GetJsonAsync($"{Transfers}/{t["id"]}");
        var toBatch = (string)done!["transferLogs"]![0]!["toBatchId"]!;
        var source = (await s.Client.GetJsonAsync($"{Base}?batchId={batch}")).Body!["values"]![0]!.AsObject();
        var copy = (await dest.Client.GetJsonAsync($"{Base}?batchId={toBatch}")).Body!["values"]![0]!.AsObject();
        // The copy's own identity, shop, time and stock; every other field is the source's, and lists filter the copy by it.
        var own = new[] { "id", "shopId", "created", "modified", "quantity" };
        Assert.Equal((toBatch, dest.ShopId, "4"), ((string)copy["id"]!, (string)copy["shopId"]!, copy["quantity"].Json()));
        Assert.Equal(source.Select(f => f.Key), copy.Select(f => f.Key));
        Assert.All(source.Where(f => !own.Contains(f.Key)), f => Assert.True(f.Value.Json() == copy[f.Key].Json(),
            $"{f.Key}: the copy has {copy[f.Key].Json()}, its source {f.Value.Json()}"));
        foreach (var filter in new[] { $"status={fields["status"]}", $"productId={product}", $"term={fields["lotId"]}", $"term={fields["metrcTagId"]}" })
            Assert.Equal([toBatch], (await dest.Client.GetJsonAsync($"{Base}?{filter}")).Body!["values"]!.AsArray().Select(b => (string)b!["id"]!));
    }

    /// <summary>
    /// Every ProductBatch field a client may set, each to a value other than its default: read from the
    /// declared type's serializer metadata, so a field declared later is set here too.
    /// </summary>
    private static JsonObject EveryFieldSetToANonDefaultValue()
    {
        var type = StoreJson.Default.ProductBatchDocument;
        var defaults = JsonSerializer.SerializeToNode(new ProductBatchDocument(), type)!.AsObject();
        var fields = new JsonObject();
        foreach (var (field, i) in type.Properties.Select((f, i) => (f, i)))
        {
            if (ProductBatchDocument.ServerSet.Contains(field.Name) || field.Name == "productId") continue;
            var allowed = field.AttributeProvider!.GetCustomAttributes(inherit: true).OfType<AllowedValuesAttribute>().SingleOrDefault();
            fields[field.Name] = (Nullable.GetUnderlyingType(field.PropertyType) ?? field.PropertyType) switch
            {
                _ when allowed is not null => allowed.Values.Cast<string>().Last(v => v != (string?)defaults[field.Name]),
                var t when t == typeof(string) => $"{field.Name}-{i}",
                var t when t == typeof(long) => 1_700_000_000_000L + i,
                var t when t == typeof(decimal) => i + 0.125m,
                var t when t == typeof(bool) => true,
                // Valid under BLAZE's schema for every object field (terpenoids maps names to numbers).
                var t when t == typeof(JsonObject) => new JsonObject { [field.Name] = i },
                var t when t == typeof(JsonArray) => new JsonArray(new JsonObject { ["field"] = field.Name }),
                var t => throw new InvalidOperationException($"No test value for {field.Name} of type {t}."),
            };
            Assert.NotEqual(defaults[field.Name].Json(), fields[field.Name].Json());
        }
        Assert.Equal(type.Properties.Count - ProductBatchDocument.ServerSet.Count - 1, fields.Count);
        return fields;
    }

    [Fact]
    public async Task Another_shop_can_neither_see_nor_change_a_transfer()
    {
        var s = await app.NewStoreAsync();
        var stranger = await app.NewStoreAsync(s.CompanyId);
        var (product, batch) = await app.StockAsync(s, 10);
        var t = await CreateAsync(s, Body(s, s.VaultId, new { productId = product, fromBatchId = batch, transferAmount = 1 }));
        var notFound = Error("historyId", "Inventory transfer not found.", "com.fourtwenty.core.exceptions.BlazeNotFoundException");
        Assert.Equal((404, notFound), await Call(stranger.Client.GetJsonAsync($"{Transfers}/{t["id"]}")));
        Assert.Equal((404, notFound), await Call(stranger.Client.PostJsonAsync($"{Transfers}/{t["id"]}/accept", new { currentEmployeeId = stranger.EmployeeId })));
        Assert.Equal((404, notFound), await Call(stranger.Client.PostJsonAsync($"{Transfers}/{t["id"]}/decline", new { currentEmployeeId = stranger.EmployeeId })));
        Assert.Equal((404, notFound), await Call(stranger.Client.PutJsonAsync($"{Transfers}/{t["id"]}", Body(stranger, stranger.VaultId, new { productId = product, transferAmount = 1 }))));
        Assert.Equal("PENDING", (string)(await s.Client.GetJsonAsync($"{Transfers}/{t["id"]}")).Body!["status"]!);

        // The receiving shop sees the transfer and may accept or decline it, but only the sender may replace it.
        var receiver = await app.NewStoreAsync(s.CompanyId);
        var toReceiver = await CreateAsync(s, new { fromInventoryId = s.FrontRoomId, toInventoryId = receiver.VaultId, currentEmployeeId = s.EmployeeId,
            transferLogs = new[] { new { productId = product, fromBatchId = batch, transferAmount = 1 } } });
        var (receiverProduct, receiverBatch) = await app.StockAsync(receiver, 5);
        Assert.Equal((404, notFound), await Call(receiver.Client.PutJsonAsync($"{Transfers}/{toReceiver["id"]}",
            Body(receiver, receiver.VaultId, new { productId = receiverProduct, fromBatchId = receiverBatch, transferAmount = 1 }))));
        Assert.Equal(toReceiver.Json(), (await s.Client.GetJsonAsync($"{Transfers}/{toReceiver["id"]}")).Body.Json());

        static async Task<(int, string)> Call(Task<(int Status, JsonNode? Body, string Raw)> call) { var r = await call; return (r.Status, r.Raw); }
    }

    [Fact]
    public async Task Parallel_creates_never_over_commit_a_batch()
    {
        // PostgreSQL proves the race (its transactions interleave); SQLite runs one write at a time.
        var s = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(s, 10);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => s.Client.PostJsonAsync(Transfers,
            Body(s, s.VaultId, i % 2 == 0 ? new { productId = product, fromBatchId = (string?)batch, transferAmount = 3 } : new { productId = product, fromBatchId = (string?)null, transferAmount = 3 }))));
        Assert.All(results, r => Assert.Contains(r.Status, new[] { 200, 400 }));
        Assert.Equal(3, results.Count(r => r.Status == 200));
        var numbers = results.Where(r => r.Status == 200).Select(r => (string)r.Body!["transferNo"]!).ToList();
        Assert.Equal(numbers.Count, numbers.Distinct().Count());
        var front = await QuantityAsync(s, product, s.FrontRoomId);
        Assert.Equal(("10", "9"), (front["quantity"].Json(), front["committedQty"].Json()));
    }

    [Fact]
    public async Task Concurrent_accept_and_decline_have_exactly_one_winner()
    {
        // PostgreSQL proves the race (its transactions interleave); SQLite runs one write at a time.
        var s = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(s, 100);
        for (var round = 0; round < 4; round++)
        {
            var t = await CreateAsync(s, Body(s, s.VaultId, new { productId = product, fromBatchId = batch, transferAmount = 5 }));
            var url = $"{Transfers}/{t["id"]}";
            var results = await Task.WhenAll(
                s.Client.PostJsonAsync(url + "/accept", new { currentEmployeeId = s.EmployeeId }),
                s.Client.PostJsonAsync(url + "/decline", new { currentEmployeeId = s.EmployeeId }),
                s.Client.PostJsonAsync(url + "/accept", new { currentEmployeeId = s.EmployeeId }),
                s.Client.PostJsonAsync(url + "/decline", new { currentEmployeeId = s.EmployeeId }));
            Assert.Single(results, r => r.Status == 200);
            Assert.Equal(3, results.Count(r => r.Status == 400));
        }
        await app.ProcessTransfersAsync();
        // Declines may win every round, and then the vault has no row at all.
        var (_, rows, _) = await s.Client.GetJsonAsync($"{Base}/{product}/batchQuantityInfo");
        decimal Quantity(string room) => rows!.AsArray().Where(r => (string)r!["inventoryId"]! == room).Select(r => (decimal)r!["quantity"]!).SingleOrDefault();
        var front = rows!.AsArray().Single(r => (string)r!["inventoryId"]! == s.FrontRoomId)!;
        Assert.Equal("0", front["committedQty"].Json());
        Assert.Equal(100m, Quantity(s.FrontRoomId) + Quantity(s.VaultId));
    }

    [Fact]
    public async Task A_transfer_accepted_before_a_restart_is_processed_once_by_the_next_instance()
    {
        var s = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(s, 10);
        string id;
        await using (var first = new StoreAppInstance(app))
        {
            var client = first.CreateClient();
            client.DefaultRequestHeaders.Add("partner_key", s.PartnerKey);
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", s.DeveloperKey);
            var (_, t, _) = await client.PostJsonAsync(Transfers, Body(s, s.VaultId, new { productId = product, fromBatchId = batch, transferAmount = 4 }));
            id = (string)t!["id"]!;
            Assert.Equal(200, (await client.PostJsonAsync($"{Transfers}/{id}/accept", new { currentEmployeeId = s.EmployeeId })).Status);
        }
        await using var second = new StoreAppInstance(app);
        await using var third = new StoreAppInstance(app);
        var applied = await Task.WhenAll(second.ProcessTransfersAsync(), third.ProcessTransfersAsync(), app.ProcessTransfersAsync());
        Assert.Equal(1, applied.Sum());
        var (_, done, _) = await s.Client.GetJsonAsync($"{Transfers}/{id}");
        Assert.True((bool)done!["completeTransfer"]!);
        Assert.Equal("6", (await QuantityAsync(s, product, s.FrontRoomId))["quantity"].Json());
        Assert.Equal("4", (await QuantityAsync(s, product, s.VaultId))["quantity"].Json());
    }

    [Fact]
    public async Task Admin_cannot_lower_stock_below_a_reservation()
    {
        var s = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(s, 10);
        await CreateAsync(s, Body(s, s.VaultId, new { productId = product, fromBatchId = batch, transferAmount = 6 }));
        var (status, body, _) = await app.AdminClient().PutJsonAsync("/admin/v1/store/batch-quantities",
            new { shop_id = s.ShopId, batch_id = batch, inventory_id = s.FrontRoomId, quantity = 5 });
        Assert.Equal(409, status);
        Assert.Equal("The quantity is below what pending transfers reserve in this room.", (string)body!["detail"]!);
        Assert.Equal("10", (await QuantityAsync(s, product, s.FrontRoomId))["quantity"].Json());
    }

    [Fact]
    public async Task Stock_sent_back_to_its_shop_returns_to_the_original_batch()
    {
        var s = await app.NewStoreAsync();
        var dest = await app.NewStoreAsync(s.CompanyId);
        var (product, batch) = await app.StockAsync(s, 10);
        async Task<string> MoveAsync(StoreTenant from, StoreTenant to, string fromBatch, decimal amount)
        {
            var t = await CreateAsync(from, new
            {
                fromInventoryId = from.FrontRoomId, toInventoryId = to.FrontRoomId, toShopId = to.ShopId, currentEmployeeId = from.EmployeeId,
                transferLogs = new[] { new { productId = product, fromBatchId = fromBatch, transferAmount = amount } },
            });
            var (status, _, raw) = await to.Client.PostJsonAsync($"{Transfers}/{t["id"]}/accept", new { currentEmployeeId = to.EmployeeId });
            Assert.True(status == 200, raw);
            await app.ProcessTransfersAsync();
            var (_, done, _) = await from.Client.GetJsonAsync($"{Transfers}/{t["id"]}");
            return (string)done!["transferLogs"]![0]!["toBatchId"]!;
        }
        var copy = await MoveAsync(s, dest, batch, 4);
        Assert.NotEqual(batch, copy);
        // Back from the copy: into the batch it was copied from, not into a copy of the copy.
        Assert.Equal(batch, await MoveAsync(dest, s, copy, 1));
        var (_, batches, _) = await s.Client.GetJsonAsync($"{Base}?productId={product}");
        Assert.Equal([(batch, "7")], batches!["values"]!.AsArray().Select(b => ((string)b!["id"]!, b["quantity"].Json())));
        Assert.Equal("7", (await QuantityAsync(s, product, s.FrontRoomId))["quantity"].Json());
        // And on again from the original: the destination's one copy takes it.
        Assert.Equal(copy, await MoveAsync(s, dest, batch, 2));
        Assert.Equal("5", (await QuantityAsync(dest, product, dest.FrontRoomId))["quantity"].Json());
    }
}

public sealed class TransfersTestsOnSqlite(SqliteApp app) : TransfersTests(app), IClassFixture<SqliteApp>;

public sealed class TransfersTestsOnPostgres(PostgresApp app) : TransfersTests(app), IClassFixture<PostgresApp>;
