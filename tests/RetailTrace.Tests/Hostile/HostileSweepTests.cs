using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using RetailTrace.Common;
using RetailTrace.Tests.Common;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Hostile;

/// <summary>
/// Every route of the app (read from the route table, so a new endpoint is swept without a new test) with a valid
/// credential of its family, sent each class of hostile input: invalid UTF-8, a lone surrogate, NUL characters,
/// duplicate keys, wrong types, huge numbers, huge arrays, deep nesting, a wrong content type, NUL in the query
/// and the path. No answer is a 5xx, and every refusal has the family's error shape.
/// </summary>
public abstract class HostileSweepTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private const string Id = "CXc85b4rqinB7s5J52TRYb";

    private static readonly string[] Fields =
    [
        "name", "items", "contents", "quantity", "case_uuid", "package_uid", "order_id", "performed_at", "url", "events",
        "transferLogs", "fromInventoryId", "currentEmployeeId", "transferAmount", "shop_id", "company_id", "productId",
        "brand_uuid", "packaged_product_uuid", "digital_coa_uuids", "cost", "enabled", "time_zone", "grant_type",
    ];

    private static string Each(Func<string, string> value) => "{" + string.Join(",", Fields.Select(f => $"\"{f}\":{value(f)}")) + "}";

    /// <summary>Bodies every write endpoint must refuse with 400 (or 413), whatever it reads.</summary>
    public static readonly (string Name, byte[] Body)[] Refused =
    [
        ("invalid UTF-8", [.. "{\"name\":\""u8, 0xC3, 0x28, .. "\"}"u8]),
        ("invalid UTF-8 in a key", [.. "{\""u8, 0xFF, .. "\":1}"u8]),
        ("lone surrogate", Encoding.UTF8.GetBytes(Each(_ => "\"\\ud800\""))),
        ("lone low surrogate in a key", Encoding.UTF8.GetBytes("{\"\\udc00\":1}")),
        ("NUL", Encoding.UTF8.GetBytes(Each(_ => "\"a\\u0000b\""))),
        ("NUL in a nested string", Encoding.UTF8.GetBytes("{\"contents\":[{\"packaged_product_uuid\":\"\\u0000\"}],\"transferLogs\":[{\"productId\":\"\\u0000\"}]}")),
        ("duplicate keys", Encoding.UTF8.GetBytes("{\"name\":\"a\",\"url\":\"https://example.com\",\"name\":\"b\",\"url\":\"https://example.org\"}")),
        ("duplicate nested keys", Encoding.UTF8.GetBytes("{\"transferLogs\":[{\"productId\":\"a\",\"productId\":\"b\"}],\"contents\":[{\"quantity\":1,\"quantity\":2}]}")),
        ("number beyond a double", Encoding.UTF8.GetBytes(Each(_ => "1e400"))),
        ("huge array", Encoding.UTF8.GetBytes("{\"items\":[" + string.Join(",", Enumerable.Repeat("0", 60_000)) + "]}")),
        ("deep nesting", Encoding.UTF8.GetBytes(new string('[', 100_000) + new string(']', 100_000))),
        ("deep object nesting", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 5_000)) + "1" + new string('}', 5_000))),
    ];

    /// <summary>Bodies an endpoint may accept or refuse, but never with a 5xx.</summary>
    public static readonly (string Name, byte[] Body)[] Odd =
    [
        ("wrong types: objects", Encoding.UTF8.GetBytes(Each(_ => "{\"a\":1}"))),
        ("wrong types: arrays", Encoding.UTF8.GetBytes(Each(_ => "[1,\"x\",null]"))),
        ("wrong types: booleans", Encoding.UTF8.GetBytes(Each(_ => "true"))),
        ("wrong types: strings", Encoding.UTF8.GetBytes(Each(_ => "\"x\""))),
        ("wrong types: lists of lists", Encoding.UTF8.GetBytes(Each(_ => "[[1],[{}]]"))),
        ("huge integers", Encoding.UTF8.GetBytes(Each(_ => "99999999999999999999"))),
        ("huge negative integers", Encoding.UTF8.GetBytes(Each(_ => "-99999999999999999999"))),
        ("huge doubles", Encoding.UTF8.GetBytes(Each(_ => "1.7e308"))),
        ("tiny doubles", Encoding.UTF8.GetBytes(Each(_ => "1e-400"))),
        ("ids of huge integers", Encoding.UTF8.GetBytes("{\"items\":[99999999999999999999],\"contents\":[{\"packaged_product_uuid\":\"" + Id + "\",\"quantity\":99999999999999999999}],\"transferLogs\":[{\"productId\":\"x\",\"fromBatchId\":\"y\",\"transferAmount\":1e300}]}")),
        ("a thousand items", Encoding.UTF8.GetBytes("{\"items\":[" + string.Join(",", Enumerable.Repeat($"\"{Id}\"", 1_000)) + "],\"contents\":[" + string.Join(",", Enumerable.Repeat("{}", 1_000)) + "]}")),
        ("escaped valid surrogate pair", Encoding.UTF8.GetBytes(Each(_ => "\"\\ud83d\\ude00\""))),
    ];

    [Fact]
    public async Task No_route_answers_hostile_json_with_a_5xx_and_every_refusal_has_the_family_shape()
    {
        var callers = await HostileInputTests.CallersAsync(app);
        var failures = new List<string>();
        foreach (var (method, pattern) in HostileInputTests.Endpoints(app.Services).Where(e => e.Method != "GET"))
        {
            var url = HostileInputTests.Fill(pattern, Id);
            foreach (var (name, body) in Refused)
            {
                var (status, problem) = await SendAsync(callers(pattern), method, url, body, "application/json");
                if (problem is not null) failures.Add($"{method} {url} [{name}] → {status}: {problem}");
                else if (status is not (400 or 413)) failures.Add($"{method} {url} [{name}] → {status}: expected a 400 or 413");
            }
            foreach (var (name, body) in Odd)
            {
                var (status, problem) = await SendAsync(callers(pattern), method, url, body, "application/json");
                if (problem is not null) failures.Add($"{method} {url} [{name}] → {status}: {problem}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} hostile requests were mishandled:\n" + string.Join("\n", failures.Take(60)));
    }

    /// <summary>A JSON endpoint given another media type answers 415 in its family shape, as DRF does.</summary>
    [Fact]
    public async Task Every_json_write_refuses_a_text_plain_body_with_415_or_answers_without_reading_it()
    {
        var callers = await HostileInputTests.CallersAsync(app);
        var failures = new List<string>();
        foreach (var (method, pattern) in HostileInputTests.Endpoints(app.Services).Where(e => e.Method != "GET"))
        {
            var url = HostileInputTests.Fill(pattern, Id);
            var (status, problem) = await SendAsync(callers(pattern), method, url, "{}"u8.ToArray(), "text/plain");
            if (problem is not null) failures.Add($"{method} {url} → {status}: {problem}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>NUL in the query is refused with 400 (PostgreSQL cannot compare text holding one). In the path it never reaches
    /// the app: ASP.NET Core's URL decoder refuses it (Kestrel answers 400; see <see cref="KestrelRejectionTests"/>).</summary>
    [Fact]
    public async Task Every_route_refuses_nul_characters_in_the_query_with_400_in_its_family_shape()
    {
        var callers = await HostileInputTests.CallersAsync(app);
        var failures = new List<string>();
        foreach (var (method, pattern) in HostileInputTests.Endpoints(app.Services))
        {
            foreach (var url in new[] { HostileInputTests.Fill(pattern, Id) + "?page=%00&term=a%00b&limit=1", HostileInputTests.Fill(pattern, Id) + "?%00=1" })
            {
                var (status, problem) = await SendAsync(callers(pattern), method, url, null, null);
                if (problem is not null) failures.Add($"{method} {url} → {status}: {problem}");
                else if (status != 400) failures.Add($"{method} {url} → {status}: expected 400");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private async Task<(int Status, string? Problem)> SendAsync(HttpClient client, string method, string url, byte[]? body, string? contentType)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null) request.Content = new ByteArrayContent(body) { Headers = { ContentType = MediaTypeHeaderValue.Parse(contentType!) } };
        using var response = await client.SendAsync(request, Ct);
        var raw = await response.Content.ReadAsStringAsync(Ct);
        var status = (int)response.StatusCode;
        return (status, FamilyShapeProblem(url, status, response.Content.Headers.ContentType?.MediaType, raw));
    }

    /// <summary>Why an answer is not acceptable for hostile input: a 5xx, or a 4xx not in its family's error shape.</summary>
    public static string? FamilyShapeProblem(string url, int status, string? mediaType, string raw)
    {
        if (status >= 500) return "server error: " + raw[..Math.Min(raw.Length, 300)];
        if (status < 400) return null;
        var path = new PathString(url.Split('?')[0]);
        JsonNode? node;
        try { node = JsonNode.Parse(raw); } catch (JsonException) { return "body is not JSON: " + raw[..Math.Min(raw.Length, 300)]; }
        var family = ApiErrors.FamilyOf(path);
        var ok = family switch
        {
            // DRF: {"detail": "…"}, {"field": ["…"], …}, or a bare list of messages.
            ApiFamily.Drf => node is JsonObject { Count: > 0 } o && (o["detail"] is JsonValue || o.All(p => p.Value is JsonArray or JsonObject))
                || node is JsonArray,
            ApiFamily.Blaze => node is JsonObject b && b.Select(p => p.Key).SequenceEqual(["field", "message", "errorType", "references"]) && (string?)b["field"] is { Length: > 0 },
            ApiFamily.OAuth => node is JsonObject t && (string?)t["error"] is { Length: > 0 },
            _ => mediaType == "application/problem+json" && (int?)node?["status"] == status,
        };
        return ok ? null : $"not in the {family} shape: {raw[..Math.Min(raw.Length, 300)]}";
    }
}

public sealed class HostileSweepTestsOnSqlite(SqliteApp app) : HostileSweepTests(app), IClassFixture<SqliteApp>;
public sealed class HostileSweepTestsOnPostgres(PostgresApp app) : HostileSweepTests(app), IClassFixture<PostgresApp>;
