using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RetailTrace.Bench;

/// <summary>
/// Issue 26 item 1, black-box: every write endpoint of the OpenAPI document in turn receives 20 concurrent senders of
/// maximal hostile bodies (the 9.5 MB body of 5,000,000 values, announced and chunked, and a body at the family's byte
/// limit made of values only), with valid credentials, while one client keeps selling two LucidIDs at a time. Reports
/// the server's peak RSS above idle (VmHWM after a reset, and VmRSS sampled every 50 ms), the sale's latency, and the
/// answers; exits 1 on a 5xx or a missed goal (peak &lt; 300 MB above idle, sale p99 &lt; 250 ms).
/// </summary>
public sealed partial class MemoryAttack(string baseUrl, string adminToken, int serverPid, string report)
{
    private const int Senders = 20;
    private const string FakeId = "CXc85b4rqinB7s5J52TRYb";
    private static readonly byte[] FiveMillionValues = Values(5_000_000);
    private static readonly byte[] AtTheLimit = Values(125_000); // 250 KB: within the LucidGreen and BLAZE byte limit

    private readonly ConcurrentDictionary<string, int> _answers = new();
    private readonly ConcurrentBag<double> _sales = new();
    private readonly ConcurrentQueue<string> _stock = new();
    private int _serverErrors, _saleFailures, _orders;

