using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Bench;

/// <summary>
/// A steady-rate mixed load for <paramref name="seconds"/> (imports of freshly minted cases, completes, returns,
/// voids, store reads, transfers created and accepted), then a reconciliation of every acknowledged write against
/// the database, the count of 5xx answers, and the server's RSS sampled every 5 s. Writes a markdown report.
/// </summary>
public sealed class Soak(string baseUrl, string adminToken, string provider, string connectionString, int serverPid, int seconds, int rate, string report)
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    private readonly ConcurrentDictionary<string, int> _outcomes = new();
    private readonly ConcurrentDictionary<string, List<double>> _latency = new();
    private readonly ConcurrentQueue<string> _inStock = new();
    private readonly ConcurrentQueue<(string Order, string[] Items)> _sold = new();
    private int _serverErrors, _transportErrors, _orders, _packages;

    public async Task RunAsync()
    {
        var admin = Client(new AuthenticationHeaderValue("Bearer", adminToken));
        var brand = (string)(await Post(admin, "/admin/v1/brands", new { name = "Soak Brand" }))["uuid"]!;
        var erp = await Bearer(await Post(admin, "/admin/v1/oauth-clients", new { name = "soak-erp", brand_uuids = new[] { brand }, default_brand_uuid = brand }));
        var dispensary = (string)(await Post(admin, "/admin/v1/dispensaries", new { name = "Soak Dispensary" }))["uuid"]!;
        var pos = await Bearer(await Post(admin, "/admin/v1/oauth-clients", new { name = "soak-pos", dispensary_uuid = dispensary }));
        var product = (string)(await Post(erp, "/api/v1.5/products/create/", new { name = "Soak Gummies" }))["uuid"]!;
        var batch = (string)(await Post(erp, "/api/v1.5/batches/create/", new { name = "Soak Batch" }))["uuid"]!;
        var packaged = (string)(await Post(erp, $"/api/v1.5/batches/{batch}/packaged-products/", new { product_uuid = product }))["uuid"]!;

        var company = (string)(await Post(admin, "/admin/v1/companies", new { name = "Soak Co" }))["id"]!;
        var shop = (string)(await Post(admin, "/admin/v1/shops", new { company_id = company, name = "Soak Shop" }))["id"]!;
        var front = (string)(await Post(admin, "/admin/v1/inventories", new { shop_id = shop, name = "Front" }))["id"]!;
        var vault = (string)(await Post(admin, "/admin/v1/inventories", new { shop_id = shop, name = "Vault" }))["id"]!;
        var employee = (string)(await Post(admin, "/admin/v1/employees", new { company_id = company, first_name = "Soak", last_name = "Tester" }))["id"]!;
        var partnerKey = (string)(await Post(admin, "/admin/v1/partners", new { name = "Soak Partner" }))["partner_key"]!;
        var devKey = (string)(await Post(admin, "/admin/v1/developer-keys", new { shop_id = shop }))["developer_key"]!;
        var storeProduct = (string)(await Post(admin, "/admin/v1/store/products", new { shop_id = shop, name = "Soak Flower" }))["id"]!;
        var storeBatch = (string)(await Post(admin, "/admin/v1/store/batches", new { shop_id = shop, productId = storeProduct }))["id"]!;
        const int stock = 1_000_000;
        using (var set = await admin.PutAsJsonAsync("/admin/v1/store/batch-quantities", new { shop_id = shop, batch_id = storeBatch, inventory_id = front, quantity = stock }))
            set.EnsureSuccessStatusCode();
        var store = Client(null);
        store.DefaultRequestHeaders.Add("partner_key", partnerKey);
        store.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", devKey);

        // The mix, one entry per tick in turn: 2 imports, 4 completes, 1 return, 1 void, 3 store reads, 1 transfer.
        Func<Task>[] mix =
        [
            () => Import(erp, pos, packaged), () => Complete(pos), () => StoreRead(store, front), () => Complete(pos),
            () => Return(pos), () => Transfer(store, front, vault, employee, storeProduct, storeBatch), () => StoreRead(store, vault),
            () => Import(erp, pos, packaged), () => Complete(pos), () => Void(pos), () => StoreRead(store, front), () => Complete(pos),
        ];
        var rss = new List<(int Second, long Mib)>();
        var clock = Stopwatch.StartNew();
        var inFlight = new List<Task>();
        var nextSample = 0;
        for (long tick = 0; clock.Elapsed.TotalSeconds < seconds; tick++)
        {
            var due = TimeSpan.FromSeconds((double)tick / rate);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            inFlight.Add(mix[tick % mix.Length]());
            if (inFlight.Count > 256) inFlight.RemoveAll(t => t.IsCompleted);
            if (clock.Elapsed.TotalSeconds >= nextSample) { rss.Add(((int)clock.Elapsed.TotalSeconds, RssMib())); nextSample += 5; }
        }
        await Task.WhenAll(inFlight);
        var elapsed = clock.Elapsed;
        await Task.Delay(5000); // the transfer worker applies the last accepts (poll 2 s)
        rss.Add(((int)clock.Elapsed.TotalSeconds, RssMib()));

        var reconcile = await ReconcileAsync(ShortUuid.Decode(dispensary), shop, vault, storeBatch, stock, front);
        File.WriteAllText(report, Report(elapsed, rss, reconcile));
        Console.WriteLine(File.ReadAllText(report));
        if (_serverErrors > 0 || _transportErrors > 0 || reconcile.Any(r => !r.Ok)) Environment.ExitCode = 1;
    }

    // ---- operations ----

    private async Task Import(HttpClient erp, HttpClient pos, string packaged)
    {
        var minted = await Call("mint", erp, HttpMethod.Post, "/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = packaged, quantity = 10 } } }, 201);
        if (minted is null) return;
        var caseUuid = (string)minted["case_uuid"]!;
        var uid = $"PKG-{Interlocked.Increment(ref _packages)}";
        var ok = await Call("import", pos, HttpMethod.Post, "/api/v1.2/caseids/import/", new
        {
            case_uuid = caseUuid, packaged_product_uuid = packaged, pos_product_id = "SOAK-1", pos_inventory_id = "INV-" + uid, package_uid = uid, sku = "SOAK",
        });
        if (ok is not null) foreach (var id in minted["contents"]![0]!["lucid_ids"]!.AsArray()) _inStock.Enqueue((string)id!);
    }

    private async Task Complete(HttpClient pos)
    {
        var items = new List<string>();
        while (items.Count < 2 && _inStock.TryDequeue(out var id)) items.Add(id);
        if (items.Count < 2) { foreach (var id in items) _inStock.Enqueue(id); Count("complete skipped (no stock yet)"); return; }
        var order = $"SOAK-{Interlocked.Increment(ref _orders)}";
        if (await Call("complete", pos, HttpMethod.Post, "/api/v1.2/transactions/complete/", new { order_id = order, performed_at = Now(), items }) is not null)
            _sold.Enqueue((order, items.ToArray()));
    }

    private async Task Return(HttpClient pos)
    {
        if (!_sold.TryDequeue(out var sale)) { Count("return skipped"); return; }
        if (await Call("return", pos, HttpMethod.Post, "/api/v1.2/transactions/return/", new { order_id = sale.Order, performed_at = Now(), items = sale.Items[..1] }) is not null)
            _inStock.Enqueue(sale.Items[0]);
    }

    private async Task Void(HttpClient pos)
    {
        if (!_sold.TryDequeue(out var sale)) { Count("void skipped"); return; }
        if (await Call("void", pos, HttpMethod.Post, "/api/v1.2/transactions/void/", new { order_id = sale.Order, performed_at = Now() }) is not null)
            foreach (var id in sale.Items) _inStock.Enqueue(id);
    }

    private Task StoreRead(HttpClient store, string inventory) =>
        Random.Shared.Next(2) == 0
            ? Call("store batches read", store, HttpMethod.Get, "/api/v1/partner/store/batches?limit=100", null)
            : Call("store quantities read", store, HttpMethod.Get, $"/api/v1/partner/store/batches/quantities?inventoryId={inventory}", null);

    private async Task Transfer(HttpClient store, string front, string vault, string employee, string product, string batch)
    {
        var created = await Call("transfer create", store, HttpMethod.Post, "/api/v1/partner/store/batches/transferInventory/", new
        {
            fromInventoryId = front, toInventoryId = vault, currentEmployeeId = employee,
            transferLogs = new[] { new { productId = product, fromBatchId = batch, transferAmount = 1 } },
        });
        if (created is null) return;
        await Call("transfer accept", store, HttpMethod.Post, $"/api/v1/partner/store/batches/transferInventory/{(string)created["id"]!}/accept", new { currentEmployeeId = employee });
    }

    private static string Now() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);

    private async Task<JsonNode?> Call(string name, HttpClient client, HttpMethod method, string url, object? body, int expected = 200)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(method, url);
            if (body is not null) request.Content = JsonContent.Create(body);
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            _latency.GetOrAdd(name, _ => []).Locked(l => l.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            Count($"{name} {status}");
            if (status >= 500) Interlocked.Increment(ref _serverErrors);
            return status == expected ? (text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)) : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Interlocked.Increment(ref _transportErrors);
            Count($"{name} transport error");
            return null;
        }
    }

    private void Count(string outcome) => _outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);

    private int Acknowledged(string name) => _outcomes.GetValueOrDefault($"{name} {(name == "mint" ? 201 : 200)}");

    // ---- reconciliation ----

    private sealed record Check(string What, long Acknowledged, long Recorded, bool Ok);

    private async Task<List<Check>> ReconcileAsync(Guid dispensary, string shop, string vault, string storeBatch, long stock, string front)
    {
        var options = new DbContextOptionsBuilder<AppDb>();
        Database.Configure(options, provider.Equals("postgres", StringComparison.OrdinalIgnoreCase) ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite, connectionString);
        await using var db = new AppDb(options.Options);
        var byType = await db.ItemEvents.Where(e => e.DispensaryId == dispensary && e.OrderId != null).GroupBy(e => e.Type).Select(g => new { g.Key, Count = g.LongCount() }).ToListAsync();
        long Tx(string type) => byType.SingleOrDefault(t => t.Key == TransactionTypes.All.Single(x => x.Name == type).Event)?.Count ?? 0;
        var imported = await db.InventoryPackages.LongCountAsync(p => p.DispensaryId == dispensary);
        var transfers = await db.InventoryTransfers.LongCountAsync(t => t.ShopId == shop);
        var applied = await db.InventoryTransfers.LongCountAsync(t => t.ShopId == shop && t.CompleteTransfer);
        var vaultQty = await db.BatchQuantities.Where(q => q.InventoryId == vault && q.BatchId == storeBatch).Select(q => q.Quantity).SingleOrDefaultAsync();
        var frontQty = await db.BatchQuantities.Where(q => q.InventoryId == front && q.BatchId == storeBatch).Select(q => q.Quantity).SingleAsync();
        var sold = await db.LucidItems.LongCountAsync(i => i.DispensaryId == dispensary && i.State == ItemStates.Sold);
        long expectSold = 2L * Acknowledged("complete") - Acknowledged("return");
        // A void puts back both items of a sale; a return one. Items of voided orders never returned first (returns and voids take distinct orders).
        expectSold -= 2L * Acknowledged("void");
        var scale = Qty.Scale;
        return
        [
            new("imports (case parts in inventory)", Acknowledged("import"), imported, Acknowledged("import") == imported),
            new("completes", Acknowledged("complete"), Tx("complete"), Acknowledged("complete") == Tx("complete")),
            new("returns", Acknowledged("return"), Tx("return"), Acknowledged("return") == Tx("return")),
            new("voids", Acknowledged("void"), Tx("void"), Acknowledged("void") == Tx("void")),
            new("LucidIDs sold now (2·completes − returns − 2·voids)", expectSold, sold, expectSold == sold),
            new("transfers created", Acknowledged("transfer create"), transfers, Acknowledged("transfer create") == transfers),
            new("transfers applied by the worker", Acknowledged("transfer accept"), applied, Acknowledged("transfer accept") == applied),
            new("units in the vault", Acknowledged("transfer accept"), vaultQty / scale, Acknowledged("transfer accept") * scale == vaultQty),
            new("units left in the front room", stock - Acknowledged("transfer accept"), frontQty / scale, (stock - Acknowledged("transfer accept")) * scale == frontQty),
        ];
    }

    private string Report(TimeSpan elapsed, List<(int Second, long Mib)> rss, List<Check> checks)
    {
        var sb = new StringBuilder();
        var total = _outcomes.Where(o => !o.Key.Contains("skipped")).Sum(o => o.Value);
        sb.AppendLine($"# Soak: {provider}, {elapsed.TotalSeconds:F0} s at {rate} operations/s ({DateTime.UtcNow:yyyy-MM-dd})");
        sb.AppendLine();
        sb.AppendLine($"Reproduce: `bench/soak.sh {provider} {seconds}`. Server and load driver share this machine's 2 cores on 127.0.0.1.");
        sb.AppendLine();
        sb.AppendLine($"- HTTP requests: {total} ({total / elapsed.TotalSeconds:F1}/s); **5xx: {_serverErrors}**; transport errors: {_transportErrors}");
        var first = rss.Skip(1).FirstOrDefault(rss[0]).Mib;
        sb.AppendLine($"- Server RSS (MiB) every 5 s: start {rss[0].Mib}, after warm-up {first}, max {rss.Max(r => r.Mib)}, end {rss[^1].Mib}");
        sb.AppendLine($"- Lost writes: **{checks.Count(c => !c.Ok)}** of {checks.Count} reconciliations differ");
        sb.AppendLine();
        sb.AppendLine("| reconciliation | acknowledged (HTTP) | recorded (database) | ok |");
        sb.AppendLine("|---|---:|---:|---|");
        foreach (var c in checks) sb.AppendLine($"| {c.What} | {c.Acknowledged} | {c.Recorded} | {(c.Ok ? "yes" : "**NO**")} |");
        sb.AppendLine();
        sb.AppendLine("| operation → status | count | p50 ms | p99 ms |");
        sb.AppendLine("|---|---:|---:|---:|");
        foreach (var (key, count) in _outcomes.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            var name = key[..key.LastIndexOf(' ')];
            var lat = !key.Contains("skipped") && _latency.TryGetValue(name, out var l) ? l.Locked(x => x.Order().ToList()) : [];
            string P(double q) => lat.Count == 0 ? "" : lat[(int)Math.Min(lat.Count - 1, q * lat.Count)].ToString("F1", CultureInfo.InvariantCulture);
            sb.AppendLine($"| {key} | {count} | {P(0.5)} | {P(0.99)} |");
        }
        sb.AppendLine();
        sb.AppendLine("RSS samples (s: MiB): " + string.Join(", ", rss.Select(r => $"{r.Second}: {r.Mib}")));
        return sb.ToString();
    }

    private long RssMib()
    {
        var line = File.ReadLines($"/proc/{serverPid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    private HttpClient Client(AuthenticationHeaderValue? auth)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = _http.BaseAddress, Timeout = _http.Timeout };
        client.DefaultRequestHeaders.Authorization = auth;
        return client;
    }

    private async Task<HttpClient> Bearer(JsonNode oauthClient)
    {
        using var response = await _http.PostAsync("/o/token/", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = (string)oauthClient["client_id"]!, ["client_secret"] = (string)oauthClient["client_secret"]!,
        }));
        var token = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return Client(new AuthenticationHeaderValue("Bearer", (string)token["access_token"]!));
    }

    private async Task<JsonNode> Post(HttpClient client, string url, object body)
    {
        using var response = await client.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {url} → {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }
}

internal static class LockedExtensions
{
    public static T Locked<TList, T>(this TList list, Func<TList, T> work) where TList : class { lock (list) return work(list); }
    public static void Locked<TList>(this TList list, Action<TList> work) where TList : class { lock (list) work(list); }
}
