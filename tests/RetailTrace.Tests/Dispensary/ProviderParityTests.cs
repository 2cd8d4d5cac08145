using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Dispensary;

/// <summary>
/// One model on every provider: the same API calls, on the same clock, leave byte-identical traces
/// and the same stored unit states on SQLite and PostgreSQL (ids, which are random, are compared by
/// the order they first appear in).
/// </summary>
public sealed partial class ProviderParityTests(SqliteApp sqlite, PostgresApp postgres) : IClassFixture<SqliteApp>, IClassFixture<PostgresApp>
{
    [Fact]
    public async Task Mint_import_sell_void_return_remove_and_reimport_elsewhere_leave_the_same_traces_and_rows()
    {
        postgres.Client(); // skips when PostgreSQL is unavailable
        var onSqlite = await RunScenarioAsync(sqlite);
        var onPostgres = await RunScenarioAsync(postgres);
        Assert.Equal(onSqlite.Traces, onPostgres.Traces);
        Assert.Equal(onSqlite.Units, onPostgres.Units);
        // The scenario reaches every state and event.
        foreach (var word in new[] { "\"minted\"", "\"imported\"", "\"sold\"", "\"voided\"", "\"returned\"", "\"removed\"", "\"in_inventory\"" })
            Assert.Contains(word, onSqlite.Traces);
    }

    private sealed record Outcome(string Traces, string Units);

