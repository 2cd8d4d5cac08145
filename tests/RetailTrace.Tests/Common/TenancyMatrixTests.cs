using System.Data.Common;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Exports;
using RetailTrace.Tests.BrandApi;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Store;

namespace RetailTrace.Tests.Common;

/// <summary>
/// The tenancy matrix, generated from the route table: two complete worlds (A and B: a brand with its
/// catalog and minted case, a dispensary that imported, sold and exported it, a store company with stock,
/// rooms, an employee and a PENDING transfer). For every tenant endpoint and every id-bearing route
/// parameter, B calls with A's id (its other parameters its own) and gets 404 — exactly what an unknown
/// id gets. Id-bearing body and query fields are probed with A's ids too (answers in docs/DECISIONS.md).
/// No answer mentions an id of A that B did not send, and the whole database is byte-for-byte unchanged.
/// A route parameter without a mapping, or a write endpoint without body probes, fails the test:
/// new endpoints cannot slip through.
/// </summary>
public abstract partial class TenancyMatrixTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    /// <summary>Operator-wide or credential-addressed surfaces: no tenant owns what they address.</summary>
    private static readonly (string Prefix, string Reason)[] Excluded =
    [
        ("/admin/", "the admin API is operator-wide: one operator token sees every tenant by design"),
        ("/o/token/", "the token endpoint is addressed by client credentials, not by ids of tenant rows"),
    ];

    /// <summary>Route parameter (family, the literal segment before it, name) → the resource kinds whose ids it takes.</summary>
    private static readonly Dictionary<string, string[]> RouteIds = new()
    {
        ["v1.5 batches/{uuid}"] = ["batch"],
        ["v1.5 batches/{batchUuid}"] = ["batch"],
        ["v1.5 packaged-products/{uuid}"] = ["packaged"],
        ["v1.5 products/{uuid}"] = ["product"],
        ["v1.5 cases/{uuid}"] = ["case"],
        ["v1.5 lucidids/{lucidId}"] = ["lucid", "sold"],
        ["v1.2 lucidids/{lucidId}"] = ["lucid", "sold"],
        ["store batches/{productId}"] = ["storeProduct"],
        ["store transferInventory/{historyId}"] = ["transfer"],
        ["v1.2 webhook-endpoints/{id}"] = ["dispensaryWebhook"],
        ["v1.5 webhook-endpoints/{id}"] = ["brandWebhook"],
        ["store webhookEndpoints/{endpointId}"] = ["storeWebhook"],
        ["other case/{caseUuid}"] = ["case"],
    };

    /// <summary>Route ids whose documented foreign/unknown answer is not 404 (see docs/DECISIONS.md, Store API).</summary>
    private static readonly Dictionary<string, int> RouteIdStatus = new()
    {
        ["GET /api/v1/partner/store/batches/{productId}/batchQuantityInfo"] = 200, // a read that filters: []
    };

    private sealed record BodyProbe(string Name, Func<Func<string, string>, string> Body, int Status, bool LikeUnknown = true);

    private sealed record QueryProbe(string Name, Func<Func<string, string>, string> Query, int Status);

    /// <summary>
    /// Id-bearing body fields of every write endpoint, with A's ids (id(kind) gives A's id, or a fresh unknown
    /// one for the comparison call). Route parameters of these probes are B's own ids. LikeUnknown = false
    /// marks ids that are not tenant-owned (LucidIDs and cases are physical labels every dispensary may scan):
    /// their documented answer differs from an unknown id's, and the probe checks status, leaks and the database.
    /// </summary>
    private static Dictionary<string, BodyProbe[]> BodyProbes(World b) => new()
    {
        ["POST /api/v1.5/products/create/"] = [new("brand_uuid", id => Obj(("name", "P"), ("brand_uuid", id("brand"))), 400)],
        ["PUT /api/v1.5/products/{uuid}/update/"] = [], // no id-bearing fields: a product's brand is fixed at create
        ["PATCH /api/v1.5/products/{uuid}/update/"] = [],
        ["POST /api/v1.5/digital-coas/create/"] = [new("brand_uuid", id => Obj(("name", "C"), ("brand_uuid", id("brand"))), 400)],
        ["POST /api/v1.5/batches/create/"] =
        [
            new("brand_uuid", id => Obj(("name", "B"), ("brand_uuid", id("brand"))), 400),
            new("digital_coa_uuids", id => Obj(("name", "B"), ("digital_coa_uuids", new JsonArray(id("coa")))), 400),
        ],
        ["PUT /api/v1.5/batches/{uuid}/update/"] = [new("digital_coa_uuids", id => Obj(("digital_coa_uuids", new JsonArray(id("coa")))), 400)],
        ["PATCH /api/v1.5/batches/{uuid}/update/"] = [new("digital_coa_uuids", id => Obj(("digital_coa_uuids", new JsonArray(id("coa")))), 400)],
        ["POST /api/v1.5/batches/{batchUuid}/packaged-products/"] =
        [
            new("product_uuid", id => Obj(("product_uuid", id("product"))), 400),
            new("digital_coa_uuids", id => Obj(("product_uuid", b.Ids["product"]), ("digital_coa_uuids", new JsonArray(id("coa")))), 400),
        ],
        ["PUT /api/v1.5/batches/{batchUuid}/packaged-products/{uuid}/update/"] =
        [
            new("product_uuid", id => Obj(("product_uuid", id("product"))), 400),
            new("digital_coa_uuids", id => Obj(("digital_coa_uuids", new JsonArray(id("coa")))), 400),
        ],
        ["PATCH /api/v1.5/batches/{batchUuid}/packaged-products/{uuid}/update/"] = [new("product_uuid", id => Obj(("product_uuid", id("product"))), 400)],
        ["DELETE /api/v1.5/batches/{batchUuid}/packaged-products/{uuid}/delete/"] = [],
        ["POST /api/v1.5/cases/create/"] = [new("packaged_product_uuid", id => Obj(("contents", new JsonArray(Obj2(("packaged_product_uuid", id("packaged")), ("quantity", 1))))), 400)],
        ["POST /api/v1.2/caseids/import/"] =
        [
            new("A's imported case", id => Import(id("case"), id("packaged"), "PKG-B-2"), 400, LikeUnknown: false),
            new("A's packaged product in B's case", id => Import(b.Ids["case"], id("packaged"), "PKG-B-2"), 400),
        ],
        ["POST /api/v1.2/caseids/import/remove/"] =
        [
            new("A's package_uid", id => Obj(("case_uuid", id("case")), ("package_uid", id("packageUid"))), 400),
            new("A's case under B's package_uid", id => Obj(("case_uuid", id("case")), ("package_uid", b.Ids["packageUid"])), 400),
        ],
        ["POST /api/v1.2/transactions/complete/"] =
        [
            new("an item in A's inventory", id => Sale(id("orderId") + "-B", id("lucid")), 400, LikeUnknown: false),
            new("an item A sold", id => Sale(id("orderId") + "-B", id("sold")), 400, LikeUnknown: false),
        ],
        ["POST /api/v1.2/transactions/void/"] = [new("A's order_id", id => Obj(("order_id", id("orderId")), ("performed_at", "2024-01-01T10:00:00Z")), 400)],
        ["POST /api/v1.2/transactions/return/"] = [new("A's order_id and item", id => Sale(id("orderId"), id("sold")), 400)],
        ["POST /api/v1/partner/store/batches/transferInventory/"] = TransferProbes(b),
        ["PUT /api/v1/partner/store/batches/transferInventory/{historyId}"] = TransferProbes(b),
        ["POST /api/v1/partner/store/batches/transferInventory/{historyId}/accept"] = [new("currentEmployeeId", id => Obj(("currentEmployeeId", id("employee"))), 400)],
        ["POST /api/v1/partner/store/batches/transferInventory/{historyId}/decline"] = [new("currentEmployeeId", id => Obj(("currentEmployeeId", id("employee"))), 400)],
        // Webhook endpoints: the owner is the caller (a brand client may name one of its brands); no other id-bearing fields.
        ["POST /api/v1.2/webhook-endpoints/"] = [],
        ["PATCH /api/v1.2/webhook-endpoints/{id}/"] = [],
        ["DELETE /api/v1.2/webhook-endpoints/{id}/"] = [],
        ["POST /api/v1.2/webhook-endpoints/{id}/rotate-secret/"] = [],
        ["POST /api/v1.5/webhook-endpoints/"] = [new("brand_uuid", id => Obj(("url", "https://hooks.example.com/b"), ("events", new JsonArray("lucidid.sold")), ("brand_uuid", id("brand"))), 400)],
        ["PATCH /api/v1.5/webhook-endpoints/{id}/"] = [],
        ["DELETE /api/v1.5/webhook-endpoints/{id}/"] = [],
        ["POST /api/v1.5/webhook-endpoints/{id}/rotate-secret/"] = [],
        ["POST /api/v1/partner/store/webhookEndpoints/"] = [],
        ["PATCH /api/v1/partner/store/webhookEndpoints/{endpointId}"] = [],
        ["DELETE /api/v1/partner/store/webhookEndpoints/{endpointId}"] = [],
        ["POST /api/v1/partner/store/webhookEndpoints/{endpointId}/rotateSecret"] = [],
    };

    private static BodyProbe[] TransferProbes(World b) =>
    [
        new("fromInventoryId", id => Transfer(b, from: id("inventory")), 400),
        new("toInventoryId", id => Transfer(b, to: id("inventory")), 400),
        new("toShopId", id => Transfer(b, toShop: id("shop")), 400),
        new("currentEmployeeId", id => Transfer(b, employee: id("employee")), 400),
        new("transferLogs.productId", id => Transfer(b, product: id("storeProduct"), batch: null), 400),
        new("transferLogs.fromBatchId", id => Transfer(b, batch: id("storeBatch")), 400),
    ];

    /// <summary>Id-bearing query parameters: reads filter (empty answer like an unknown id), the inventory room is checked (400).</summary>
    private static readonly Dictionary<string, QueryProbe[]> QueryProbes = new()
    {
        ["GET /api/v1/partner/store/batches/"] =
        [
            new("batchId", id => "?batchId=" + id("storeBatch"), 200), new("productId", id => "?productId=" + id("storeProduct"), 200),
            new("term", id => "?term=" + id("storeBatch"), 200),
        ],
        ["GET /api/v1/partner/store/batches/quantities"] = [new("inventoryId", id => "?inventoryId=" + id("inventory"), 400)],
    };

    [Fact]
    public async Task Another_tenant_gets_404_for_every_id_and_changes_nothing()
    {
        var a = await BuildWorldAsync("A");
        var b = await BuildWorldAsync("B");
        var before = await SnapshotAsync();

        var failures = new List<string>();
        var bodyProbes = BodyProbes(b);
        var endpoints = HostileInputTests.Endpoints(app.Services).ToList();
        var known = endpoints.Select(e => $"{e.Method} {e.Pattern}").ToHashSet();
        failures.AddRange(bodyProbes.Keys.Concat(QueryProbes.Keys).Where(k => !known.Contains(k)).Select(k => $"{k}: probes declared for an endpoint that does not exist"));
        var calls = 0;
        foreach (var (method, pattern) in endpoints)
        {
            var key = $"{method} {pattern}";
            if (Excluded.Any(x => pattern.StartsWith(x.Prefix, StringComparison.Ordinal))) continue;
            var caller = b.CallerFor(pattern);
            var parameters = RouteParameter().Matches(pattern).Select(m => (Token: m.Value, Key: ParameterKey(pattern, m))).ToList();
            var unmapped = parameters.Where(p => !RouteIds.ContainsKey(p.Key)).ToList();
            if (unmapped.Count > 0)
            {
                failures.Add($"{key}: route parameter(s) {string.Join(", ", unmapped.Select(p => p.Key))} have no tenancy mapping (add them to RouteIds)");
                continue;
            }
            var ownUrl = Fill(pattern, parameters, p => b.Ids[RouteIds[p.Key][0]]);
            var validBody = ValidBody(b, key);

            // Route ids: each parameter in turn takes A's id (and an unknown id), the others B's own.
            foreach (var p in parameters)
                foreach (var kind in RouteIds[p.Key])
                {
                    var expected = RouteIdStatus.GetValueOrDefault(key, 404);
                    string Url(Func<string, string> id) => Fill(pattern, parameters, q => q == p ? id(kind) : b.Ids[RouteIds[q.Key][0]]);
                    failures.AddRange(await ProbeAsync(caller, method, Url, _ => validBody, expected, likeUnknown: true, $"{key} {p.Key}={kind} of A", a));
                    calls++;
                }

            if (method != "GET")
            {
                if (!bodyProbes.TryGetValue(key, out var probes))
                {
                    failures.Add($"{key}: write endpoint without declared body probes (add its id-bearing fields, or [] when it has none, to BodyProbes)");
                    continue;
                }
                foreach (var probe in probes)
                {
                    failures.AddRange(await ProbeAsync(caller, method, _ => ownUrl, probe.Body, probe.Status, probe.LikeUnknown, $"{key} body {probe.Name} of A", a));
                    calls++;
                }
            }
            else
            {
                failures.AddRange(await ProbeAsync(caller, method, _ => ownUrl, _ => null, null, likeUnknown: false, $"{key} as B", a));
                foreach (var probe in QueryProbes.GetValueOrDefault(key, []))
                {
                    failures.AddRange(await ProbeAsync(caller, method, id => ownUrl + probe.Query(id), _ => null, probe.Status, likeUnknown: true, $"{key} query {probe.Name} of A", a));
                    calls++;
                }
            }
        }

        var after = await SnapshotAsync();
        failures.AddRange(before.Keys.Where(t => before[t] != after[t]).Select(t => $"B's probes changed table {t}"));
        Assert.True(failures.Count == 0, $"{failures.Count} tenancy violations:\n" + string.Join("\n", failures.Take(40)));
        Assert.True(calls > 40, $"only {calls} probes ran");
    }

    /// <summary>
    /// One probe: as B, with A's ids in place; then, when <paramref name="likeUnknown"/>, the same call with fresh
    /// unknown ids in their place must answer identically (status and body, ids masked). No answer may name an id
    /// of A that the request did not carry.
    /// </summary>
    private static async Task<IEnumerable<string>> ProbeAsync(HttpClient caller, string method, Func<Func<string, string>, string> url,
        Func<Func<string, string>, string?> body, int? expected, bool likeUnknown, string name, World a)
    {
        var problems = new List<string>();
        var sentA = new Dictionary<string, string>();
        var sentUnknown = new Dictionary<string, string>();
        string AId(string kind) => sentA[kind] = a.Ids[kind];
        string UnknownId(string kind) => sentUnknown.TryGetValue(kind, out var v) ? v : sentUnknown[kind] = World.UnknownId(kind);

        var (status, raw) = await CallAsync(caller, method, url(AId), body(AId));
        if (status >= 500) problems.Add($"{name}: {status} {raw}");
        if (expected is { } e && status != e) problems.Add($"{name}: expected {e}, got {status} {Trim(raw)}");
        var leaked = a.Ids.Values.Where(id => raw.Contains(id, StringComparison.Ordinal) && !sentA.ContainsValue(id)).ToList();
        if (leaked.Count > 0) problems.Add($"{name}: the answer names A's ids {string.Join(", ", leaked)}: {Trim(raw)}");
        if (!likeUnknown) return problems;

        var (unknownStatus, unknownRaw) = await CallAsync(caller, method, url(UnknownId), body(UnknownId));
        var masked = Mask(raw, sentA);
        var maskedUnknown = Mask(unknownRaw, sentUnknown);
        if (status != unknownStatus || masked != maskedUnknown)
            problems.Add($"{name}: A's id answers {status} {Trim(masked)} but an unknown id answers {unknownStatus} {Trim(maskedUnknown)}");
        return problems;
    }

    private static string Mask(string raw, Dictionary<string, string> ids) =>
        ids.Aggregate(raw, (text, kv) => text.Replace(kv.Value, "<" + kv.Key + ">", StringComparison.Ordinal));

    private static string Trim(string raw) => raw.Length <= 300 ? raw : raw[..300] + "…";

    private static async Task<(int Status, string Raw)> CallAsync(HttpClient client, string method, string url, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request, Ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>A body that B's own call of the endpoint would accept, so route ids are what the answer turns on.</summary>
    private static string? ValidBody(World b, string key) => key switch
    {
        _ when key.StartsWith("GET ", StringComparison.Ordinal) || key.StartsWith("DELETE ", StringComparison.Ordinal) => null,
        _ when key.EndsWith("/accept", StringComparison.Ordinal) || key.EndsWith("/decline", StringComparison.Ordinal) => Obj(("currentEmployeeId", b.Ids["employee"])),
        "PUT /api/v1/partner/store/batches/transferInventory/{historyId}" => Transfer(b),
        "POST /api/v1.5/batches/{batchUuid}/packaged-products/" => Obj(("product_uuid", b.Ids["product"])),
        _ when key.Contains("packaged-products", StringComparison.Ordinal) => Obj(("regulatory_id", "R-1")),
        _ => Obj(("name", "Renamed")),
    };

    private static string ParameterKey(string pattern, Match parameter)
    {
        var family = pattern.StartsWith("/api/v1.2/", StringComparison.Ordinal) ? "v1.2"
            : pattern.StartsWith("/api/v1.5/", StringComparison.Ordinal) ? "v1.5"
            : pattern.StartsWith("/api/v1/partner/store", StringComparison.Ordinal) ? "store" : "other";
        var before = pattern[..parameter.Index].TrimEnd('/');
        return $"{family} {before[(before.LastIndexOf('/') + 1)..]}/{parameter.Value}";
    }

    private static string Fill(string pattern, List<(string Token, string Key)> parameters, Func<(string Token, string Key), string> value) =>
        parameters.Aggregate(pattern, (url, p) => url.Replace(p.Token, Uri.EscapeDataString(value(p)), StringComparison.Ordinal));

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();

    // ---- bodies ----

    private static string Obj(params (string Key, JsonNode? Value)[] fields)
    {
        var o = new JsonObject();
        foreach (var (k, v) in fields) o[k] = v;
        return o.ToJsonString();
    }

    private static JsonObject Obj2(params (string Key, JsonNode? Value)[] fields) => (JsonObject)JsonNode.Parse(Obj(fields))!;

    private static string Import(string caseUuid, string packaged, string packageUid) => Obj(("case_uuid", caseUuid), ("packaged_product_uuid", packaged),
        ("pos_product_id", "POS-1"), ("pos_inventory_id", "INV-1"), ("package_uid", packageUid), ("sku", "SKU-1"));

    private static string Sale(string orderId, string item) => Obj(("order_id", orderId), ("performed_at", "2024-01-01T10:00:00Z"), ("items", new JsonArray(item)));

    private static string Transfer(World b, string? from = null, string? to = null, string? toShop = null, string? employee = null, string? product = null, string? batch = "own")
    {
        var log = Obj2(("productId", product ?? b.Ids["storeProduct"]), ("transferAmount", 1));
        if (batch is not null) log["fromBatchId"] = batch == "own" ? b.Ids["storeBatch"] : batch;
        var body = Obj2(("fromInventoryId", from ?? b.Ids["inventory"]), ("toInventoryId", to ?? b.Ids["vault"]),
            ("currentEmployeeId", employee ?? b.Ids["employee"]), ("transferLogs", new JsonArray(log)));
        if (toShop is not null) body["toShopId"] = toShop;
        return body.ToJsonString();
    }

    // ---- worlds ----

    private sealed record World(Dictionary<string, string> Ids, HttpClient Brand, HttpClient Dispensary, HttpClient Store)
    {
        private static readonly HashSet<string> ObjectIdKinds = ["company", "shop", "inventory", "vault", "employee", "storeProduct", "storeBatch", "transfer", "storeWebhook"];

        public HttpClient CallerFor(string pattern) =>
            pattern.StartsWith("/api/v1.2/", StringComparison.Ordinal) ? Dispensary
            : pattern.StartsWith("/api/v1.5/", StringComparison.Ordinal) ? Brand
            : pattern.StartsWith("/api/v1/partner/store", StringComparison.Ordinal) ? Store
            // The case lookup is tenant-scoped for brands; a dispensary may look up any case (a physical label it scans).
            : pattern.StartsWith("/api/v1/collections/", StringComparison.Ordinal) ? Brand
            : throw new InvalidOperationException($"{pattern}: no tenant caller for this family (add one, or exclude it with a reason)");

        public static string UnknownId(string kind) =>
            ObjectIdKinds.Contains(kind) ? ObjectId.NewId()
            : kind is "packageUid" or "orderId" ? $"{kind}-{Guid.NewGuid():N}"
            : ShortUuid.NewId();
    }

    private async Task<World> BuildWorldAsync(string tag)
    {
        var ids = new Dictionary<string, string>();
        var brand = await app.NewBrandAsync();
        ids["brand"] = brand.BrandUuid;
        ids["product"] = (await brand.NewProductAsync()).Uuid();
        ids["coa"] = (await brand.NewCoaAsync()).Uuid();
        ids["batch"] = (await brand.Client.CreatedAsync("/api/v1.5/batches/create/", new { name = "Batch " + tag, digital_coa_uuids = new[] { ids["coa"] } })).Uuid();
        ids["packaged"] = (await brand.Client.CreatedAsync($"/api/v1.5/batches/{ids["batch"]}/packaged-products/",
            new { product_uuid = ids["product"], digital_coa_uuids = new[] { ids["coa"] } })).Uuid();
        var minted = await brand.Client.CreatedAsync("/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = ids["packaged"], quantity = 3 } } });
        ids["case"] = (string)minted["case_uuid"]!;
        var lucidIds = minted["contents"]![0]!["lucid_ids"]!.AsArray().Select(n => (string)n!).ToList();

        var dispensary = await app.NewDispensaryAsync(exportEnabled: true);
        ids["dispensary"] = dispensary.Uuid;
        ids["packageUid"] = $"PKG-{tag}-{Guid.NewGuid():N}";
        ids["orderId"] = $"ORDER-{tag}-{Guid.NewGuid():N}";
        await Ok(dispensary.Client.PostRawAsync("/api/v1.2/caseids/import/", Import(ids["case"], ids["packaged"], ids["packageUid"])));
        await Ok(dispensary.Client.PostRawAsync("/api/v1.2/transactions/complete/", Sale(ids["orderId"], lucidIds[0])));
        ids["sold"] = lucidIds[0];
        ids["lucid"] = lucidIds[1];
        var (runStatus, _, runRaw) = await app.AdminClient().PostJsonAsync($"/admin/v1/dispensaries/{dispensary.Uuid}/package-uid-exports");
        Assert.True(runStatus == 202, runRaw);
        await app.Services.GetRequiredService<ExportScheduler>().DrainAsync();
        var (exportStatus, _, exportRaw) = await dispensary.Client.GetJsonAsync("/api/v1.2/package-uids-export/");
        Assert.True(exportStatus == 200, exportRaw);

        var store = await app.NewStoreAsync();
        ids["company"] = store.CompanyId;
        ids["shop"] = store.ShopId;
        ids["inventory"] = store.FrontRoomId;
        ids["vault"] = store.VaultId;
        ids["employee"] = store.EmployeeId;
        (ids["storeProduct"], ids["storeBatch"]) = await app.StockAsync(store, 100);
        var world = new World(ids, brand.Client, dispensary.Client, store.Client);
        var (transferStatus, transfer, transferRaw) = await store.Client.SendAsync(HttpMethod.Post, "/api/v1/partner/store/batches/transferInventory/", rawBody: Transfer(world));
        Assert.True(transferStatus == 200, transferRaw);
        ids["transfer"] = (string)transfer!["id"]!;
        string[] events = ["lucidid.sold"];
        ids["dispensaryWebhook"] = await EndpointAsync(dispensary.Client, "/api/v1.2/webhook-endpoints/", events);
        ids["brandWebhook"] = await EndpointAsync(brand.Client, "/api/v1.5/webhook-endpoints/", events);
        ids["storeWebhook"] = await EndpointAsync(store.Client, "/api/v1/partner/store/webhookEndpoints/", ["transfer.created"]);
        return world;
    }

    private static async Task<string> EndpointAsync(HttpClient tenant, string collection, string[] events)
    {
        var (status, body, raw) = await tenant.PostRawAsync(collection, Obj(("url", "https://hooks.example.com/" + Guid.NewGuid().ToString("N")), ("events", new JsonArray([.. events.Select(e => (JsonNode)e!)]))));
        Assert.True(status is 200 or 201, raw);
        return (string)body!["id"]!;
    }

    private static async Task Ok(Task<(int Status, JsonNode? Body, string Raw)> call)
    {
        var (status, _, raw) = await call;
        Assert.True(status == 200, raw);
    }

    /// <summary>Every table's rows as sorted text: the whole database, to prove nothing changed.</summary>
    private Task<Dictionary<string, string>> SnapshotAsync() => app.WithDbAsync(async db =>
    {
        var tables = db.Model.GetEntityTypes().Select(t => t.GetTableName()).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(Ct);
        var snapshot = new Dictionary<string, string>();
        foreach (var table in tables)
        {
            await using DbCommand command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await command.ExecuteReaderAsync(Ct);
            var rows = new List<string>();
            while (await reader.ReadAsync(Ct))
                rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "∅" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
            rows.Sort(StringComparer.Ordinal);
            snapshot[table] = string.Join("\n", rows);
        }
        return snapshot;
    });
}

public sealed class TenancyMatrixTestsOnSqlite(SqliteApp app) : TenancyMatrixTests(app), IClassFixture<SqliteApp>;
public sealed class TenancyMatrixTestsOnPostgres(PostgresApp app) : TenancyMatrixTests(app), IClassFixture<PostgresApp>;
