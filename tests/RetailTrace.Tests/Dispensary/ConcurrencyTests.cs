using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Tests.Infrastructure;
using static RetailTrace.Tests.Dispensary.DispensaryKit;

namespace RetailTrace.Tests.Dispensary;

/// <summary>
/// Truly parallel requests against the app on Kestrel (see <see cref="LiveServer"/>). PostgreSQL proves these
/// races: its transactions run side by side, and only the unique keys and the write path's conflict checks
/// (Writes) keep the outcomes right. SQLite runs one write at a time, so there the tests check the outcomes only.
/// </summary>
public abstract class ConcurrencyTests(AppFixture app)
{
    private const string AlreadyProcessed = """{"message":"This transaction has already been processed."}""";

    private async Task<HttpClient> LiveClientAsync(LiveServer live, DispensaryTenant d) =>
        live.BearerClient(await Tenants.TokenAsync(app, d.ClientId, d.ClientSecret));

    private static async Task<(int Status, string Raw)[]> RaceAsync(int count, Func<int, Task<(int, string)>> request)
    {
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, count).Select(i => Task.Run(async () => { start.Wait(); return await request(i); })).ToArray();
        start.Set();
        return await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task The_same_complete_sent_eight_times_at_once_succeeds_exactly_once()
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(5);
        await d.Client.ImportAsync(c, 0, "PKG-001");
        await using var live = new LiveServer(app);
        var client = await LiveClientAsync(live, d);
        var sale = Sale("race-1", c.AllLucidIds.ToArray());

