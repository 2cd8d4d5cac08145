using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Tests.Infrastructure;
using static RetailTrace.Tests.Store.StoreArrange;

namespace RetailTrace.Tests.Store;

/// <summary>
/// A list's <c>total</c> is the number of batches it lists: after creates, (un)deletes, row deletes, moves
/// and concurrent creates, and with any filter, which holds on every page.
/// </summary>
public abstract class ProductBatchCountsTests(AppFixture app)
{
    private const string Base = "/api/v1/partner/store/batches";

    [Fact]
    public async Task Total_follows_creates_and_the_copies_cross_shop_transfers_make()
    {
        // Batches come into being by the admin API and by a cross-shop transfer's copy (one per origin batch
        // and shop); no API deletes or moves one. The unfiltered total is kept in those writes.
        var store = await app.NewStoreAsync();
        var other = await app.NewStoreAsync(store.CompanyId);
        Assert.Equal(0, await TotalAsync(store));
        var product = await app.ProductAsync(store.ShopId);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++) ids.Add((string)(await app.BatchAsync(store.ShopId, product))["id"]!);
        Assert.Equal(4, await TotalAsync(store));
        await app.SetQuantityAsync(store.ShopId, ids[0], store.FrontRoomId, 10);

        for (var round = 0; round < 2; round++)
        {
            var (status, transfer, raw) = await store.Client.PostJsonAsync($"{Base}/transferInventory", new
            {
                fromInventoryId = store.FrontRoomId, toInventoryId = other.FrontRoomId, toShopId = other.ShopId, currentEmployeeId = store.EmployeeId,
                transferLogs = new[] { new { productId = product, fromBatchId = ids[0], transferAmount = 1 } },
            });
            Assert.True(status == 200, raw);
            (status, _, raw) = await other.Client.PostJsonAsync($"{Base}/transferInventory/{transfer!["id"]}/accept", new { currentEmployeeId = other.EmployeeId });
            Assert.True(status == 200, raw);
            Assert.Equal(1, await app.ProcessTransfersAsync());
            // The second transfer of the same batch reuses the copy.
            Assert.Equal((4, 1), (await TotalAsync(store), await TotalAsync(other)));
        }
    }

    [Fact]
    public async Task Concurrent_creates_are_all_counted()
    {
        var store = await app.NewStoreAsync();
        var product = await app.ProductAsync(store.ShopId);
        await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => app.BatchAsync(store.ShopId, product)));
        Assert.Equal(30, await TotalAsync(store));
    }

    [Fact]
    public async Task Filtered_lists_count_their_own_rows()
    {
        var store = await app.NewStoreAsync();
        var first = await app.ProductAsync(store.ShopId, "Blue Dream");
        var second = await app.ProductAsync(store.ShopId, "Sour Diesel");
        await app.BatchAsync(store.ShopId, first);
        await app.BatchAsync(store.ShopId, second);
        await app.BatchAsync(store.ShopId, second);
        Assert.Equal(3, await TotalAsync(store));
        Assert.Equal(1, await TotalAsync(store, $"?productId={first}"));
        Assert.Equal(2, await TotalAsync(store, "?term=sour"));
        Assert.Equal(3, await TotalAsync(store, "?status=RECEIVED"));
        Assert.Equal(0, await TotalAsync(store, "?status=PROCESSING"));
    }

    [Fact]
    public async Task A_page_past_the_end_is_empty_with_the_total()
    {
        var store = await app.NewStoreAsync();
        var product = await app.ProductAsync(store.ShopId);
        for (var i = 0; i < 3; i++) await app.BatchAsync(store.ShopId, product);
        var (status, _, raw) = await store.Client.GetJsonAsync($"{Base}?start=10");
        Assert.Equal(200, status);
        Assert.Equal("""{"values":[],"skip":10,"limit":100,"total":3}""", raw);
    }

    [Fact]
    public async Task Filters_hold_on_every_page_and_in_the_total()
    {
        var store = await app.NewStoreAsync();
        var gelato = await app.ProductAsync(store.ShopId, "Gelato", "GEL-1");
        var kush = await app.ProductAsync(store.ShopId, "Kush", "KSH-1");
        var batches = new List<JsonNode>();
        for (var i = 0; i < 5; i++)
            batches.Add(await app.BatchAsync(store.ShopId, gelato, new JsonObject { ["status"] = "READY_FOR_SALE", ["lotId"] = $"ALPHA-{i}", ["purchasedDate"] = 1000 + i }));
        for (var i = 0; i < 3; i++)
            batches.Add(await app.BatchAsync(store.ShopId, gelato, new JsonObject { ["lotId"] = $"alpha-late-{i}", ["purchasedDate"] = 2000 + i }));
        for (var i = 0; i < 4; i++)
            batches.Add(await app.BatchAsync(store.ShopId, kush, new JsonObject { ["lotId"] = $"BETA-{i}", ["purchasedDate"] = 1500 + i }));
        // Each batch as the list shows it, newest first.
        var shown = new Dictionary<string, string>();
        foreach (var id in batches.Select(b => (string)b["id"]!))
            shown[id] = (await store.Client.GetJsonAsync($"{Base}?batchId={id}")).Body!["values"]![0]!.ToJsonString();
        var newestFirst = batches.OrderByDescending(b => (long)b["modified"]!).ThenByDescending(b => (string)b["id"]!, StringComparer.Ordinal).ToList();

        async Task AssertPagesAsync(string query, Func<JsonNode, bool> filter)
        {
            var expected = newestFirst.Where(filter).Select(b => (string)b["id"]!).ToList();
            for (var start = 0; start == 0 || start < expected.Count; start += 2)
            {
                var (status, _, raw) = await store.Client.GetJsonAsync($"{query}&start={start}&limit=2");
                Assert.Equal(200, status);
                var values = string.Join(",", expected.Skip(start).Take(2).Select(id => shown[id]));
                Assert.Equal($$"""{"values":[{{values}}],"skip":{{start}},"limit":2,"total":{{expected.Count}}}""", raw);
            }
        }

        await AssertPagesAsync($"{Base}?productId={gelato}", b => (string)b["productId"]! == gelato);
        await AssertPagesAsync($"{Base}?status=READY_FOR_SALE", b => (string)b["status"]! == "READY_FOR_SALE");
        await AssertPagesAsync($"{Base}?status=RECEIVED", b => (string)b["status"]! == "RECEIVED");
        await AssertPagesAsync($"{Base}?term=alpha", b => ((string)b["lotId"]!).Contains("alpha", StringComparison.OrdinalIgnoreCase));
        await AssertPagesAsync($"{Base}?term=kush&productId={kush}", b => (string)b["productId"]! == kush);
        await AssertPagesAsync($"{Base}?term=late&status=READY_FOR_SALE", _ => false);
        await AssertPagesAsync($"{Base}/dates/purchaseDate?startDate=1001&endDate=1502", b => (long)b["purchasedDate"]! is >= 1001 and <= 1502);
        await AssertPagesAsync($"{Base}/dates?startDate={(long)batches[4]["modified"]!}", b => (long)b["modified"]! >= (long)batches[4]["modified"]!);
    }

    // The total, after checking that it equals the number of rows listed (every page is walked).
    private static async Task<long> TotalAsync(StoreTenant store, string query = "")
    {
        var separator = query == "" ? "?" : "&";
        var (status, body, raw) = await store.Client.GetJsonAsync($"{Base}{query}{separator}limit=2");
        Assert.True(status == 200, raw);
        var total = (long)body!["total"]!;
        var rows = 0;
        for (var skip = 0; ; skip += 2)
        {
            (status, body, raw) = await store.Client.GetJsonAsync($"{Base}{query}{separator}limit=2&skip={skip}");
            Assert.True(status == 200, raw);
            var page = body!["values"]!.AsArray().Count;
            rows += page;
            if (page < 2) break;
        }
        Assert.Equal(total, rows);
        return total;
    }
}

public sealed class ProductBatchCountsTestsOnSqlite(SqliteApp app) : ProductBatchCountsTests(app), IClassFixture<SqliteApp>;
public sealed class ProductBatchCountsTestsOnPostgres(PostgresApp app) : ProductBatchCountsTests(app), IClassFixture<PostgresApp>;
