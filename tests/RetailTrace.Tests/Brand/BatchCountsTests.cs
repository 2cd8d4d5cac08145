using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.BrandApi;

/// <summary>
/// The list's <c>count</c> comes from the trigger-kept batch_counts table: it must equal the number of
/// batches listed after creates, deletes, moves between brands and concurrent creates.
/// </summary>
public abstract class BatchCountsTests(AppFixture app)
{
    private const string List = "/api/v1.5/batches/";

    [Fact]
    public async Task Count_follows_creates_deletes_and_moves_between_brands()
    {
        var b = await app.NewBrandAsync();
        var other = await app.NewBrandAsync();
        Assert.Equal(0, await CountAsync(b));
        var first = await b.NewBatchAsync("A");
        var second = await b.NewBatchAsync("B");
        await b.NewBatchAsync("C");
        Assert.Equal(3, await CountAsync(b));

        var firstId = ShortUuid.Decode(first.Uuid());
        await app.WithDbAsync(db => db.Batches.Where(x => x.Id == firstId).ExecuteDeleteAsync());
        Assert.Equal(2, await CountAsync(b));

        var secondId = ShortUuid.Decode(second.Uuid());
        var otherId = ShortUuid.Decode(other.BrandUuid);
        await app.WithDbAsync(db => db.Batches.Where(x => x.Id == secondId).ExecuteUpdateAsync(s => s.SetProperty(x => x.BrandId, otherId)));
        Assert.Equal(1, await CountAsync(b));
        Assert.Equal(1, await CountAsync(other));
    }

    [Fact]
    public async Task Concurrent_creates_are_all_counted()
    {
        var b = await app.NewBrandAsync();
        var created = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => b.Client.PostJsonAsync("/api/v1.5/batches/create/", new { name = $"B{i}" })));
        Assert.All(created, c => Assert.Equal(201, c.Status));
        Assert.Equal(40, await CountAsync(b));
    }

    [Fact]
    public async Task A_multi_brand_client_counts_the_batches_of_all_its_brands()
    {
        var first = await app.NewBrandAsync();
        var second = await app.NewBrandAsync();
        var client = await Tenants.Created(app.AdminClient(), "/admin/v1/oauth-clients",
            new { name = "Group ERP", brand_uuids = new[] { first.BrandUuid, second.BrandUuid }, default_brand_uuid = first.BrandUuid });
        var both = new BrandTenant(first.BrandUuid, (string)client["client_id"]!, (string)client["client_secret"]!,
            await Tenants.BearerClientAsync(app, (string)client["client_id"]!, (string)client["client_secret"]!));
        await first.NewBatchAsync("A");
        await second.NewBatchAsync("B");
        await second.NewBatchAsync("C");
        Assert.Equal(3, await CountAsync(both));
        Assert.Equal(2, await CountAsync(second));
    }

    // The count, after checking that it equals the number of rows listed (every page is walked).
    private static async Task<long> CountAsync(BrandTenant brand)
    {
        var (status, body, raw) = await brand.Client.GetJsonAsync(List);
        Assert.True(status == 200, raw);
        var count = (long)body!["count"]!;
        var rows = body["results"]!.AsArray().Count;
        for (var page = 2; body!["next"] is not null; page++)
        {
            (status, body, raw) = await brand.Client.GetJsonAsync($"{List}?page={page}");
            Assert.True(status == 200, raw);
            rows += body!["results"]!.AsArray().Count;
        }
        Assert.Equal(count, rows);
        return count;
    }
}

public sealed class BatchCountsTestsOnSqlite(SqliteApp app) : BatchCountsTests(app), IClassFixture<SqliteApp>;
public sealed class BatchCountsTestsOnPostgres(PostgresApp app) : BatchCountsTests(app), IClassFixture<PostgresApp>;