        var results = await RaceAsync(8, _ => client.PostAsync("/api/v1.2/transactions/complete/", sale));
        Assert.Single(results, r => r is (200, "{}"));
        Assert.Equal(7, results.Count(r => r is (400, AlreadyProcessed)));
    }

    [Fact]
    public async Task Different_orders_racing_for_one_unit_never_both_sell_it()
    {
        var d = await app.NewDispensaryAsync();
        await using var live = new LiveServer(app);
        var client = await LiveClientAsync(live, d);
        for (var round = 0; round < 5; round++)
        {
            var c = await app.MintCaseAsync(6);
            await d.Client.ImportAsync(c, 0, "PKG-" + round);
            var ids = c.Parts[0].LucidIds;
            var contested = ids[0];
            // Each order takes the contested unit plus one of its own.
            var results = await RaceAsync(4, i => client.PostAsync("/api/v1.2/transactions/complete/", Sale($"r{round}-o{i}", ids[i + 1], contested)));
            Assert.Single(results, r => r.Status == 200);
            foreach (var (status, raw) in results.Where(r => r.Status != 200))
            {
                Assert.Equal(400, status);
                Assert.Matches($$"""^\{"items":\{"invalid":\["{{contested}}"\],"unknown":\[\],"valid":\["\w+"\]\}\}$""", raw);
            }
            var (_, trace, _) = await d.Client.GetJsonAsync($"/api/v1.2/lucidids/{contested}/");
            Assert.Single(trace!["history"]!.AsArray(), e => (string)e!["event"]! == "sold");
        }
    }

    [Fact]
    public async Task Two_dispensaries_racing_to_import_parts_of_one_case_only_one_wins()
    {
        var d1 = await app.NewDispensaryAsync();
        var d2 = await app.NewDispensaryAsync();
        await using var live = new LiveServer(app);
        var clients = new[] { await LiveClientAsync(live, d1), await LiveClientAsync(live, d2) };
        for (var round = 0; round < 5; round++)
        {
            var c = await app.MintCaseAsync(2, 2);
            var results = await RaceAsync(2, i => clients[i].PostAsync("/api/v1.2/caseids/import/", Import(c, i, "PKG-" + round)));
            Assert.Single(results, r => r.Status == 200);
            Assert.Single(results, r => r is (400, """{"detail":"This case has already been scanned for another dispensary."}"""));
        }
    }

    [Fact]
    public async Task Concurrent_sales_of_different_units_all_succeed()
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(16);
        await d.Client.ImportAsync(c, 0, "PKG-001");
        await using var live = new LiveServer(app);
        var client = await LiveClientAsync(live, d);
        var ids = c.Parts[0].LucidIds;
        var results = await RaceAsync(16, i => client.PostAsync("/api/v1.2/transactions/complete/", Sale("each-" + i, ids[i])));
        Assert.All(results, r => Assert.Equal((200, "{}"), r));
    }

    [Fact]
    public async Task Refused_sales_in_a_burst_take_nothing_from_the_accepted_ones()
    {
        // On SQLite a burst is committed as a group, each sale in its own savepoint: the refused ones
        // (a replayed order, an unknown unit) must leave the others' units sold and their own untouched.
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(12);
        await d.Client.ImportAsync(c, 0, "PKG-001");
        await using var live = new LiveServer(app);
        var client = await LiveClientAsync(live, d);
        var ids = c.Parts[0].LucidIds;
        var unknown = ShortUuid.Encode(Guid.NewGuid());
        var results = await RaceAsync(12, i => client.PostAsync("/api/v1.2/transactions/complete/",
            i % 3 == 2 ? Sale("burst-" + i, ids[i], unknown) : Sale("burst-" + i, ids[i])));
        for (var i = 0; i < 12; i++)
        {
            if (i % 3 == 2)
            {
                Assert.Equal((400, $$$"""{"items":{"invalid":[],"unknown":["{{{unknown}}}"],"valid":["{{{ids[i]}}}"]}}"""), results[i]);
                Assert.Equal("in_inventory", await d.Client.StateAsync(ids[i]));
            }
            else
            {
                Assert.Equal((200, "{}"), results[i]);
                Assert.Equal("sold", await d.Client.StateAsync(ids[i]));
            }
        }
    }

    [Fact]
    public async Task A_removal_racing_sales_of_its_units_either_comes_first_or_leaves_them_sold()
    {
        // A sale and a removal of the part meet only on the unit rows both write: a unit must end sold
        // with no removal event (the sale came first), or removed and refused to its sale (the removal
        // came first). On SQLite writes run one at a time, so only PostgreSQL proves the race.
        var d = await app.NewDispensaryAsync();
        await using var live = new LiveServer(app);
        var client = await LiveClientAsync(live, d);
        for (var round = 0; round < 4; round++)
        {
            var c = await app.MintCaseAsync(8);
            var package = "RACE-" + round;
            await d.Client.ImportAsync(c, 0, package);
            var ids = c.Parts[0].LucidIds;
            var results = await RaceAsync(ids.Count + 1, i => i == ids.Count
                ? client.PostAsync("/api/v1.2/caseids/import/remove/", new { case_uuid = c.CaseUuid, package_uid = package })
                : client.PostAsync("/api/v1.2/transactions/complete/", Sale($"rm{round}-{i}", ids[i])));
            Assert.Equal((200, ""), results[^1]);
            var units = await app.WithDbAsync(async db =>
            {
                var keys = ids.Select(ShortUuid.Decode).ToList();
                var rows = await db.LucidItems.AsNoTracking().Where(i => keys.Contains(i.Id)).ToDictionaryAsync(i => i.Id);
                var removed = await db.ItemEventUnits.AsNoTracking().Where(u => keys.Contains(u.ItemId))
                    .Where(u => db.ItemEvents.Any(e => e.Id == u.EventId && e.Type == "removed")).Select(u => u.ItemId).ToListAsync();
                return (rows, removed);
            });
            for (var i = 0; i < ids.Count; i++)
            {
                var unit = units.rows[ShortUuid.Decode(ids[i])];
                if (results[i].Status == 200)
                {
                    Assert.True(unit is { State: "sold", SaleEventId: not null, InventoryPackageId: null }, $"round {round}, sold unit {i}: {unit.State}, package {unit.InventoryPackageId}");
                    Assert.DoesNotContain(unit.Id, units.removed);
                }
                else
                {
                    Assert.Equal((400, $$"""{"message":"This transaction contains non-imported lucid ids.","non_imported_lucidids":["{{ids[i]}}"],"valid_transaction":false}"""), results[i]);
                    Assert.True(unit is { State: "removed", SaleEventId: null, DispensaryId: null }, $"round {round}, refused unit {i}: {unit.State}");
                    Assert.Single(units.removed, unit.Id);
                }
            }
        }
    }
}

public sealed class ConcurrencyTestsOnSqlite(SqliteApp app) : ConcurrencyTests(app), IClassFixture<SqliteApp>;

public sealed class ConcurrencyTestsOnPostgres(PostgresApp app) : ConcurrencyTests(app), IClassFixture<PostgresApp>;
