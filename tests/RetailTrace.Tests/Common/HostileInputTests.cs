using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Common;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Common;

/// <summary>
/// Drives every endpoint of the route table (so new endpoints are covered automatically) with
/// hostile input — malformed and deeply nested JSON, wrong types, nulls, unknown fields, huge
/// strings and arrays, invalid UTF-8, numeric overflow, bad dates and ids in bodies, routes and
/// query strings — as an authenticated caller of the right kind, and asserts a 4xx (or success)
/// in the family's documented error shape: never a 5xx, never exception text.
/// </summary>
public abstract partial class HostileInputTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private const ulong Seed = 20261122;

    /// <summary>Field names of every family, so generated objects reach validation paths.</summary>
    private static readonly string[] FieldNames =
    [
        "case_uuid", "packaged_product_uuid", "pos_product_id", "pos_inventory_id", "package_uid", "sku", "items", "order_id",
        "performed_at", "customer_id", "budtender_id", "name", "regulatory_id", "produced_on", "brand_uuid", "product_uuid",
        "packaged_on", "digital_coa_uuids", "contents", "quantity", "lab_name", "tested_on", "document_url", "description",
        "published_on", "package_size", "images", "fromInventoryId", "toInventoryId", "toShopId", "currentEmployeeId",
        "transferLogs", "productId", "fromBatchId", "transferAmount", "status", "purchasedDate", "shop_id", "company_id",
        "batch_id", "inventory_id", "first_name", "last_name", "time_zone", "export_time", "package_uid_export_enabled",
        "dispensary_uuid", "brand_uuids", "default_brand_uuid", "cost", "sku", "unknown_field",
    ];

    private static Gen<JsonNode?> Scalar() => Gen.Elements<Func<JsonNode?>>(
        () => null, () => JsonValue.Create(true), () => JsonValue.Create(0), () => JsonValue.Create(-1),
        () => JsonValue.Create(long.MaxValue), () => JsonValue.Create(1.5e300), () => JsonValue.Create(-0.000001),
        () => JsonValue.Create(""), () => JsonValue.Create("   "), () => JsonValue.Create(new string('x', 300)),
        () => JsonValue.Create(new string('é', 5000)), () => JsonValue.Create("CXc85b4rqinB7s5J52TRYb"),
        () => JsonValue.Create("oZEq7ovRbLq6UnGMPwc8B6"), () => JsonValue.Create("65a1b2c3d4e5f6a7b8c9d0e1"),
        () => JsonValue.Create("2021-01-14T12:27:47-08:00"), () => JsonValue.Create("2021-02-30"), () => JsonValue.Create("9999-99-99T99:99"),
        () => JsonValue.Create("25:61"), () => JsonValue.Create("Not/AZone"), () => JsonValue.Create("\u0000\ud7ff"),
        () => JsonValue.Create("'; DROP TABLE brands; --")).Select(f => f());

    private static Gen<JsonNode?> Value(int depth) => depth <= 0 ? Scalar() : Gen.Frequency(
        (6, Scalar()),
        (2, Gen.ListOf(Value(depth - 1)).Select(list => (JsonNode?)new JsonArray(list.Select(n => n?.DeepClone()).ToArray()))),
        (2, ObjectGen(depth - 1).Select(o => (JsonNode?)o)));

    private static Gen<JsonObject> ObjectGen(int depth) =>
        Gen.ListOf(Gen.Zip(Gen.Elements(FieldNames), Value(depth))).Select(pairs =>
        {
            var obj = new JsonObject();
            foreach (var (k, v) in pairs) obj[k] = v?.DeepClone();
            return obj;
        });

    /// <summary>Fixed hostile bodies plus FsCheck-generated objects (same seed every run).</summary>
    private static IEnumerable<byte[]> Bodies()
    {
        string[] fixedBodies =
        [
            "", "{", "}", "[]", "null", "true", "123", "\"str\"", "{\"a\":}", "{'single':'quotes'}", "{\"items\":[1,2,}",
            "{\"name\": 1e99999}", "{\"quantity\": 123456789012345678901234567890}", "{\"transferAmount\": -5}",
            new string('[', 5000) + new string(']', 5000),
            "{\"a\":" + string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 201),
            "{\"items\": [" + string.Join(",", Enumerable.Range(0, 20_000).Select(i => $"\"{i}\"")) + "]}",
            "{\"name\": \"" + new string('n', 2_000_000) + "\"}",
        ];
        foreach (var b in fixedBodies) yield return Encoding.UTF8.GetBytes(b);
        yield return [0x7B, 0x22, 0x6E, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]; // {"n":"<invalid UTF-8>"}
        yield return [0xFF, 0xFE, 0x00];
        foreach (var obj in Gen.Sample(ObjectGen(3), 12, new Rnd(Seed), 40))
            yield return Encoding.UTF8.GetBytes(obj.ToJsonString());
    }

    private static readonly string[] RouteValues =
    [
        "CXc85b4rqinB7s5J52TRYb", "2222222222222222222222", "oZEq7ovRbLq6UnGMPwc8B6", "65a1b2c3d4e5f6a7b8c9d0e1", "x",
        "%25", "..", new string('9', 400), "-1", "%F0%9F%92%A9",
    ];

    private static readonly string[] Queries =
    [
        "", "?page=0", "?page=-1", "?page=abc", "?page=99999999999999999999", "?limit=-5&start=-1", "?limit=abc&skip=x",
        "?start=99999999999999999999", "?startDate=abc&endDate=-1", "?startDate=10&endDate=5", "?export_date=2021-13-45",
        "?export_date=9999-01-01", "?export_date=", "?batchId=" + new string('b', 5000), "?inventoryId=nope", "?term=%25%27%22",
        "?productId=&status=BOGUS", "?expires=abc&signature=zz",
    ];

    public static IEnumerable<(string Method, string Pattern)> Endpoints(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.Contains("**") && IsApi(raw))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, "/" + e.RoutePattern.RawText!.TrimStart('/'))))
            .Distinct()
            .OrderBy(x => x.Item2, StringComparer.Ordinal).ThenBy(x => x.m, StringComparer.Ordinal);

    private static bool IsApi(string raw) => raw.TrimStart('/') is var r &&
        (r.StartsWith("api/") || r.StartsWith("admin/") || r.StartsWith("o/token") || r.StartsWith("exports"));

    [Fact]
    public async Task Every_endpoint_answers_hostile_input_with_a_4xx_in_its_family_shape()
    {
        var callers = await CallersAsync(app);
        var endpoints = Endpoints(app.Services).ToList();
        Assert.NotEmpty(endpoints);
        var failures = new List<string>();
        var bodies = Bodies().ToList();
        var rnd = new System.Random((int)Seed);
        foreach (var (method, pattern) in endpoints)
        {
            var client = callers(pattern);
            var sends = new List<(string Url, byte[]? Body)>();
            foreach (var value in RouteValues) sends.Add((Fill(pattern, value) + Queries[rnd.Next(Queries.Length)], method == "GET" ? null : bodies[rnd.Next(bodies.Count)]));
            if (method == "GET") foreach (var q in Queries) sends.Add((Fill(pattern, RouteValues[rnd.Next(RouteValues.Length)]) + q, null));
            else foreach (var body in bodies) sends.Add((Fill(pattern, RouteValues[rnd.Next(RouteValues.Length)]), body));

            foreach (var (url, body) in sends)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), url);
                if (body is not null) request.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
                using var response = await client.SendAsync(request, Ct);
                var raw = await response.Content.ReadAsStringAsync(Ct);
                var problem = Check(url, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, raw);
                if (problem is not null) failures.Add($"{method} {url} [{Preview(body)}] → {(int)response.StatusCode}: {problem} :: {raw[..Math.Min(raw.Length, 300)]}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} hostile requests were mishandled:\n" + string.Join("\n", failures.Take(40)));
    }

    private static string? Check(string url, int status, string? mediaType, string raw)
    {
        if (status >= 500) return "server error";
        if (LeakedInternals().IsMatch(raw)) return "exception or SQL text in body";
        if (status < 400) return null;
        var path = new PathString(url.Split('?')[0]);
        if (path.StartsWithSegments("/o/token")) return raw.StartsWith("{\"error\":") ? null : "not an OAuth2 error";
        if (path.StartsWithSegments("/exports")) return null; // signed downloads answer plain 403/404
        JsonNode? node;
        try { node = JsonNode.Parse(raw); } catch (JsonException) { return "body is not JSON"; }
        return ApiErrors.FamilyOf(path) switch
        {
            ApiFamily.Drf => node is JsonObject or JsonArray ? null : "not a DRF body",
            ApiFamily.Blaze => node is JsonObject o && o.Select(p => p.Key).SequenceEqual(["field", "message", "errorType", "references"]) ? null : "not a BLAZE error",
            _ => mediaType == "application/problem+json" && (int?)node?["status"] == status ? null : "not a problem+json body",
        };
    }

    private static string Preview(byte[]? body) => body is null ? "" : Encoding.UTF8.GetString(body[..Math.Min(body.Length, 60)]);

    /// <summary>The route pattern with <paramref name="value"/> for every parameter.</summary>
    internal static string Fill(string pattern, string value) => RouteParameter().Replace(pattern, value);

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();

    // .NET/driver exception names, stack frames and database error text; BLAZE's documented errorType
    // names (com.fourtwenty.…Exception) are part of the contract and do not match.
    [GeneratedRegex(@"(System|Microsoft|Npgsql|RetailTrace)\.[\w.]*Exception|\s{3}at \w|SQLite Error|SqlState|syntax error at")]
    private static partial Regex LeakedInternals();

    /// <summary>An authenticated client of the kind each path expects, so input reaches the handlers.</summary>
    internal static async Task<Func<string, HttpClient>> CallersAsync(AppFixture app)
    {
        var dispensary = (await app.NewDispensaryAsync(exportEnabled: true)).Client;
        var brand = (await app.NewBrandAsync()).Client;
        var store = (await app.NewStoreAsync()).Client;
        var admin = app.AdminClient();
        var anonymous = app.Client();
        return path => path.StartsWith("/api/v1.2/") || path.StartsWith("/api/v1/collections/") ? dispensary
            : path.StartsWith("/api/v1.5/") ? brand
            : path.StartsWith("/api/v1/partner/store") ? store
            : path.StartsWith("/admin/") ? admin
            : anonymous;
    }
}

public sealed class HostileInputTestsOnSqlite(SqliteApp app) : HostileInputTests(app), IClassFixture<SqliteApp>;
public sealed class HostileInputTestsOnPostgres(PostgresApp app) : HostileInputTests(app), IClassFixture<PostgresApp>;
