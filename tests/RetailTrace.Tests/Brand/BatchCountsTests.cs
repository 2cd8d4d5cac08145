using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.BrandApi;

/// <summary>
/// The batch list's <c>count</c> and pages are those of the batches the client can see: after creates,
/// deletes, moves between brands and concurrent creates, and for a client of one brand or of several,
/// on every page, deep ones included.
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
        var third = await b.NewBatchAsync("C");
        Assert.Equal(3, await CountAsync(b));

        var firstId = ShortUuid.Decode(first.Uuid());
        await app.WithDbAsync(db => db.Batches.Where(x => x.Id == firstId).ExecuteDeleteAsync());
        Assert.Equal(2, await CountAsync(b));

        var secondId = ShortUuid.Decode(second.Uuid());
        var otherId = ShortUuid.Decode(other.BrandUuid);
        await app.WithDbAsync(db => db.Batches.Where(x => x.Id == secondId).ExecuteUpdateAsync(s => s.SetProperty(x => x.BrandId, otherId)));
        Assert.Equal(1, await CountAsync(b));
        Assert.Equal(1, await CountAsync(other));
        var (status, _, raw) = await b.Client.GetJsonAsync(List);
        Assert.Equal(200, status);
        Assert.Equal($$"""{"count":1,"next":null,"previous":null,"results":[{{ListItem(third)}}]}""", raw);
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
        var both = await ClientOfAsync(first, second);
        await first.NewBatchAsync("A");
        await second.NewBatchAsync("B");
        await second.NewBatchAsync("C");
        Assert.Equal(3, await CountAsync(both));
        Assert.Equal(2, await CountAsync(second));
    }

    [Fact]
    public async Task Each_client_sees_only_its_brands_batches_on_every_page_and_in_count()
    {
        var first = await app.NewBrandAsync();
        var second = await app.NewBrandAsync();
        var stranger = await app.NewBrandAsync();
        var both = await ClientOfAsync(first, second);
        // 250 + 190 + 60 batches whose updated_on instants interleave across the brands (and tie within them).
        var start = new DateTime(2024, 5, 1, 12, 0, 0, DateTimeKind.Utc);
        var batches = Enumerable.Range(0, 500).Select(i => new Batch
        {
            Id = Guid.NewGuid(), Name = $"Batch {i}", UpdatedOn = start.AddSeconds(i % 40),
            BrandId = ShortUuid.Decode(i < 250 ? first.BrandUuid : i < 440 ? second.BrandUuid : stranger.BrandUuid),
        }).ToList();
        await app.WithDbAsync(async db => { db.Batches.AddRange(batches); await db.SaveChangesAsync(); });

        async Task AssertPagesAsync(BrandTenant client, params BrandTenant[] brands)
        {
            var visible = brands.Select(b => ShortUuid.Decode(b.BrandUuid)).ToHashSet();
            var expected = batches.Where(x => visible.Contains(x.BrandId))
                .OrderByDescending(x => x.UpdatedOn).ThenByDescending(x => ShortUuid.Encode(x.Id), StringComparer.Ordinal)
                .Select(x => ShortUuid.Encode(x.Id)).ToList();
            var pages = (expected.Count + 99) / 100;
            for (var page = 1; page <= pages; page++)
            {
                var (status, body, raw) = await client.Client.GetJsonAsync($"{List}?page={page}");
                Assert.True(status == 200, raw);
                Assert.Equal(expected.Count, (long)body!["count"]!);
                Assert.Equal(expected.Skip((page - 1) * 100).Take(100), body["results"]!.AsArray().Select(r => (string)r!["uuid"]!));
                Assert.Equal(page < pages ? $"http://localhost{List}?page={page + 1}" : null, (string?)body["next"]);
                Assert.Equal(page switch { 1 => null, 2 => $"http://localhost{List}", _ => $"http://localhost{List}?page={page - 1}" }, (string?)body["previous"]);
                if (page == pages) Assert.Equal(raw, (await client.Client.GetJsonAsync($"{List}?page=last")).Raw);
            }
            var (beyond, _, beyondRaw) = await client.Client.GetJsonAsync($"{List}?page={pages + 1}");
            Assert.Equal((404, """{"detail":"Invalid page."}"""), (beyond, beyondRaw));
        }

        await AssertPagesAsync(first, first);
        await AssertPagesAsync(both, first, second);
        await AssertPagesAsync(stranger, stranger);
    }

    private async Task<BrandTenant> ClientOfAsync(BrandTenant first, BrandTenant second)
    {
        var client = await Tenants.Created(app.AdminClient(), "/admin/v1/oauth-clients",
            new { name = "Group ERP", brand_uuids = new[] { first.BrandUuid, second.BrandUuid }, default_brand_uuid = first.BrandUuid });
        return new BrandTenant(first.BrandUuid, (string)client["client_id"]!, (string)client["client_secret"]!,
            await Tenants.BearerClientAsync(app, (string)client["client_id"]!, (string)client["client_secret"]!));
    }

    /// <summary>A created batch as the list shows it.</summary>
    private static string ListItem(JsonNode created) =>
        new JsonObject
        {
            ["brand_uuid"] = created["brand_uuid"]!.DeepClone(), ["name"] = created["name"]!.DeepClone(), ["produced_on"] = created["produced_on"]?.DeepClone(),
            ["regulatory_id"] = created["regulatory_id"]!.DeepClone(), ["updated_on"] = created["updated_on"]!.DeepClone(),
            ["digital_coa_uuids"] = created["digital_coa_uuids"]!.DeepClone(), ["uuid"] = created["uuid"]!.DeepClone(),
        }.ToJsonString();

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
