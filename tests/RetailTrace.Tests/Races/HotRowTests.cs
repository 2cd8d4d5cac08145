using RetailTrace.Tests.Dispensary;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Store;

namespace RetailTrace.Tests.Races;

/// <summary>
/// Many writers of one row at once on a real server (see <see cref="DispensaryRaceTests"/>). PostgreSQL proves these:
/// its writes race optimistically and the losers run again (SQLite's writers queue in-process). With equal retry waits
/// only one loser wins each round, so the last of forty writers would run out of retries and answer 500.
/// </summary>
public abstract class HotRowTests(AppFixture app)
{
    private const int Writers = 40;

    [Fact]
    public async Task Forty_concurrent_quantity_settings_of_one_batch_room_are_all_acknowledged_and_one_of_them_is_kept()
    {
        var s = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(s, 10);
        await using var live = new LiveServer(app);
        var admin = live.BearerClient(AppFixture.AdminToken);
        var quantities = Enumerable.Range(1, Writers).ToList();

        var answers = await Together(quantities, quantity => admin.SendAsync(HttpMethod.Put, "/admin/v1/store/batch-quantities",
            new { shop_id = s.ShopId, batch_id = batch, inventory_id = s.FrontRoomId, quantity }));

        Assert.All(answers, a => Assert.True(a.Status == 200, $"{a.Status} {a.Raw}"));
        var (_, rooms, _) = await s.Client.GetJsonAsync($"/api/v1/partner/store/batches/{product}/batchQuantityInfo");
        Assert.Contains((int)rooms!.AsArray().Single(r => (string)r!["inventoryId"]! == s.FrontRoomId)!["quantity"]!, quantities);
    }

    /// <summary>The limit is a count of rows that concurrent creates each add: SERIALIZABLE makes them count each other.</summary>
    [Fact]
    public async Task Concurrent_creates_never_give_an_owner_more_webhook_endpoints_than_the_limit()
    {
        var dispensary = await app.NewDispensaryAsync();
        await using var live = new LiveServer(app);
        var client = live.BearerClient(await Tenants.TokenAsync(app, dispensary.ClientId, dispensary.ClientSecret));

        var answers = await Together(Enumerable.Range(0, Writers).ToList(), i => client.PostJsonAsync("/api/v1.2/webhook-endpoints/",
            new { url = $"https://hooks.example.com/{i}", events = new[] { "lucidid.sold" } }));

        Assert.Equal([(201, 20), (400, 20)], answers.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => (g.Key, g.Count())));
        Assert.All(answers.Where(a => a.Status == 400), a => Assert.Equal("""{"detail":"An owner can have at most 20 webhook endpoints."}""", a.Raw));
        var (_, list, _) = await dispensary.Client.GetJsonAsync("/api/v1.2/webhook-endpoints/");
        Assert.Equal(20, list!.AsArray().Count);
    }

    private static async Task<(int Status, System.Text.Json.Nodes.JsonNode? Body, string Raw)[]> Together<T>(
        IReadOnlyList<T> inputs, Func<T, Task<(int, System.Text.Json.Nodes.JsonNode?, string)>> send)
    {
        using var start = new ManualResetEventSlim();
        var requests = inputs.Select(input => Task.Run(async () => { start.Wait(); return await send(input); })).ToArray();
        start.Set();
        return await Task.WhenAll(requests);
    }
}

public sealed class HotRowTestsOnSqlite(SqliteApp app) : HotRowTests(app), IClassFixture<SqliteApp>;
public sealed class HotRowTestsOnPostgres(PostgresApp app) : HotRowTests(app), IClassFixture<PostgresApp>;
