using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Data;
using RetailTrace.Tests.Dispensary;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Data;

/// <summary>
/// Pooled PostgreSQL connections are not reset when returned (Database.WithPoolSettings), so no
/// statement may leave session state behind. The sale sets plan_cache_mode for itself; on a pool of one
/// connection, the next user of that connection must find it at its default, whether the statement
/// succeeded or failed.
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
