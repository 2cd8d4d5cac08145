using RetailTrace.Tests.Dispensary;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.BrandApi;

/// <summary>
/// Minting a case of a packaged product while it is deleted, on a real server (truly parallel requests):
/// either the mint comes first and the delete is refused for its LucidIDs, or the delete comes first and
/// the mint is refused for the missing packaged product. Never both acknowledged, never a 5xx, and an
/// acknowledged LucidID always exists afterwards. SQLite runs writes one at a time, so PostgreSQL proves
/// the race; SQLite checks the same outcomes.
/// </summary>
public abstract class MintDeleteRaceTests(AppFixture app)
{
    [Fact]
    public async Task A_mint_racing_the_delete_of_its_packaged_product_never_leaves_acknowledged_lucid_ids_undone()
    {
        var brand = await app.NewBrandAsync();
        await using var live = new LiveServer(app);
        var client = live.BearerClient(await Tenants.TokenAsync(app, brand.ClientId, brand.ClientSecret));
        var (minted, deleted) = (0, 0);
        for (var round = 0; round < 200; round++)
        {
            var (batch, _, packaged) = await brand.NewPackagedAsync();
            using var start = new ManualResetEventSlim();
            var mint = Task.Run(async () => { start.Wait(); return await client.PostJsonAsync("/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = packaged, quantity = 3 } } }); });
            var delete = Task.Run(async () => { start.Wait(); return await client.SendAsync(HttpMethod.Delete, $"/api/v1.5/batches/{batch}/packaged-products/{packaged}/delete/"); });
            start.Set();
            var (mintStatus, mintBody, mintRaw) = await mint;
            var (deleteStatus, _, deleteRaw) = await delete;
            if (mintStatus == 201)
            {
                minted++;
                Assert.Equal((400, """{"detail":"Cannot delete a packaged product that has LucidIDs."}"""), (deleteStatus, deleteRaw));
                var caseUuid = (string)mintBody!["case_uuid"]!;
                var (status, detail, raw) = await brand.Client.GetJsonAsync($"/api/v1.5/cases/{caseUuid}/");
                Assert.True(status == 200, raw);
                Assert.Equal(3, detail!["contents"]![0]!["lucid_ids"]!.AsArray().Count);
            }
            else
            {
                deleted++;
                Assert.Equal(204, deleteStatus);
                Assert.Equal((400, $$"""{"contents":[{"packaged_product_uuid":["Invalid pk \"{{packaged}}\" - object does not exist."]}]}"""), (mintStatus, mintRaw));
            }
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{app.Provider}: mint first {minted}, delete first {deleted}");
    }
}

public sealed class MintDeleteRaceTestsOnSqlite(SqliteApp app) : MintDeleteRaceTests(app), IClassFixture<SqliteApp>;

public sealed class MintDeleteRaceTestsOnPostgres(PostgresApp app) : MintDeleteRaceTests(app), IClassFixture<PostgresApp>;
