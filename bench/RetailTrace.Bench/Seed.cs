using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace RetailTrace.Bench;

/// <summary>
/// Fills a running server: tenants, tokens, the catalog, one exemplar of every row kind and the cases
/// the import benchmark imports go through its public APIs; the bulk (LucidIDs, imports, sales, brand
/// and store batches) is written by <see cref="BulkSeed"/> through the server's own EF model, because
/// a million LucidIDs through the APIs one case at a time takes tens of minutes. Writes credentials and the id pools the load scripts draw from.
/// At scale 1: 1,000,000 LucidIDs in 20,000 cases under 10,000 package UIDs, 200,000 transactions,
/// 100,000 brand batches, 100,000 store batches.
/// </summary>
public sealed class Seed(string baseUrl, string adminToken, double scale, string outDir, BulkSeed Bulk)
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

        // The bulk (cases, LucidIDs, imports, sales): rows written straight through the server's own EF model.
        var cases = N(20_000);
        var sold = Math.Min(N(200_000), cases * 25);
        var inventory = await Bulk.LucidItemsAsync(dispensaryUuid, ppUuid, cases, sold);
        await File.WriteAllLinesAsync(Path.Combine(outDir, "complete_pool.txt"),
            inventory.Chunk(5).Where(c => c.Length == 5).Select(c => string.Join(",", c.Select(x => $"\"{x}\""))));
        Log(started, $"{cases} cases of 50 LucidIDs imported under {(cases + 1) / 2} package UIDs, {sold} sold in transactions");

        // Cases of 100 LucidIDs left unimported, for the import benchmark.
        var importPool = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, N(2_000)), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (_, _) =>
        {
            var minted = await Created(b, "/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = ppUuid, quantity = 100 } } });
            importPool.Add($"{minted["case_uuid"]} {ppUuid}");
        });
        await File.WriteAllLinesAsync(Path.Combine(outDir, "import_pool.txt"), importPool);
        Log(started, "import pool minted");

        await Bulk.BrandBatchesAsync(brandUuid, N(100_000) - 1);
        Log(started, "brand batches");

        var store = await SeedStoreAsync(admin);
        Log(started, "store batches");
        await Bulk.SettleAsync();
        Log(started, "settled");

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
        // One batch per product through the API (the exemplars), the rest as copies of them with their own ids,
        // lots, labels and purchase dates; every tenth with stock in the room.
        var exemplars = new List<string>();
        for (var i = 0; i < Math.Min(products.Length, N(100_000)); i++)
            exemplars.Add((string)(await Created(admin, "/admin/v1/store/batches", StoreBatch(shop, products[i], i)))["id"]!);
        await Bulk.StoreBatchesAsync(exemplars, room, N(100_000));
        return (partnerKey, devKey);
    }

    private static Dictionary<string, object> StoreBatch(string shop, string product, int i) => new()
    {
        ["shop_id"] = shop, ["productId"] = product, ["lotId"] = $"LOT-{i}", ["trackPackageLabel"] = $"1A4000000000000000{i:D6}",
        ["purchasedDate"] = 1_700_000_000_000L + i * 60_000L, ["status"] = "READY_FOR_SALE", ["thc"] = 21.5, ["cbd"] = 0.4,
        ["vendorName"] = "Bench Vendor", ["notes"] = new[] { new { message = "bench" } },
    };

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
