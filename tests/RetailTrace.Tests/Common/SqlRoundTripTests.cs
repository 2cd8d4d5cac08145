using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Tests.Dispensary;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Store;

namespace RetailTrace.Tests.Common;

/// <summary>Every SQL command the app's DbContexts send (EF queries, SaveChanges and raw SQL alike).</summary>
public sealed class SqlCommandLog : CommandObserver
{
    private readonly ConcurrentQueue<string> _commands = new();

    public void Clear() => _commands.Clear();

    /// <summary>Commands sent since the last <see cref="Clear"/> whose text names any of <paramref name="tables"/>.</summary>
    public int Touching(params string[] tables) => _commands.Count(sql => tables.Any(t => sql.Contains(t, StringComparison.Ordinal)));

    /// <summary>Commands sent since the last <see cref="Clear"/> whose text contains <paramref name="text"/>.</summary>
    public int Containing(string text) => _commands.Count(sql => sql.Contains(text, StringComparison.Ordinal));

    protected override void Observe(DbCommand command) => _commands.Enqueue(command.CommandText);
}

/// <summary>
/// Round trips of the hot paths, counted with a command interceptor on the app's DbContext: a bearer
/// token seen recently costs no database read, and a store page, a sale or an import costs the same
/// number of statements whatever its size (an N+1 loop fails these).
/// </summary>
public abstract class SqlRoundTripTests(AppFixture app)
{
    private const string Complete = "/api/v1.2/transactions/complete/";
    private static readonly string[] ItemTables = ["lucid_items", "item_events", "inventory_packages", "pos_package_uids", "catalog_products", "cases"];

    private (WebApplicationFactory<Program> Factory, SqlCommandLog Log) Counted()
    {
        var log = new SqlCommandLog();
        var factory = app.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.ConfigureDbContext<AppDb>(o => o.AddInterceptors(log))));
        return (factory, log);
    }

    [Fact]
    public async Task A_recently_seen_token_is_not_read_from_the_database_again()
    {
        var (factory, log) = Counted();
        await using var _ = factory;
        var brand = await app.NewBrandAsync();
        var client = factory.ClientAs(brand.Client);

        log.Clear();
        for (var i = 0; i < 20; i++)
        {
            var (status, _, raw) = await client.GetJsonAsync("/api/v1.5/batches/");
            Assert.True(status == 200, raw);
        }
        Assert.Equal(1, log.Touching("access_tokens"));
    }

    [Fact]
    public async Task A_store_page_is_a_fixed_number_of_statements_whatever_its_size()
    {
        var (factory, log) = Counted();
        await using var _ = factory;
        var store = await app.NewStoreAsync();
        var product = await app.ProductAsync(store.ShopId);
        for (var i = 0; i < 20; i++) await app.BatchAsync(store.ShopId, product);
        var client = factory.ClientAs(store.Client);
        await client.GetJsonAsync("/api/v1/partner/store/batches?limit=1"); // the keys are cached from here on

        log.Clear();
        var (small, smallBody, smallRaw) = await client.GetJsonAsync("/api/v1/partner/store/batches?limit=1");
        Assert.True(small == 200, smallRaw);
        var smallCommands = log.Touching("product_batches");

        log.Clear();
        var (large, largeBody, largeRaw) = await client.GetJsonAsync("/api/v1/partner/store/batches?limit=20");
        Assert.True(large == 200, largeRaw);
        Assert.Equal((1, 20), (smallBody!["values"]!.AsArray().Count, largeBody!["values"]!.AsArray().Count));
        Assert.Equal(smallCommands, log.Touching("product_batches"));
    }

    [Fact]
    public async Task A_complete_is_a_fixed_handful_of_statements_whatever_its_size()
    {
        var (factory, log) = Counted();
        await using var _ = factory;
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(5, 100);
        await d.Client.ImportAsync(c, 0, "PKG-SMALL");
        await d.Client.ImportAsync(c, 1, "PKG-LARGE");
        var client = factory.ClientAs(d.Client);
        await client.GetJsonAsync($"/api/v1.2/lucidids/{c.Parts[0].LucidIds[0]}/"); // the token is cached from here on

        log.Clear();
        var (small, _, smallRaw) = await client.PostJsonAsync(Complete, DispensaryKit.Sale("o-small", [.. c.Parts[0].LucidIds]));
        Assert.True(small == 200, smallRaw);
        var smallCommands = log.Touching(ItemTables);

        log.Clear();
        var (large, _, largeRaw) = await client.PostJsonAsync(Complete, DispensaryKit.Sale("o-large", [.. c.Parts[1].LucidIds]));
        Assert.True(large == 200, largeRaw);
        var largeCommands = log.Touching(ItemTables);

        Assert.Equal(100, c.Parts[1].LucidIds.Count);
        Assert.Equal(smallCommands, largeCommands);
        Assert.Equal("sold", await d.Client.StateAsync(c.Parts[1].LucidIds[99]));
    }

    [Fact]
    public async Task An_import_is_a_fixed_handful_of_statements_whatever_the_part_s_size()
    {
        var (factory, log) = Counted();
        await using var _ = factory;
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(5, 100);
        var client = factory.ClientAs(d.Client);
        await client.GetJsonAsync($"/api/v1.2/lucidids/{c.Parts[0].LucidIds[0]}/"); // the token is cached from here on

        async Task<int> ImportAsync(int part, string packageUid)
        {
            log.Clear();
            await client.ImportAsync(c, part, packageUid);
            return log.Touching(ItemTables);
        }
        Assert.Equal(await ImportAsync(0, "PKG-SMALL"), await ImportAsync(1, "PKG-LARGE"));
        Assert.Equal(await ImportAsync(0, "PKG-SMALL-2"), await ImportAsync(1, "PKG-LARGE-2"));
        var (status, trace, raw) = await d.Client.GetJsonAsync($"/api/v1.2/lucidids/{c.Parts[1].LucidIds[99]}/");
        Assert.True(status == 200, raw);
        var imported = trace!["history"]!.AsArray()[^1]!;
        Assert.Equal(("imported", "PKG-LARGE-2"), ((string?)imported["event"], (string?)imported["package_uid"]));
    }
}

public sealed class SqlRoundTripTestsOnSqlite(SqliteApp app) : SqlRoundTripTests(app), IClassFixture<SqliteApp>;

public sealed class SqlRoundTripTestsOnPostgres(PostgresApp app) : SqlRoundTripTests(app), IClassFixture<PostgresApp>;
