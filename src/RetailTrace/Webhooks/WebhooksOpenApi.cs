using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace RetailTrace.Webhooks;

/// <summary>
/// The events a family's webhook endpoints receive, as the OpenAPI 3.1 <c>webhooks</c> of its document: one POST per
/// event type the family can subscribe to, with the Standard Webhooks headers and the body
/// <c>{"type","timestamp","data"}</c>, its data in the family's conventions (the record <see cref="WebhookEventTypes.DataOf"/>
/// names). The admin document has none: the operator registers endpoints but receives no events.
/// </summary>
public static class WebhooksOpenApi
{
    private const string Tag = "Webhooks";

    private static readonly Dictionary<string, string> Summaries = new(StringComparer.Ordinal)
    {
        [WebhookEventTypes.LucidIdMinted] = "LucidIDs were minted in a case",
        [WebhookEventTypes.LucidIdImported] = "LucidIDs were imported into a dispensary's inventory",
        [WebhookEventTypes.LucidIdRemoved] = "LucidIDs were removed from a dispensary's inventory",
        [WebhookEventTypes.LucidIdSold] = "LucidIDs were sold (one event per sale)",
        [WebhookEventTypes.LucidIdVoided] = "A sale was voided: its LucidIDs are back in inventory",
        [WebhookEventTypes.LucidIdReturned] = "LucidIDs were returned into inventory",
        [WebhookEventTypes.CaseImported] = "A case part was imported under a POS Package UID",
        [WebhookEventTypes.CaseRemoved] = "Case parts were removed from a POS Package UID",
        [WebhookEventTypes.ExportReady] = "A Package UID export is ready to fetch",
        [WebhookEventTypes.ExportFailed] = "A Package UID export failed (it is retried)",
        [WebhookEventTypes.TransferCreated] = "An inventory transfer was created",
        [WebhookEventTypes.TransferAccepted] = "An inventory transfer was accepted",
        [WebhookEventTypes.TransferDeclined] = "An inventory transfer was declined",
        [WebhookEventTypes.TransferCompleted] = "An accepted transfer's stock was moved",
        [WebhookEventTypes.EndpointDisabled] = "Another endpoint of the same owner was disabled after a day of failed deliveries",
    };

    public static async Task DescribeAsync(OpenApiDocument doc, string document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        string? owner = document switch
        {
            "dispensary" => WebhookOwner.DispensaryKind,
            "brand" => WebhookOwner.BrandKind,
            "store" => WebhookOwner.ShopKind,
            _ => null,
        };
        if (owner is null) return;
        doc.Webhooks = new Dictionary<string, IOpenApiPathItem>(StringComparer.Ordinal);
        foreach (var type in WebhookEventTypes.For(owner))
        {
            var data = await DataSchemaAsync(doc, WebhookEventTypes.DataOf(type, owner), context, ct);
            var operation = new OpenApiOperation
            {
                OperationId = "webhook_" + type.Replace('.', '_'),
                Summary = Summaries[type],
                Description = $"RetailTrace POSTs `{type}` to each enabled endpoint subscribed to it, signed as Standard Webhooks specifies. " +
                    "Any 2xx answer acknowledges the delivery; another status, or no answer within the timeout, is retried on the schedule.",
                Tags = new HashSet<OpenApiTagReference> { new(Tag, doc) },
                // The receiver checks the signature; no credential is sent.
                Security = [],
                Parameters = Headers(),
                RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = Envelope(type, data) } },
                },
                Responses = new OpenApiResponses { ["200"] = new OpenApiResponse { Description = "Acknowledged (any 2xx status)." } },
            };
            doc.Webhooks[type] = new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Post] = operation } };
        }
        doc.Tags ??= new HashSet<OpenApiTag>();
        doc.Tags.Add(new OpenApiTag { Name = Tag, Description = "Events RetailTrace sends to the webhook endpoints of this API's tenants." });
    }

    /// <summary>The schema of a payload's data: the document's component when an endpoint answers the same record (a
    /// transfer), finished in the family's casing; else the record's own schema.</summary>
    private static async Task<IOpenApiSchema> DataSchemaAsync(OpenApiDocument doc, Type type, OpenApiDocumentTransformerContext context, CancellationToken ct) =>
        doc.Components?.Schemas?.ContainsKey(type.Name) == true
            ? new OpenApiSchemaReference(type.Name, doc)
            : await context.GetOrCreateSchemaAsync(type, null, ct);

    private static OpenApiSchema Envelope(string type, IOpenApiSchema data) => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string> { "type", "timestamp", "data" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(type)] },
            ["timestamp"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time", Description = "When the change happened (UTC, microseconds)." },
            ["data"] = data,
        },
    };

    private static List<IOpenApiParameter> Headers() =>
    [
        Header("webhook-id", "The message id (msg_…): the same on every retry of one delivery, so a receiver can drop duplicates.", new OpenApiSchema { Type = JsonSchemaType.String }),
        Header("webhook-timestamp", "When this attempt was sent, in seconds since the Unix epoch; refuse one far from your clock.",
            new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[0-9]+$" }),
        Header("webhook-signature", "Space-separated signatures `v1,<base64 HMAC-SHA256 of \"{webhook-id}.{webhook-timestamp}.{body}\">`, " +
            "one per current secret of the endpoint (two during a secret rotation); one must match.",
            new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$" }),
    ];

    private static OpenApiParameter Header(string name, string description, OpenApiSchema schema) =>
        new() { Name = name, In = ParameterLocation.Header, Required = true, Description = description, Schema = schema };
}
