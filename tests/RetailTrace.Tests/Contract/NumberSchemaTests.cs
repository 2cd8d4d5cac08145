using System.Text.Json.Nodes;
using RetailTrace.Tests.BrandApi;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Store;

namespace RetailTrace.Tests.Contract;

/// <summary>
/// Numbers in the documents are what the server does with them: it writes every number as a JSON number, so no
/// answer (nor webhook) documents a string for one; it reads a number sent as a string only where a LucidGreen
/// handler parses the body with DRF's semantics, so that is the one place a request documents a string for one.
/// </summary>
public abstract class NumberSchemaTests(AppFixture app)
{
    private const string Transfers = "/api/v1/partner/store/batches/transferInventory";

    [Fact]
    public async Task No_answer_or_webhook_documents_a_string_for_a_number()
    {
        var contract = await app.ContractAsync();
        var loose = new List<string>();
        foreach (var (family, doc) in contract.Documents)
        {
            foreach (var (path, operation) in Operations(doc))
                foreach (var (status, response) in operation["responses"]!.AsObject())
                {
                    foreach (var (type, media) in response!["content"]?.AsObject() ?? [])
                        loose.AddRange(Numbers(doc, media!["schema"]).Where(n => Loose(n.Schema)).Select(n => $"{family} {path} {status} {type} {n.Field}"));
                    foreach (var (name, header) in response["headers"]?.AsObject() ?? [])
                        loose.AddRange(Numbers(doc, header!["schema"]).Where(n => Loose(n.Schema)).Select(n => $"{family} {path} {status} header {name}"));
                }
            foreach (var (type, webhook) in doc["webhooks"]?.AsObject() ?? [])
                loose.AddRange(Numbers(doc, webhook!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"])
                    .Where(n => Loose(n.Schema)).Select(n => $"{family} webhook {type} {n.Field}"));
        }
        Assert.Empty(loose);
    }

    [Fact]
    public async Task Only_the_bodies_DRF_parses_document_a_number_sent_as_a_string()
    {
        var contract = await app.ContractAsync();
        var widened = new List<string>();
        foreach (var (family, doc) in contract.Documents)
            foreach (var (path, operation) in Operations(doc))
                foreach (var (type, media) in operation["requestBody"]?["content"]?.AsObject() ?? [])
                    widened.AddRange(Numbers(doc, media!["schema"]).Where(n => Loose(n.Schema)).Select(n => $"{family} {path} {type} {n.Field}"));
        Assert.Equal(["brand POST /api/v1.5/cases/create/ application/json contents[].quantity"], widened);

        var quantity = contract.Documents["brand"]["paths"]!["/api/v1.5/cases/create/"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!
            ["properties"]!["contents"]!["items"]!["properties"]!["quantity"]!;
        Assert.Equal("""{"pattern":"^-?(?:0|[1-9]\\d*)$","type":["integer","string"],"format":"int32"}""", quantity.Json());
        var transferAmount = contract.Documents["store"]["paths"]![Transfers + "/"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!
            ["properties"]!["transferLogs"]!["items"]!["properties"]!["transferAmount"]!;
        Assert.Equal("""{"type":["null","number"],"format":"double"}""", transferAmount.Json());
        Assert.Equal("""{"type":["null","number"],"format":"double"}""",
            contract.Documents["admin"]["components"]!["schemas"]!["BatchQuantityRequest"]!["properties"]!["quantity"].Json());
    }

    [Fact]
    public async Task A_brand_mints_with_a_quantity_sent_as_a_string_as_its_document_says()
    {
        var brand = await app.NewBrandAsync();
        var (_, _, packaged) = await brand.NewPackagedAsync();
        var (status, body, raw) = await brand.Client.PostRawAsync("/api/v1.5/cases/create/", $$"""{"contents":[{"packaged_product_uuid":"{{packaged}}","quantity":"2"}]}""");
        Assert.True(status == 201, raw);
        Assert.Equal(2, body!["contents"]![0]!["lucid_ids"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_store_transfer_amount_sent_as_a_string_is_refused_with_the_documented_400()
    {
        var s = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(s, 10);
        var (status, _, raw) = await s.Client.PostRawAsync(Transfers, $$"""
            {"fromInventoryId":"{{s.FrontRoomId}}","toInventoryId":"{{s.VaultId}}","currentEmployeeId":"{{s.EmployeeId}}",
             "transferLogs":[{"productId":"{{product}}","fromBatchId":"{{batch}}","transferAmount":"1"}]}
            """);
        Assert.Equal((400, StoreArrange.Error("transferAmount", "transferAmount must be a number.")), (status, raw));
        Assert.Empty((await app.ContractAsync()).Check("POST", Transfers, 400, "application/json", raw));
    }

    [Fact]
    public async Task An_admin_quantity_sent_as_a_string_is_refused_with_the_documented_400()
    {
        var s = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(s, 10);
        using var request = new HttpRequestMessage(HttpMethod.Put, "/admin/v1/store/batch-quantities")
        {
            Content = new StringContent($$"""{"shop_id":"{{s.ShopId}}","batch_id":"{{batch}}","inventory_id":"{{s.FrontRoomId}}","quantity":"52"}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await app.AdminClient().SendAsync(request, TestContext.Current.CancellationToken);
        var raw = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal((400, "application/problem+json"), ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType));
        // The typed body fails to bind: a validation problem naming the field and the JSON type it wants.
        var problem = JsonNode.Parse(raw)!.AsObject();
        Assert.NotNull(problem["trace_id"]);
        problem.Remove("trace_id");
        Assert.Equal("""{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.","status":400,"errors":{"quantity":["Must be a number."]}}""", problem.Json());
        Assert.Empty((await app.ContractAsync()).Check("PUT", "/admin/v1/store/batch-quantities", 400, "application/problem+json", raw));
        var (_, rooms, _) = await s.Client.GetJsonAsync($"/api/v1/partner/store/batches/{product}/batchQuantityInfo");
        Assert.Equal("10", rooms!.AsArray().Single(r => (string)r!["inventoryId"]! == s.FrontRoomId)!["quantity"].Json());
    }

    private static IEnumerable<(string Path, JsonObject Operation)> Operations(JsonObject doc) =>
        doc["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject()
            .Where(o => o.Key is "get" or "put" or "post" or "delete" or "patch")
            .Select(o => (o.Key.ToUpperInvariant() + " " + p.Key, o.Value!.AsObject())));

    /// <summary>A number schema that also admits a string (a type list naming "string", or a numeric-text pattern).</summary>
    private static bool Loose(JsonObject schema) =>
        schema["type"] is JsonArray types && types.Any(t => (string?)t == "string") || schema["pattern"] is not null;

    /// <summary>Every schema below <paramref name="node"/> whose type is integer or number, named by the property path that
    /// leads to it (<c>contents[].quantity</c>); references are followed, each once.</summary>
    private static IEnumerable<(string Field, JsonObject Schema)> Numbers(JsonObject doc, JsonNode? node, string field = "", HashSet<string>? seen = null)
    {
        seen ??= [];
        if (node is not JsonObject schema) yield break;
        const string components = "#/components/schemas/";
        if ((string?)schema["$ref"] is { } reference && reference.StartsWith(components, StringComparison.Ordinal))
        {
            if (!seen.Add(reference)) yield break;
            foreach (var found in Numbers(doc, doc["components"]!["schemas"]![reference[components.Length..]], field, seen)) yield return found;
            yield break;
        }
        var type = schema["type"];
        if ((type is JsonArray list ? list.Select(t => (string?)t) : [(string?)type]).Any(t => t is "integer" or "number")) yield return (field, schema);
        foreach (var (key, child) in schema)
        {
            var below = key switch
            {
                "properties" => child!.AsObject().SelectMany(p => Numbers(doc, p.Value, field.Length == 0 ? p.Key : field + "." + p.Key, seen)),
                "items" or "additionalProperties" => Numbers(doc, child, field + "[]", seen),
                "anyOf" or "oneOf" or "allOf" => child!.AsArray().SelectMany(c => Numbers(doc, c, field, seen)),
                _ => [],
            };
            foreach (var found in below) yield return found;
        }
    }
}

public sealed class NumberSchemaTestsOnSqlite(SqliteApp app) : NumberSchemaTests(app), IClassFixture<SqliteApp>;
public sealed class NumberSchemaTestsOnPostgres(PostgresApp app) : NumberSchemaTests(app), IClassFixture<PostgresApp>;