    private static async Task<Outcome> RunScenarioAsync(AppFixture app)
    {
        var clock = new ManualTime(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
        await using var host = app.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        var admin = Client(host, "Bearer " + AppFixture.AdminToken);
        async Task<JsonNode> Step(HttpClient client, string url, object body, int expected = 200)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            var (status, json, raw) = await client.PostJsonAsync(url, body);
            Assert.True(status == expected, $"POST {url} → {status}: {raw}");
            return json ?? new JsonObject();
        }
        async Task<HttpClient> Bearer(object client)
        {
            var created = await Step(admin, "/admin/v1/oauth-clients", client, 201);
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = (string)created["client_id"]!, ["client_secret"] = (string)created["client_secret"]!,
            });
            using var response = await Client(host, null).PostAsync("/o/token/", form, TestContext.Current.CancellationToken);
            var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
            return Client(host, "Bearer " + (string)json["access_token"]!);
        }

        var brandUuid = (string)(await Step(admin, "/admin/v1/brands", new { name = "Brand" }, 201))["uuid"]!;
        var brand = await Bearer(new { name = "ERP", brand_uuids = new[] { brandUuid }, default_brand_uuid = brandUuid });
        var d1Uuid = (string)(await Step(admin, "/admin/v1/dispensaries", new { name = "D1" }, 201))["uuid"]!;
        var d2Uuid = (string)(await Step(admin, "/admin/v1/dispensaries", new { name = "D2" }, 201))["uuid"]!;
        var d1 = await Bearer(new { name = "POS 1", dispensary_uuid = d1Uuid });
        var d2 = await Bearer(new { name = "POS 2", dispensary_uuid = d2Uuid });

        var product = (string)(await Step(brand, "/api/v1.5/products/create/", new { name = "Gummies" }, 201))["uuid"]!;
        var batch = (string)(await Step(brand, "/api/v1.5/batches/create/", new { name = "Lot" }, 201))["uuid"]!;
        var pp1 = (string)(await Step(brand, $"/api/v1.5/batches/{batch}/packaged-products/", new { product_uuid = product }, 201))["uuid"]!;
        var pp2 = (string)(await Step(brand, $"/api/v1.5/batches/{batch}/packaged-products/", new { product_uuid = product }, 201))["uuid"]!;
        var minted = await Step(brand, "/api/v1.5/cases/create/", new { contents = new object[] { new { packaged_product_uuid = pp1, quantity = 3 }, new { packaged_product_uuid = pp2, quantity = 2 } } }, 201);
        var caseUuid = (string)minted["case_uuid"]!;
        var parts = minted["contents"]!.AsArray().ToDictionary(p => (string)p!["packaged_product_uuid"]!, p => p!["lucid_ids"]!.AsArray().Select(i => (string)i!).ToList());
        var (a, b) = (parts[pp1], parts[pp2]);
        object Import(string pp, string packageUid) => new { case_uuid = caseUuid, packaged_product_uuid = pp, pos_product_id = "POS-" + pp[..4], pos_inventory_id = "INV", package_uid = packageUid };
        object Sale(string order, params string[] items) => new { order_id = order, performed_at = "2026-03-04T05:00:00Z", items };

        await Step(d1, "/api/v1.2/caseids/import/", Import(pp1, "PKG-1"));
        await Step(d1, "/api/v1.2/caseids/import/", Import(pp2, "PKG-1"));
        await Step(d1, "/api/v1.2/transactions/complete/", Sale("o-1", a[0], a[1]));
        await Step(d1, "/api/v1.2/transactions/return/", Sale("o-1", a[1]));
        await Step(d1, "/api/v1.2/transactions/complete/", Sale("o-2", a[2], b[0]));
        await Step(d1, "/api/v1.2/transactions/void/", new { order_id = "o-2", performed_at = "2026-03-04T05:00:00Z" });
        await Step(d1, "/api/v1.2/caseids/import/", Import(pp1, "PKG-2")); // moves the part
        await Step(d1, "/api/v1.2/transactions/complete/", Sale("o-3", b[1]));
        await Step(d1, "/api/v1.2/caseids/import/remove/", new { case_uuid = caseUuid, package_uid = "PKG-2" });
        await Step(d1, "/api/v1.2/caseids/import/remove/", new { case_uuid = caseUuid, package_uid = "PKG-1" });
        await Step(d1, "/api/v1.2/transactions/void/", new { order_id = "o-3", performed_at = "2026-03-04T05:00:00Z" }); // its part left inventory
        await Step(d2, "/api/v1.2/caseids/import/", Import(pp1, "X-1"));
        await Step(d2, "/api/v1.2/transactions/complete/", Sale("o-1", a[1]));

        var traces = new List<string>();
        foreach (var id in a.Concat(b))
        {
            foreach (var (client, url) in new[] { (brand, "/api/v1.5/lucidids/"), (d1, "/api/v1.2/lucidids/"), (d2, "/api/v1.2/lucidids/") })
            {
                var (status, _, raw) = await client.GetJsonAsync($"{url}{id}/");
                traces.Add($"{status} {raw}");
            }
        }
        var rows = await WithDbAsync(host, db => db.LucidItems.AsNoTracking().Where(i => i.CaseId == RetailTrace.Common.ShortUuid.Decode(caseUuid))
            .Select(i => new
            {
                i.Id, i.State, i.DispensaryId,
                PackageUid = db.InventoryPackages.Where(ip => ip.Id == i.InventoryPackageId).Join(db.PosPackageUids, ip => ip.PosPackageUidId, u => u.Id, (_, u) => u.PackageUid).FirstOrDefault(),
                SaleOrder = db.ItemEvents.Where(e => e.Id == i.SaleEventId).Select(e => e.OrderId).FirstOrDefault(),
            }).ToListAsync());
        var ids = a.Concat(b).Select(RetailTrace.Common.ShortUuid.Decode).ToList();
        var units = rows.OrderBy(r => ids.IndexOf(r.Id))
            .Select(r => $"{RetailTrace.Common.ShortUuid.Encode(r.Id)} {r.State} {(r.DispensaryId is { } d ? RetailTrace.Common.ShortUuid.Encode(d) : "-")} {r.PackageUid ?? "-"} {r.SaleOrder ?? "-"}");
        return new Outcome(Anonymized(string.Join("\n", traces)), Anonymized(string.Join("\n", units)));
    }

    private static HttpClient Client(WebApplicationFactory<Program> host, string? authorization)
    {
        var client = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("http://localhost") });
        if (authorization is not null) client.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(authorization);
        return client;
    }

    private static async Task<T> WithDbAsync<T>(WebApplicationFactory<Program> host, Func<AppDb, Task<T>> work)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<AppDb>());
    }

    /// <summary>Every ShortUUID replaced by its number in order of first appearance.</summary>
    private static string Anonymized(string text)
    {
        var seen = new Dictionary<string, int>();
        return ShortUuids().Replace(text, m => "#" + (seen.TryGetValue(m.Value, out var n) ? n : seen[m.Value] = seen.Count));
    }

    [GeneratedRegex("[23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz]{22}")]
    private static partial Regex ShortUuids();
}
