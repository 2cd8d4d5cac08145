using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace RetailTrace.Store;

/// <summary>
/// The nested objects and arrays of a ProductBatch (potencyAmount, notes, attachments, …) checked against BLAZE's
/// own schema (Reference/blaze-store-batches.swagger.json), so a stored batch never shows a client a field of the
/// wrong type, e.g. <c>potencyAmount.thc: "ZERO"</c>. Scalar fields are checked by <see cref="ProductBatchDocument.FromInput"/>.
/// </summary>
public static class ProductBatchValidation
{
    private static readonly Lazy<IReadOnlyDictionary<string, JsonSchema>> Schemas = new(Load);

    /// <summary>The first schema violation of each nested field of <paramref name="body"/>, by field name.</summary>
    public static IEnumerable<(string Field, string Message)> NestedErrors(JsonObject body)
    {
        foreach (var (field, schema) in Schemas.Value)
        {
            if (body[field] is not { } value) continue;
            var results = schema.Evaluate(JsonSerializer.SerializeToElement(value), new EvaluationOptions { OutputFormat = OutputFormat.List });
            if (results.IsValid) continue;
            var failed = (results.Details ?? []).FirstOrDefault(d => d.Errors is { Count: > 0 }) ?? results;
            var message = failed.Errors?.Values.FirstOrDefault() ?? "Does not match the schema.";
            var at = failed.InstanceLocation.ToString();
            yield return (field, at.Length == 0 ? message : $"{field}{at.Replace('/', '.')}: {message}");
        }
    }

    /// <summary>
    /// One schema per nested ProductBatch property, over the document's definitions read as JSON Schema 2020-12.
    /// </summary>
    private static IReadOnlyDictionary<string, JsonSchema> Load()
    {
        using var stream = typeof(ProductBatchValidation).Assembly.GetManifestResourceStream("blaze-store-batches.swagger.json")!;
        var swagger = JsonNode.Parse(stream)!;
        var definitions = swagger["definitions"]!.AsObject();
        FromSwagger2(definitions);
        var schemas = new Dictionary<string, JsonSchema>();
        foreach (var (field, property) in definitions["ProductBatch"]!["properties"]!.AsObject())
        {
            var isNested = property!["$ref"] is not null || (string?)property["type"]?.AsArray()[0] is "object" or "array";
            if (!isNested) continue;
            var schema = new JsonObject
            {
                ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                ["$id"] = $"https://retailtrace.invalid/blaze/ProductBatch/{field}",
                ["$defs"] = definitions.DeepClone(),
            };
            foreach (var (key, value) in property.AsObject()) schema[key] = value?.DeepClone();
            var text = schema.ToJsonString().Replace("#/definitions/", "#/$defs/");
            schemas[field] = JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        }
        return schemas;
    }

    /// <summary>
    /// Swagger 2.0 schemas in 2020-12 terms: a boolean <c>exclusiveMinimum</c>/<c>exclusiveMaximum</c> (draft 4) becomes
    /// the bound itself, and since BLAZE writes null for an unset field, null is accepted wherever a type is named.
    /// </summary>
    private static void FromSwagger2(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String) o["type"] = new JsonArray((string)t!, "null");
                if (o["enum"] is JsonArray values && !values.Contains(null)) values.Add(null);
                foreach (var (exclusive, bound) in (ReadOnlySpan<(string, string)>)[("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")])
                {
                    if (o[exclusive] is not JsonValue flag || flag.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False)) continue;
                    o.Remove(exclusive);
                    if ((bool)flag && o[bound] is { } limit) { o[exclusive] = limit.DeepClone(); o.Remove(bound); }
                }
                foreach (var (_, child) in o.ToList()) FromSwagger2(child);
                break;
            case JsonArray a:
                foreach (var child in a) FromSwagger2(child);
                break;
        }
    }
}
