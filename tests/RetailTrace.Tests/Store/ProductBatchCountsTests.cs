using Microsoft.EntityFrameworkCore;
using RetailTrace.Tests.Infrastructure;
using static RetailTrace.Tests.Store.StoreArrange;

namespace RetailTrace.Tests.Store;

/// <summary>
/// The unfiltered list's <c>total</c> comes from the trigger-kept store_batch_counts table: it must equal
/// the number of visible batches after creates, (un)deletes, row deletes, moves and concurrent creates.
/// </summary>
public abstract class ProductBatchCountsTests(AppFixture app)
{
    private const string Base = "/api/v1/partner/store/batches";

    [Fact]
    public async Task Total_follows_creates_deleted_flags_row_deletes_and_moves_between_shops()
    {
        var store = await app.NewStoreAsync();
        var other = await app.NewStoreAsync();
        Assert.Equal(0, await TotalAsync(store));
        var product = await app.ProductAsync(store.ShopId);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++) ids.Add((string)(await app.BatchAsync(store.ShopId, product))["id"]!);
        Assert.Equal(4, await TotalAsync(store));

        await app.WithDbAsync(db => db.ProductBatches.Where(b => b.Id == ids[0]).ExecuteUpdateAsync(s => s.SetProperty(b => b.Deleted, true)));
        Assert.Equal(3, await TotalAsync(store));
        await app.WithDbAsync(db => db.ProductBatches.Where(b => b.Id == ids[0]).ExecuteUpdateAsync(s => s.SetProperty(b => b.Modified, 5)));
        Assert.Equal(3, await TotalAsync(store));
        await app.WithDbAsync(db => db.ProductBatches.Where(b => b.Id == ids[0]).ExecuteDeleteAsync());
        Assert.Equal(3, await TotalAsync(store));

        await app.WithDbAsync(db => db.ProductBatches.Where(b => b.Id == ids[1]).ExecuteDeleteAsync());
        Assert.Equal(2, await TotalAsync(store));

        await app.WithDbAsync(db => db.ProductBatches.Where(b => b.Id == ids[2]).ExecuteUpdateAsync(s => s.SetProperty(b => b.ShopId, other.ShopId)));
        Assert.Equal(1, await TotalAsync(store));
        Assert.Equal(1, await TotalAsync(other));

        await app.WithDbAsync(db => db.ProductBatches.Where(b => b.Id == ids[3]).ExecuteUpdateAsync(s => s.SetProperty(b => b.Deleted, true).SetProperty(b => b.ShopId, other.ShopId)));
        Assert.Equal(0, await TotalAsync(store));
        Assert.Equal(1, await TotalAsync(other));
        await app.WithDbAsync(db => db.ProductBatches.Where(b => b.Id == ids[3]).ExecuteUpdateAsync(s => s.SetProperty(b => b.Deleted, false)));
        Assert.Equal(2, await TotalAsync(other));
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
