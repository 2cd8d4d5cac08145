using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace RetailTrace.Tests.Contract;

/// <summary>
/// The family documents an app serves (/openapi/{family}.json), and the check of one response against them:
/// its status is documented for the operation, its content type is documented for that status, and its JSON
/// body matches the documented schema. Paths no document describes (unknown routes) and methods a path does not
/// document (answered 405) are outside the contract.
/// </summary>
public sealed class ContractDocuments
{
    public static readonly string[] Families = ["dispensary", "brand", "store", "admin"];

    private readonly List<(string Family, Regex Pattern, int Parameters, JsonObject PathItem)> _paths = [];
    private readonly Dictionary<string, JsonObject> _definitions = [];
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();

    public IReadOnlyDictionary<string, JsonObject> Documents { get; }

    private ContractDocuments(Dictionary<string, JsonObject> documents)
    {
        Documents = documents;
        foreach (var (family, doc) in documents)
        {
            _definitions[family] = JsonNode.Parse(Rewrite(doc["components"]?["schemas"]?.ToJsonString() ?? "{}"))!.AsObject();
            foreach (var (template, item) in doc["paths"]!.AsObject())
            {
                var pattern = "^" + Regex.Replace(Regex.Escape(template.TrimEnd('/')), @"\\\{[^}]+}", "[^/]+") + "/?$";
                _paths.Add((family, new Regex(pattern, RegexOptions.CultureInvariant), template.Count(c => c == '{'), item!.AsObject()));
            }
        }
        // A literal segment wins over a parameter (/batches/dates before /batches/{id}), as routing decides.
        _paths.Sort((a, b) => a.Parameters.CompareTo(b.Parameters));
    }

    public static async Task<ContractDocuments> LoadAsync(HttpClient http)
    {
        var documents = new Dictionary<string, JsonObject>();
        foreach (var family in Families)
        {
            // An app of the rate limit tests may throttle the reader too: wait as told and read again.
            for (var attempt = 1; ; attempt++)
            {
                using var response = await http.GetAsync($"/openapi/{family}.json");
                if ((int)response.StatusCode == 429 && attempt < 10)
                {
                    await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                    continue;
                }
                response.EnsureSuccessStatusCode();
                documents[family] = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
                break;
            }
        }
        return new ContractDocuments(documents);
    }

    /// <summary>The operation documented for <paramref name="method"/> on <paramref name="path"/>, with its family, if any.</summary>
    public (string Family, JsonObject Operation)? Find(string method, string path)
    {
        foreach (var (family, pattern, _, item) in _paths)
            if (pattern.IsMatch(path))
                return item[method.ToLowerInvariant()] is JsonObject operation ? (family, operation) : null;
        return null;
    }

    /// <summary>What is wrong with a response, empty when it is what the document says.</summary>
    public IReadOnlyList<string> Check(string method, string path, int status, string? mediaType, string body)
    {
        if (Find(method, path) is not var (family, operation)) return [];
        var responses = operation["responses"]!.AsObject();
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if ((responses[key] ?? responses["default"]) is not JsonObject response)
            return [$"status {status} is not documented (documented: {string.Join(", ", responses.Select(r => r.Key))})"];
        if (response["content"] is not JsonObject { Count: > 0 } content)
            return body.Length == 0 ? [] : [$"status {status} is documented without a body, but one was sent ({mediaType})"];
        if (mediaType is null || content[mediaType] is not JsonObject media)
            return [$"content type '{mediaType}' is not documented for status {status} (documented: {string.Join(", ", content.Select(c => c.Key))})"];
        if (media["schema"] is not JsonObject schemaNode || !mediaType.Contains("json", StringComparison.Ordinal)) return [];
        JsonElement instance;
        try { instance = JsonDocument.Parse(body).RootElement; }
        catch (JsonException) { return [$"the body is not JSON: {Clip(body)}"]; }
        var schema = _schemas.GetOrAdd($"{family} {method} {path} {status} {mediaType}", _ => Build(family, schemaNode));
        var results = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid) return [];
        var errors = (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).Distinct().Take(8).ToList();
        return [$"the body does not match the schema of status {status}: {string.Join("; ", errors)} in {Clip(body)}"];
    }

    /// <summary>What is wrong with a delivered webhook, empty when the family document's <c>webhooks</c> entry for its
    /// event type describes it: every required header is sent and the body matches the entry's schema.</summary>
    public IReadOnlyList<string> CheckWebhook(string family, string type, Func<string, string?> header, string body)
    {
        if (Documents[family]["webhooks"]?[type]?["post"] is not JsonObject operation) return [$"{family} documents no webhook {type}"];
        var problems = (operation["parameters"]?.AsArray() ?? [])
            .Where(p => (string?)p!["in"] == "header" && (bool?)p["required"] == true && string.IsNullOrEmpty(header((string)p["name"]!)))
            .Select(p => $"required header {(string)p!["name"]!} was not sent").ToList();
        var schemaNode = operation["requestBody"]!["content"]!["application/json"]!["schema"]!.AsObject();
        var schema = _schemas.GetOrAdd($"{family} webhook {type}", _ => Build(family, schemaNode));
        var results = schema.Evaluate(JsonDocument.Parse(body).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (!results.IsValid)
            problems.Add($"the body does not match the schema of webhook {type}: " + string.Join("; ", (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).Distinct().Take(8)) + $" in {Clip(body)}");
        return problems;
    }

    private JsonSchema Build(string family, JsonObject schemaNode)
    {
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = _definitions[family].DeepClone(),
            ["allOf"] = new JsonArray(JsonNode.Parse(Rewrite(schemaNode.ToJsonString()))),
        };
        return JsonSchema.FromText(root.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
    }

    private static string Rewrite(string json) => json.Replace("#/components/schemas/", "#/$defs/");

    private static string Clip(string body) => body.Length <= 400 ? body : body[..400] + "…";
}

/// <summary>
/// Checks every response a test receives against the family documents (<see cref="ContractDocuments"/>) and fails
/// the test at the call that got a response its document does not describe, or, given <paramref name="collected"/>,
/// adds the problem there and lets the test go on (the fuzz test reports every problem at once).
/// </summary>
public sealed class ContractCheck(Func<Task<ContractDocuments>> documents, List<string>? collected = null) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var problems = (await documents()).Check(request.Method.Method, request.RequestUri!.AbsolutePath, (int)response.StatusCode,
            response.Content.Headers.ContentType?.MediaType, body);
        if (problems.Count == 0) return response;
        var problem = $"Contract: {request.Method} {request.RequestUri.PathAndQuery} → {(int)response.StatusCode}: {string.Join(" | ", problems)}";
        if (collected is null) Assert.Fail(problem);
        lock (collected) collected.Add(problem);
        return response;
    }
}
