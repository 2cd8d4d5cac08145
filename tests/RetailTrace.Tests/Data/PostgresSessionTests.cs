using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Data;
using RetailTrace.Tests.Dispensary;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Store;

namespace RetailTrace.Tests.Data;

/// <summary>
/// Pooled PostgreSQL connections are not reset when returned (Database.WithPoolSettings), so no
/// statement may leave session state behind. The sale and the unfiltered store page (GenericPlan) set
/// plan_cache_mode for themselves; on a pool of one connection, the next user of that connection must
/// find it at its default, whether the statement succeeded or failed.
/// </summary>
public sealed class PostgresSessionTests(PostgresApp app) : IClassFixture<PostgresApp>
{
    private static async Task<T> OnTheConnectionAsync<T>(WebApplicationFactory<Program> onePool, string sql)
    {
        await using var scope = onePool.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        return (await db.Database.SqlQueryRaw<T>(sql).ToListAsync(TestContext.Current.CancellationToken)).Single();
    }

    [Fact]
    public async Task The_unfiltered_store_page_runs_its_generic_plan_and_leaves_no_session_setting()
    {
        var store = await app.NewStoreAsync();
        var product = await app.ProductAsync(store.ShopId);
        for (var i = 0; i < 3; i++) await app.BatchAsync(store.ShopId, product);
        await using var onePool = app.WithWebHostBuilder(b => b.UseSetting("ConnectionStrings:RetailTrace", app.ConnectionString + ";Maximum Pool Size=1"));
        var client = onePool.CreateClient();
        client.DefaultRequestHeaders.Add("partner_key", store.PartnerKey);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", store.DeveloperKey);

        // Npgsql prepares a statement once it has seen it five times; PostgreSQL plans the first five
        // executions of a prepared statement with their values, unless told to use the generic plan.
        for (var i = 0; i < 8; i++)
        {
            var (status, body, raw) = await client.GetJsonAsync("/api/v1/partner/store/batches?limit=2");
            Assert.True(status == 200, raw);
            Assert.Equal(3, (long)body!["total"]!);
            Assert.Equal(2, body["values"]!.AsArray().Count);
        }
        var plans = await OnTheConnectionAsync<string>(onePool,
            "SELECT generic_plans || ' generic, ' || custom_plans || ' custom' AS \"Value\" FROM pg_prepared_statements WHERE statement LIKE '%FROM product_batches%'");
        Assert.Matches("^[1-8] generic, 0 custom$", plans);
        Assert.Equal("auto", await OnTheConnectionAsync<string>(onePool, "SELECT current_setting('plan_cache_mode') AS \"Value\""));
    }

    [Fact]
    public async Task A_sale_leaves_no_session_setting_on_its_connection_whether_recorded_or_failed()
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(4);
        await d.Client.ImportAsync(c, 0, "PKG-1");
        await using var onePool = app.WithWebHostBuilder(b => b.UseSetting("ConnectionStrings:RetailTrace", app.ConnectionString + ";Maximum Pool Size=1"));
        var client = onePool.ClientAs(d.Client);

        Task<string> PlanCacheMode() => OnTheConnectionAsync<string>(onePool, "SELECT current_setting('plan_cache_mode') AS \"Value\"");

        var (recorded, _, recordedRaw) = await client.PostJsonAsync("/api/v1.2/transactions/complete/", DispensaryKit.Sale("o-1", c.Parts[0].LucidIds[0], c.Parts[0].LucidIds[1]));
        Assert.True(recorded == 200, recordedRaw);
        Assert.Equal("auto", await PlanCacheMode());

        // Same order, sellable units: the statement fails on the order's unique index.
        var (failed, body, failedRaw) = await client.PostJsonAsync("/api/v1.2/transactions/complete/", DispensaryKit.Sale("o-1", c.Parts[0].LucidIds[2], c.Parts[0].LucidIds[3]));
        Assert.True(failed == 400, failedRaw);
        Assert.Equal("This transaction has already been processed.", (string?)body!["message"]);
        Assert.Equal("auto", await PlanCacheMode());
        Assert.Equal("in_inventory", await d.Client.StateAsync(c.Parts[0].LucidIds[2]));
    }
}
