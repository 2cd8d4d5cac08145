using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Tests.Dispensary;
using RetailTrace.Tests.Infrastructure;
using static RetailTrace.Tests.Dispensary.DispensaryKit;

namespace RetailTrace.Tests.Races;

/// <summary>
/// Pairs of dispensary writes on one object, sent at once to a real server, <see cref="Rounds"/> times each: never a
/// 5xx, and every acknowledged write is still true afterwards unless a later acknowledged write undid it by design (a
/// void after a sale, a removal after an import). PostgreSQL proves these races (its transactions interleave); SQLite
/// runs writes one at a time and checks the same outcomes in fewer rounds. The list of pairs is in docs/DECISIONS.md.
/// </summary>
public abstract class DispensaryRaceTests(AppFixture app)
{
    private int Rounds => app.Provider == RetailTrace.Data.DatabaseProvider.Postgres ? 200 : 25;

    private static async Task<((int Status, string Raw) First, (int Status, string Raw) Second)> RaceAsync(Func<Task<(int, string)>> first, Func<Task<(int, string)>> second)
    {
        using var start = new ManualResetEventSlim();
        var a = Task.Run(async () => { start.Wait(); return await first(); });
        var b = Task.Run(async () => { start.Wait(); return await second(); });
        start.Set();
        return (await a, await b);
    }

    private async Task<(DispensaryTenant D, HttpClient Live, LiveServer Server)> LiveAsync()
    {
        var d = await app.NewDispensaryAsync();
        var server = new LiveServer(app);
        return (d, server.BearerClient(await Tenants.TokenAsync(app, d.ClientId, d.ClientSecret)), server);
    }

