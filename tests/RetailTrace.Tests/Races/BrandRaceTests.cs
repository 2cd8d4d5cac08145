using RetailTrace.Tests.BrandApi;
using RetailTrace.Tests.Dispensary;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Races;

/// <summary>Two mints of one packaged product at once on a real server (see <see cref="DispensaryRaceTests"/>): both
/// are acknowledged and every LucidID each one answered traces in its case, none shared.</summary>
public abstract class BrandRaceTests(AppFixture app)
{
    private int Rounds => app.Provider == RetailTrace.Data.DatabaseProvider.Postgres ? 200 : 25;

    [Fact]
    public async Task Two_mints_of_one_packaged_product_are_both_kept_whole()
    {
        var brand = await app.NewBrandAsync();
        await using var live = new LiveServer(app);
        var client = live.BearerClient(await Tenants.TokenAsync(app, brand.ClientId, brand.ClientSecret));
        var (_, _, packaged) = await brand.NewPackagedAsync();
        var all = new HashSet<string>();
        for (var round = 0; round < Rounds; round++)
        {
            using var start = new ManualResetEventSlim();
            var mints = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                start.Wait();
                return await client.PostJsonAsync("/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = packaged, quantity = 2 } } });
            })).ToArray();
            start.Set();
            foreach (var (status, body, raw) in await Task.WhenAll(mints))
            {
                Assert.True(status == 201, $"round {round}: {status} {raw}");
                var (traced, detail, detailRaw) = await brand.Client.GetJsonAsync($"/api/v1.5/cases/{(string)body!["case_uuid"]!}/");
                Assert.True(traced == 200, detailRaw);
                var ids = detail!["contents"]![0]!["lucid_ids"]!.AsArray().Select(i => (string)i!).ToList();
                Assert.Equal(body["contents"]![0]!["lucid_ids"]!.AsArray().Select(i => (string)i!), ids);
                Assert.Equal(2, ids.Count);
                foreach (var id in ids) Assert.True(all.Add(id), $"round {round}: {id} minted twice");
            }
        }
    }

    /// <summary>Both write the batch row (its <c>updated_on</c>): the one that commits last answers its own time.</summary>
    [Fact]
    public async Task A_packaged_product_create_racing_an_update_of_its_batch_keeps_both()
    {
        var brand = await app.NewBrandAsync();
        await using var live = new LiveServer(app);
        var client = live.BearerClient(await Tenants.TokenAsync(app, brand.ClientId, brand.ClientSecret));
        var product = (await brand.NewProductAsync()).Uuid();
        for (var round = 0; round < Rounds; round++)
        {
            var batch = (await brand.NewBatchAsync()).Uuid();
            using var start = new ManualResetEventSlim();
            var create = Task.Run(async () => { start.Wait(); return await client.PostJsonAsync($"/api/v1.5/batches/{batch}/packaged-products/", new { product_uuid = product }); });
            var update = Task.Run(async () => { start.Wait(); return await client.SendAsync(HttpMethod.Patch, $"/api/v1.5/batches/{batch}/update/", new { name = "Lot " + round }); });
            start.Set();
            var (created, packaged, createdRaw) = await create;
            var (updated, batchAfterUpdate, updatedRaw) = await update;
            Assert.True(created == 201, $"round {round}: create → {created} {createdRaw}");
            Assert.True(updated == 200, $"round {round}: update → {updated} {updatedRaw}");

            var (_, detail, detailRaw) = await brand.Client.GetJsonAsync($"/api/v1.5/batches/{batch}/");
            Assert.Equal("Lot " + round, (string)detail!["name"]!);
            Assert.Equal([packaged.Uuid()], detail["packaged_products"]!.AsArray().Select(p => p.Uuid()));
            // The batch's updated_on is never older than the update's answer (a create after it moves it on).
            Assert.True(string.CompareOrdinal((string)detail["updated_on"]!, (string)batchAfterUpdate!["updated_on"]!) >= 0, detailRaw);
        }
    }
}

public sealed class BrandRaceTestsOnSqlite(SqliteApp app) : BrandRaceTests(app), IClassFixture<SqliteApp>;
public sealed class BrandRaceTestsOnPostgres(PostgresApp app) : BrandRaceTests(app), IClassFixture<PostgresApp>;
