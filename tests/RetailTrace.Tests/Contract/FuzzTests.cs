using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Contract;

/// <summary>
/// A schema-driven fuzz of every documented operation: each is called, with its family's credentials, with inputs
/// generated from its document (a body shaped as documented, each field of the wrong kind, bodies that are not
/// objects or not JSON, path ids that exist nowhere or are malformed, query parameters of the wrong kind). Every
/// answer must be below 500, with a documented status, a documented content type and a body matching its schema.
/// Bounded: a fixed seed and at most <see cref="MaxPerOperation"/> requests per operation.
/// </summary>
public abstract class FuzzTests(AppFixture app)
{
    private const int MaxPerOperation = 24;
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_operation_answers_generated_inputs_as_documented_and_never_with_5xx()
    {
        var admin = app.AdminClient();
        var brand = await app.NewBrandAsync();
        var dispensary = await app.NewDispensaryAsync();
        var store = await app.NewStoreAsync();
        var contract = await app.ContractAsync();
        var problems = new List<string>();
        HttpClient ClientLike(HttpClient? authenticated)
        {
            var client = app.CreateDefaultClient(new Uri("http://localhost"), new ContractCheck(app.ContractAsync, problems));
            foreach (var header in authenticated?.DefaultRequestHeaders ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
                client.DefaultRequestHeaders.TryAddWithoutValidation(header.Key, header.Value);
            return client;
        }
        var clients = new Dictionary<string, HttpClient>
        {
            ["dispensary"] = ClientLike(dispensary.Client), ["brand"] = ClientLike(brand.Client),
            ["store"] = ClientLike(store.Client), ["admin"] = ClientLike(admin), ["anonymous"] = ClientLike(null),
        };

        var calls = 0;
        foreach (var (family, doc) in contract.Documents)
        {
            var generator = new SchemaSamples(doc);
            foreach (var (template, item) in doc["paths"]!.AsObject())
            foreach (var (method, node) in item!.AsObject())
            {
                var operation = node!.AsObject();
                var secured = operation["security"] is JsonArray { Count: > 0 };
                var client = clients[secured ? family : "anonymous"];
                foreach (var request in generator.Requests(template, method.ToUpperInvariant(), operation).Take(MaxPerOperation))
                {
                    calls++;
                    using var response = await client.SendAsync(request, Ct);
                    if ((int)response.StatusCode >= 500) problems.Add($"{request.Method} {request.RequestUri} → {(int)response.StatusCode}");
                }
            }
        }
        Assert.True(calls > 100, $"only {calls} calls were generated");
        Assert.True(problems.Count == 0, $"{problems.Count} problem(s) in {calls} calls:\n" + string.Join("\n", problems.Distinct().Take(60)));
    }
}

public sealed class FuzzTestsOnSqlite(SqliteApp app) : FuzzTests(app), IClassFixture<SqliteApp>;
public sealed class FuzzTestsOnPostgres(PostgresApp app) : FuzzTests(app), IClassFixture<PostgresApp>;

/// <summary>Values and requests generated from an OpenAPI document's schemas.</summary>
public sealed class SchemaSamples(JsonObject document)
{
    private const string ShortUuidAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private readonly Random _random = new(22);

    public IEnumerable<HttpRequestMessage> Requests(string template, string method, JsonObject operation)
    {
        var parameters = (operation["parameters"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var query = parameters.Where(p => (string?)p["in"] == "query").ToList();
        var body = operation["requestBody"]?["content"]?["application/json"]?["schema"] as JsonObject;

        // Path ids that exist nowhere, ids of the right shape, malformed ids.
        foreach (var id in (string[])[ShortUuid(), new string('0', 24), "x", "%C3%A9%20;'", new string('9', 300)])
        {
            var path = Path(template, id);
            yield return Build(method, path, body is null ? null : Sample(body, 0)?.ToJsonString());
            if (query.Count > 0)
            {
                yield return Build(method, path + "?" + string.Join("&", query.Select(p => $"{p["name"]}={Uri.EscapeDataString(Sample(p["schema"] as JsonObject ?? [], 0)?.ToString() ?? "")}")), null);
                yield return Build(method, path + "?" + string.Join("&", query.Select(p => $"{p["name"]}=-1%00zz")), null);
            }
        }
        if (body is null) yield break;
        var path0 = Path(template, ShortUuid());
        foreach (var raw in (string[])["[]", "\"x\"", "12", "null", "{", "{}", """{"a":{"b":[1,{"c":null}]}}"""])
            yield return Build(method, path0, raw);
        if (Resolve(body)?["properties"] is JsonObject properties)
            foreach (var (name, schema) in properties)
            {
                var sample = Sample(body, 0) as JsonObject ?? [];
                sample[name] = WrongKind(schema as JsonObject);
                yield return Build(method, path0, sample.ToJsonString());
            }
    }

    private static string Path(string template, string id) =>
        System.Text.RegularExpressions.Regex.Replace(template, @"\{[^}]+\}", id);

    private static HttpRequestMessage Build(string method, string url, string? json)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return request;
    }

    private string ShortUuid() => new([.. Enumerable.Range(0, 22).Select(_ => ShortUuidAlphabet[_random.Next(ShortUuidAlphabet.Length)])]);

    private JsonObject? Resolve(JsonObject? schema)
    {
        for (var depth = 0; schema?["$ref"] is JsonValue reference && depth < 10; depth++)
            schema = document["components"]?["schemas"]?[((string)reference!).Split('/')[^1]] as JsonObject;
        return schema;
    }

    /// <summary>A value of the schema's first non-null type (objects with every property, arrays with one item).</summary>
    public JsonNode? Sample(JsonObject schema, int depth)
    {
        var s = Resolve(schema);
        if (s is null || depth > 4) return null;
        if ((s["oneOf"] ?? s["anyOf"] ?? s["allOf"]) is JsonArray { Count: > 0 } choices) return Sample(choices[0]!.AsObject(), depth + 1);
        if (s["enum"] is JsonArray { Count: > 0 } values) return values[0]?.DeepClone();
        var type = s["type"] switch
        {
            JsonArray types => types.Select(t => (string?)t).FirstOrDefault(t => t != "null"),
            JsonValue one => (string?)one,
            _ => s["properties"] is not null ? "object" : null,
        };
        return type switch
        {
            "string" => (string?)s["format"] switch
            {
                "date-time" => "2024-01-02T03:04:05Z",
                "date" => "2024-01-02",
                _ => (string?)s["pattern"] == RetailTrace.Common.OpenApiWire.ShortUuidPattern ? ShortUuid() : "fuzz",
            },
            "integer" => 1,
            "number" => 1.5,
            "boolean" => true,
            "array" => new JsonArray(Sample(s["items"] as JsonObject ?? [], depth + 1)),
            "object" => new JsonObject((s["properties"] as JsonObject ?? []).Select(p =>
                KeyValuePair.Create(p.Key, Sample(p.Value as JsonObject ?? [], depth + 1)))),
            _ => "fuzz",
        };
    }

    private JsonNode WrongKind(JsonObject? schema) => Sample(schema ?? [], 0) switch
    {
        JsonObject => new JsonArray(1, "two"),
        JsonArray => new JsonObject { ["not"] = "a list" },
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => _random.Next(2) == 0 ? 12345 : new JsonObject(),
        _ => "\ud7ff not a number",
    };
}