    public async Task RunAsync()
    {
        var admin = Client(new AuthenticationHeaderValue("Bearer", adminToken));
        var anonymous = Client(null);
        var brand = (string)(await Post(admin, "/admin/v1/brands", new { name = "Attack Brand" }))["uuid"]!;
        var erp = await Bearer(await Post(admin, "/admin/v1/oauth-clients", new { name = "attack-erp", brand_uuids = new[] { brand }, default_brand_uuid = brand }));
        var dispensary = (string)(await Post(admin, "/admin/v1/dispensaries", new { name = "Attack Dispensary" }))["uuid"]!;
        var pos = await Bearer(await Post(admin, "/admin/v1/oauth-clients", new { name = "attack-pos", dispensary_uuid = dispensary }));
        var product = (string)(await Post(erp, "/api/v1.5/products/create/", new { name = "Attack Gummies" }))["uuid"]!;
        var batch = (string)(await Post(erp, "/api/v1.5/batches/create/", new { name = "Attack Batch" }))["uuid"]!;
        var packaged = (string)(await Post(erp, $"/api/v1.5/batches/{batch}/packaged-products/", new { product_uuid = product }))["uuid"]!;
        var minted = await Post(erp, "/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = packaged, quantity = 5_000 } } });
        await Post(pos, "/api/v1.2/caseids/import/", new
        {
            case_uuid = (string)minted["case_uuid"]!, packaged_product_uuid = packaged, pos_product_id = "ATTACK-1", pos_inventory_id = "INV-1", package_uid = "PKG-1", sku = "ATTACK",
        });
        foreach (var id in minted["contents"]![0]!["lucid_ids"]!.AsArray()) _stock.Enqueue((string)id!);

        var company = (string)(await Post(admin, "/admin/v1/companies", new { name = "Attack Co" }))["id"]!;
        var shop = (string)(await Post(admin, "/admin/v1/shops", new { company_id = company, name = "Attack Shop" }))["id"]!;
        var partnerKey = (string)(await Post(admin, "/admin/v1/partners", new { name = "Attack Partner" }))["partner_key"]!;
        var devKey = (string)(await Post(admin, "/admin/v1/developer-keys", new { shop_id = shop }))["developer_key"]!;
        var store = Client(null);
        store.DefaultRequestHeaders.Add("partner_key", partnerKey);
        store.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", devKey);
        HttpClient CallerOf(string path) => path.StartsWith("/api/v1.2/") || path.StartsWith("/api/v1/collections/") ? pos
            : path.StartsWith("/api/v1.5/") ? erp
            : path.StartsWith("/api/v1/partner/store") ? store
            : path.StartsWith("/admin/") ? admin
            : anonymous;

        var writes = await WriteEndpointsAsync(anonymous);
        for (var i = 0; i < 50; i++) await SellAsync(pos, record: false); // warm-up: the sale's path is compiled before the measure
        // The same sales for 10 s without the attack: on a shared machine, the reference the attack's figures compare with.
        var quiet = Stopwatch.StartNew();
        while (quiet.Elapsed.TotalSeconds < 10) { await SellAsync(pos, record: true); await Task.Delay(20); }
        var calm = _sales.OrderBy(x => x).ToArray();
        _sales.Clear();
        var loadBefore = File.ReadAllText("/proc/loadavg").Trim();
        GC.Collect();
        await Task.Delay(2000);
        var idle = Status("VmRSS");
        File.WriteAllText($"/proc/{serverPid}/clear_refs", "5"); // resets VmHWM to the current RSS

        var sampled = idle;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested) { sampled = Math.Max(sampled, Status("VmRSS")); await Task.Delay(50); }
        });
        var seller = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested) { await SellAsync(pos, record: true); await Task.Delay(20); }
        });
        var clock = Stopwatch.StartNew();
        foreach (var (method, path) in writes)
        {
            var client = CallerOf(path);
            await Task.WhenAll(Enumerable.Range(0, Senders).Select(async i =>
            {
                await SendAsync(client, method, path, FiveMillionValues, chunked: false);
                await SendAsync(client, method, path, FiveMillionValues, chunked: true);
                await SendAsync(client, method, path, AtTheLimit, chunked: false);
            }));
        }
        var attack = clock.Elapsed;
        stop.Cancel();
        await Task.WhenAll(sampler, seller);
        var peak = Status("VmHWM");
        await Task.Delay(5000);
        var after = Status("VmRSS");

        var sales = _sales.OrderBy(x => x).ToArray();
        var loadAfter = File.ReadAllText("/proc/loadavg").Trim();
        double P(double q) => Percentile(sales, q);
        var peakAbove = Math.Max(peak, sampled) - idle;
        var ok = _serverErrors == 0 && _saleFailures == 0 && peakAbove < 300 && P(0.99) < 250;
        var text = new StringBuilder()
            .AppendLine($"## Memory attack ({DateTime.UtcNow:yyyy-MM-dd}, {Environment.GetEnvironmentVariable("PROVIDER") ?? "?"}, commit {Environment.GetEnvironmentVariable("COMMIT") ?? "?"})")
            .AppendLine()
            .AppendLine($"`bench/memory-attack.sh`: {writes.Count} write endpoints of `/openapi/v1.json`, one after another, each sent by {Senders} concurrent clients "
                + "(valid credentials of its family) a 9.5 MB body of 5,000,000 values with its length, the same body chunked, and a 250 KB body of 125,000 values; "
                + $"meanwhile one client sells two LucidIDs every 20 ms. Attack: {attack.TotalSeconds:F0} s. Machine: {Environment.ProcessorCount} cores; these clients ran at CPU priority (nice) {Nice()}, the server at 0.")
            .AppendLine()
            .AppendLine("| measure | value | goal |")
            .AppendLine("|---|---|---|")
            .AppendLine($"| server RSS idle, before the attack | {idle} MiB | — |")
            .AppendLine($"| peak RSS above idle (VmHWM; sampled VmRSS max {sampled - idle}) | {peakAbove} MiB | < 300 MiB |")
            .AppendLine($"| RSS 5 s after the attack | {after} MiB | — |")
            .AppendLine($"| legitimate sales during the attack | {sales.Length} ({_saleFailures} failed) | 0 failed |")
            .AppendLine($"| sale latency p50 / p99 / max | {P(0.5):F1} / {P(0.99):F1} / {(sales.Length > 0 ? sales[^1] : double.NaN):F1} ms | p99 < 250 ms |")
            .AppendLine($"| the same sales for 10 s before the attack: p50 / p99 / max | {Percentile(calm, 0.5):F1} / {Percentile(calm, 0.99):F1} / {(calm.Length > 0 ? calm[^1] : double.NaN):F1} ms ({calm.Length} sales) | — |")
            .AppendLine($"| 5xx answers | {_serverErrors} | 0 |")
            .AppendLine($"| load average (/proc/loadavg) before / after the attack | {loadBefore} / {loadAfter} | — |")
            .AppendLine()
            .AppendLine("Answers to the hostile bodies: " + string.Join(", ", _answers.OrderByDescending(a => a.Value).Select(a => $"{a.Key} × {a.Value}")) + ".")
            .AppendLine()
            .AppendLine(ok ? "All goals met." : "GOALS MISSED.")
            .AppendLine();
        File.WriteAllText(report, text.ToString());
        Console.WriteLine(text);
        if (!ok) Environment.ExitCode = 1;

        HttpClient Client(AuthenticationHeaderValue? auth)
        {
            var c = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
            c.DefaultRequestHeaders.Authorization = auth;
            return c;
        }

        async Task<HttpClient> Bearer(JsonNode oauthClient)
        {
            using var token = await anonymous.PostAsync("/o/token/", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = (string)oauthClient["client_id"]!, ["client_secret"] = (string)oauthClient["client_secret"]!,
            }));
            token.EnsureSuccessStatusCode();
            return Client(new AuthenticationHeaderValue("Bearer", (string)(await token.Content.ReadFromJsonAsync<JsonNode>())!["access_token"]!));
        }
    }

    /// <summary>POST, PUT and PATCH operations of the combined document, path parameters filled with a well-formed id.</summary>
    private static async Task<List<(HttpMethod, string)>> WriteEndpointsAsync(HttpClient http)
    {
        var doc = (await http.GetFromJsonAsync<JsonNode>("/openapi/v1.json"))!;
        var writes = new List<(HttpMethod, string)>();
        foreach (var (path, item) in doc["paths"]!.AsObject())
            foreach (var method in new[] { "post", "put", "patch" })
                if (item![method] is not null) writes.Add((new HttpMethod(method.ToUpperInvariant()), PathParameter().Replace(path, FakeId)));
        return writes;
    }

    private async Task SellAsync(HttpClient pos, bool record)
    {
        if (!_stock.TryDequeue(out var a) || !_stock.TryDequeue(out var b)) return;
        var order = $"ATTACK-{Interlocked.Increment(ref _orders)}";
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await pos.PostAsJsonAsync("/api/v1.2/transactions/complete/", new
            {
                order_id = order, performed_at = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture), items = new[] { a, b },
            });
            if (!response.IsSuccessStatusCode) Interlocked.Increment(ref _saleFailures);
        }
        catch (HttpRequestException) { Interlocked.Increment(ref _saleFailures); }
        if (record) _sales.Add(watch.Elapsed.TotalMilliseconds);
    }

    private async Task SendAsync(HttpClient client, HttpMethod method, string path, byte[] body, bool chunked)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = chunked ? new StreamContent(new UnknownLength(body)) : new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        string outcome;
        try
        {
            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            if (status >= 500) Interlocked.Increment(ref _serverErrors);
            outcome = status.ToString(CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            // The server answered before reading the whole body and closed the connection while it was still being sent.
            outcome = "connection closed while sending";
        }
        _answers.AddOrUpdate(outcome, 1, (_, n) => n + 1);
    }

    private long Status(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{serverPid}/status"))
            if (line.StartsWith(field + ":")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        throw new InvalidOperationException($"no {field} for process {serverPid}");
    }

    /// <summary>This process's nice value: field 19 of /proc/self/stat, counted after the command name's closing parenthesis.</summary>
    private static string Nice() => File.ReadAllText("/proc/self/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[16];

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private static byte[] Values(int count)
    {
        var body = new StringBuilder(count * 2 + 16).Append("{\"items\":[");
        for (var i = 0; i < count; i++) body.Append(i == 0 ? "0" : ",0");
        return Encoding.ASCII.GetBytes(body.Append("]}").ToString());
    }

    private static async Task<JsonNode> Post(HttpClient client, string url, object body)
    {
        using var response = await client.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {url} → {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex PathParameter();

    /// <summary>The body without a length, so the client sends it chunked.</summary>
    private sealed class UnknownLength(byte[] body) : MemoryStream(body, writable: false)
    {
        public override bool CanSeek => false;
    }
}