    [Fact]
    public async Task Import_racing_the_removal_of_the_same_case_leaves_what_was_acknowledged_last()
    {
        var (d, client, server) = await LiveAsync();
        await using var _ = server;
        var (removedAfterImport, removeFirst) = (0, 0);
        for (var round = 0; round < Rounds; round++)
        {
            var c = await app.MintCaseAsync(3);
            var package = "IR-" + round;
            var (import, remove) = await RaceAsync(
                () => client.PostAsync("/api/v1.2/caseids/import/", Import(c, 0, package)),
                () => client.PostAsync("/api/v1.2/caseids/import/remove/", new { case_uuid = c.CaseUuid, package_uid = package }));
            Assert.True(import.Status == 200, $"round {round}: import → {import.Status} {import.Raw}");
            Assert.True(remove.Status is 200 or 400 or 404, $"round {round}: remove → {remove.Status} {remove.Raw}");
            var expected = remove.Status == 200 ? "removed" : "in_inventory";
            if (remove.Status == 200) removedAfterImport++; else removeFirst++;
            // A removed unit leaves the dispensary (its trace answers 404 there), so the rows say.
            var keys = c.Parts[0].LucidIds.Select(ShortUuid.Decode).ToList();
            var states = await app.WithDbAsync(db => db.LucidItems.AsNoTracking().Where(i => keys.Contains(i.Id)).Select(i => i.State).ToListAsync());
            Assert.Equal([expected, expected, expected], states);
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{app.Provider}: removed after import {removedAfterImport}, remove first {removeFirst}");
    }

    [Fact]
    public async Task Two_imports_of_the_same_case_under_different_package_uids_leave_the_part_whole_in_one_of_them()
    {
        var (d, client, server) = await LiveAsync();
        await using var _ = server;
        for (var round = 0; round < Rounds; round++)
        {
            var c = await app.MintCaseAsync(3);
            var (a, b) = await RaceAsync(
                () => client.PostAsync("/api/v1.2/caseids/import/", Import(c, 0, $"TA-{round}")),
                () => client.PostAsync("/api/v1.2/caseids/import/", Import(c, 0, $"TB-{round}")));
            // Importing under another package UID moves the part: both are acknowledged, one after the other.
            Assert.True(a.Status == 200 && b.Status == 200, $"round {round}: {a.Status} {a.Raw} / {b.Status} {b.Raw}");
            var packages = new HashSet<string>();
            foreach (var id in c.Parts[0].LucidIds)
            {
                var (status, trace, raw) = await d.Client.GetJsonAsync($"/api/v1.2/lucidids/{id}/");
                Assert.True(status == 200, raw);
                Assert.Equal("in_inventory", (string)trace!["state"]!);
                packages.Add((string)trace["package_uid"]!);
            }
            Assert.True(packages.Count == 1 && (packages.Contains($"TA-{round}") || packages.Contains($"TB-{round}")), $"round {round}: {string.Join(",", packages)}");
        }
    }

    [Fact]
    public async Task A_sale_racing_the_void_of_its_order_leaves_the_unit_sold_or_back_in_inventory_as_acknowledged()
    {
        var (d, client, server) = await LiveAsync();
        await using var _ = server;
        var c = await app.MintCaseAsync(Rounds);
        await d.Client.ImportAsync(c, 0, "SV");
        var (voidedAfterSale, voidFirst) = (0, 0);
        for (var round = 0; round < Rounds; round++)
        {
            var id = c.Parts[0].LucidIds[round];
            var order = $"sv-{round}";
            var (sale, @void) = await RaceAsync(
                () => client.PostAsync("/api/v1.2/transactions/complete/", Sale(order, id)),
                () => client.PostAsync("/api/v1.2/transactions/void/", Void(order)));
            Assert.True(sale.Status == 200, $"round {round}: sale → {sale.Status} {sale.Raw}");
            Assert.True(@void.Status is 200 or 400 or 404, $"round {round}: void → {@void.Status} {@void.Raw}");
            if (@void.Status == 200) voidedAfterSale++; else voidFirst++;
            Assert.Equal(@void.Status == 200 ? "in_inventory" : "sold", await d.Client.StateAsync(id));
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{app.Provider}: voided after sale {voidedAfterSale}, void first {voidFirst}");
    }

    [Fact]
    public async Task A_return_racing_the_void_of_the_same_order_leaves_every_unit_back_in_inventory()
    {
        var (d, client, server) = await LiveAsync();
        await using var _ = server;
        var c = await app.MintCaseAsync(2 * Rounds);
        await d.Client.ImportAsync(c, 0, "RV");
        var (returnedFirst, voidFirst) = (0, 0);
        for (var round = 0; round < Rounds; round++)
        {
            var (returned, kept) = (c.Parts[0].LucidIds[2 * round], c.Parts[0].LucidIds[2 * round + 1]);
            var order = $"rv-{round}";
            Assert.Equal(200, (await d.Client.PostAsync("/api/v1.2/transactions/complete/", Sale(order, returned, kept))).Status);
            var (@return, @void) = await RaceAsync(
                () => client.PostAsync("/api/v1.2/transactions/return/", Sale(order, returned)),
                () => client.PostAsync("/api/v1.2/transactions/void/", Void(order)));
            // The void always finds something sold (the rest, or all); a return after the void finds nothing sold.
            Assert.True(@void == (200, "{}"), $"round {round}: void → {@void.Item1} {@void.Item2}");
            if (@return.Item1 == 200) returnedFirst++;
            else
            {
                voidFirst++;
                Assert.Equal((400, $$$"""{"items":{"invalid":["{{{returned}}}"],"unknown":[],"valid":[]}}"""), @return);
            }
            Assert.Equal("in_inventory", await d.Client.StateAsync(returned));
            Assert.Equal("in_inventory", await d.Client.StateAsync(kept));
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{app.Provider}: return first {returnedFirst}, void first {voidFirst}");
    }
}

public sealed class DispensaryRaceTestsOnSqlite(SqliteApp app) : DispensaryRaceTests(app), IClassFixture<SqliteApp>;
public sealed class DispensaryRaceTestsOnPostgres(PostgresApp app) : DispensaryRaceTests(app), IClassFixture<PostgresApp>;
