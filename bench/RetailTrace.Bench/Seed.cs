using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace RetailTrace.Bench;

/// <summary>
/// Fills a running server through its own public APIs (the same code paths production traffic takes):
/// tenants, a brand catalog, minted cases imported into package UIDs, sold transactions, brand batches
/// and store batches with stock. Writes credentials and the id pools the load scripts draw from.
/// At scale 1: 1,000,000 LucidIDs in 20,000 cases under 10,000 package UIDs, 200,000 transactions,
/// 100,000 brand batches, 100,000 store batches.
/// </summary>
public sealed class Seed(string baseUrl, string adminToken, double scale, string outDir)
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(5) };
    private const int Parallelism = 16;

    private int N(int full) => Math.Max(1, (int)(full * scale));

    public async Task RunAsync()
    {
        Directory.CreateDirectory(outDir);
        var started = DateTime.UtcNow;
        var admin = Auth(new AuthenticationHeaderValue("Bearer", adminToken));

        var brand = await Created(admin, "/admin/v1/brands", new { name = "Bench Brand" });
        var brandUuid = (string)brand["uuid"]!;
        var brandClient = await Created(admin, "/admin/v1/oauth-clients", new { name = "bench-erp", brand_uuids = new[] { brandUuid }, default_brand_uuid = brandUuid });
        var dispensary = await Created(admin, "/admin/v1/dispensaries", new { name = "Bench Dispensary", package_uid_export_enabled = true });
        var dispensaryUuid = (string)dispensary["uuid"]!;
        var dispensaryClient = await Created(admin, "/admin/v1/oauth-clients", new { name = "bench-pos", dispensary_uuid = dispensaryUuid });
        var btoken = await TokenAsync((string)brandClient["client_id"]!, (string)brandClient["client_secret"]!);
        var dtoken = await TokenAsync((string)dispensaryClient["client_id"]!, (string)dispensaryClient["client_secret"]!);
        var b = Auth(new AuthenticationHeaderValue("Bearer", btoken));
        var d = Auth(new AuthenticationHeaderValue("Bearer", dtoken));

        var product = await Created(b, "/api/v1.5/products/create/", new { name = "Bench Gummies", sku = "BENCH-1" });
        var batch = await Created(b, "/api/v1.5/batches/create/", new { name = "Bench Batch" });
        var pp = await Created(b, $"/api/v1.5/batches/{batch["uuid"]}/packaged-products/", new { product_uuid = (string)product["uuid"]! });
        var ppUuid = (string)pp["uuid"]!;
        Log(started, "catalog ready");

        // Cases of 50 LucidIDs, two per package UID, imported.
        var cases = N(20_000);
        var inventory = new ConcurrentBag<(int Index, string[] Ids)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, cases), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
        {
            var minted = await Created(b, "/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = ppUuid, quantity = 50 } } });
            var caseUuid = (string)minted["case_uuid"]!;
            await Ok(d, "/api/v1.2/caseids/import/", new
            {
                case_uuid = caseUuid, packaged_product_uuid = ppUuid, pos_product_id = "bench-product",
                pos_inventory_id = $"inv-{i / 2}", package_uid = $"BENCH-PKG-{i / 2:D6}",
            });
            inventory.Add((i, minted["contents"]![0]!["lucid_ids"]!.AsArray().Select(x => (string)x!).ToArray()));
        });
        Log(started, $"{cases} cases minted and imported");

        // Transactions of one LucidID each; the rest of the inventory feeds the complete benchmark.
        var ids = inventory.OrderBy(x => x.Index).SelectMany(x => x.Ids).ToList();
        var sold = Math.Min(N(200_000), ids.Count / 2);
        await Parallel.ForEachAsync(Enumerable.Range(0, sold), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
            await Ok(d, "/api/v1.2/transactions/complete/", new { performed_at = "2024-06-01T12:00:00Z", order_id = $"seed-{i}", items = new[] { ids[i] } }));
        await File.WriteAllLinesAsync(Path.Combine(outDir, "complete_pool.txt"),
            ids.Skip(sold).Chunk(5).Where(c => c.Length == 5).Select(c => string.Join(",", c.Select(x => $"\"{x}\""))));
        Log(started, $"{sold} transactions");

        // Cases of 100 LucidIDs left unimported, for the import benchmark.
        var importPool = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, N(2_000)), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (_, _) =>
        {
            var minted = await Created(b, "/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = ppUuid, quantity = 100 } } });
            importPool.Add($"{minted["case_uuid"]} {ppUuid}");
        });
        await File.WriteAllLinesAsync(Path.Combine(outDir, "import_pool.txt"), importPool);
        Log(started, "import pool minted");

        await Parallel.ForEachAsync(Enumerable.Range(0, N(100_000)), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
            await Created(b, "/api/v1.5/batches/create/", new { name = $"Bench batch {i}", regulatory_id = $"REG-{i}" }));
        Log(started, "brand batches");

        var store = await SeedStoreAsync(admin);
        Log(started, "store batches");

        await File.WriteAllTextAsync(Path.Combine(outDir, "env.sh"), $"""
            export DTOKEN='{dtoken}'
            export BTOKEN='{btoken}'
            export PARTNER_KEY='{store.PartnerKey}'
            export DEV_KEY='{store.DeveloperKey}'
            export DISPENSARY_UUID='{dispensaryUuid}'
            export PP_UUID='{ppUuid}'
            export BRAND_BATCH_PAGES={(N(100_000) + 1) / 100 + 1}

            """);
    }

    private async Task<(string PartnerKey, string DeveloperKey)> SeedStoreAsync(HttpClient admin)
    {
        var company = (string)(await Created(admin, "/admin/v1/companies", new { name = "Bench Co" }))["id"]!;
        var shop = (string)(await Created(admin, "/admin/v1/shops", new { company_id = company, name = "Bench Shop" }))["id"]!;
        var room = (string)(await Created(admin, "/admin/v1/inventories", new { shop_id = shop, name = "Floor" }))["id"]!;
        var partnerKey = (string)(await Created(admin, "/admin/v1/partners", new { name = "Bench Partner" }))["partner_key"]!;
        var devKey = (string)(await Created(admin, "/admin/v1/developer-keys", new { shop_id = shop }))["developer_key"]!;
        var products = new string[100];
        for (var i = 0; i < products.Length; i++)
            products[i] = (string)(await Created(admin, "/admin/v1/store/products", new { shop_id = shop, name = $"Product {i}", sku = $"SKU-{i}" }))["id"]!;
        await Parallel.ForEachAsync(Enumerable.Range(0, N(100_000)), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
        {
            var batch = await Created(admin, "/admin/v1/store/batches", new Dictionary<string, object>
            {
                ["shop_id"] = shop, ["productId"] = products[i % products.Length], ["lotId"] = $"LOT-{i}",
                ["trackPackageLabel"] = $"1A4000000000000000{i:D6}", ["purchasedDate"] = 1_700_000_000_000L + i * 60_000L, ["status"] = "READY_FOR_SALE",
            });
            if (i % 10 == 0)
                await Send(admin, HttpMethod.Put, "/admin/v1/store/batch-quantities", new { shop_id = shop, batch_id = (string)batch["id"]!, inventory_id = room, quantity = 100 });
        });
        return (partnerKey, devKey);
    }

    private HttpClient Auth(AuthenticationHeaderValue header)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = _http.BaseAddress, Timeout = _http.Timeout };
        client.DefaultRequestHeaders.Authorization = header;
        return client;
    }

    private async Task<string> TokenAsync(string clientId, string secret)
    {
        using var response = await _http.PostAsync("/o/token/", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
        }));
        response.EnsureSuccessStatusCode();
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["access_token"]!;
    }

    private static async Task<JsonNode> Created(HttpClient client, string url, object body) => await Send(client, HttpMethod.Post, url, body, 201);

    private static Task<JsonNode> Ok(HttpClient client, string url, object body) => Send(client, HttpMethod.Post, url, body, 200);

    private static async Task<JsonNode> Send(HttpClient client, HttpMethod method, string url, object body, int expected = 200)
    {
        using var request = new HttpRequestMessage(method, url) { Content = JsonContent.Create(body, body.GetType()) };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != expected) throw new InvalidOperationException($"{method} {url} → {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    private static void Log(DateTime started, string what) => Console.WriteLine($"[seed {(DateTime.UtcNow - started).TotalSeconds,6:F1}s] {what}");
}
