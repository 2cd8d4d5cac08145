using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace RetailTrace.Common;

/// <summary>
/// One OpenAPI document per API family at <c>/openapi/{family}.json</c> (dispensary, brand, store, admin), each in
/// its family's casing with its security scheme and error bodies, plus the combined <c>/openapi/v1.json</c> for
/// existing users; <c>/docs</c> offers all of them. The wire rules the documents follow are in <see cref="OpenApiWire"/>.
/// </summary>
public static class OpenApiDocs
{
    public const string Combined = "v1";

    /// <summary>The family documents: name, title, description.</summary>
    public static readonly (string Name, string Title, string Description)[] Families =
    [
        ("dispensary", "RetailTrace Dispensary API v1.2", "LucidRetail-compatible API for a dispensary's point of sale: case imports, sales, voids, returns, traces and daily exports of package UIDs. Authenticate with an OAuth2 client (client credentials) at /o/token/."),
        ("brand", "RetailTrace Brand API v1.5", "LucidSource-compatible API for a brand's ERP: batches, products, digital COAs, packaged products and cases of LucidIDs. Authenticate with an OAuth2 client (client credentials) at /o/token/."),
        ("store", "RetailTrace Store API (BLAZE partner)", "BLAZE partner-compatible store API: product batches, quantities per room and inventory transfers. Send the partner key in the partner_key header and the shop's developer key in Authorization (no scheme)."),
        ("admin", "RetailTrace Admin API", "Operator provisioning of tenants, credentials and store stock, plus health probes. Send the operator token as Authorization: Bearer."),
    ];

    /// <summary>The family document a path (as the API explorer gives it, without the leading slash) belongs to;
    /// the token endpoint belongs to both LucidGreen families.</summary>
    public static bool InFamily(string family, string path) => family switch
    {
        Combined => true,
        "dispensary" => path.StartsWith("api/v1.2/", StringComparison.Ordinal) || path.StartsWith("api/v1/collections", StringComparison.Ordinal)
            || path.StartsWith("exports/", StringComparison.Ordinal) || path.StartsWith("o/token", StringComparison.Ordinal),
        "brand" => path.StartsWith("api/v1.5/", StringComparison.Ordinal) || path.StartsWith("o/token", StringComparison.Ordinal),
        "store" => path.StartsWith("api/v1/partner/store/", StringComparison.Ordinal),
        "admin" => path.StartsWith("admin/", StringComparison.Ordinal) || path is "healthz" or "readyz" or "metrics",
        _ => false,
    };

    public static IServiceCollection AddRetailTraceOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(Combined, o => Configure(o, Combined, "RetailTrace",
            "Dispensary API v1.2, Brand API v1.5, BLAZE partner Store API and the RetailTrace admin API in one document. " +
            "The family documents (/openapi/dispensary.json, brand.json, store.json, admin.json) describe each API exactly; prefer them for client generation."));
        foreach (var (name, title, description) in Families) services.AddOpenApi(name, o => Configure(o, name, title, description));
        return services;
    }

    private static void Configure(OpenApiOptions options, string name, string title, string description)
    {
        options.ShouldInclude = api => api.RelativePath is { } path && InFamily(name, path);
        options.AddDocumentTransformer((doc, context, _) =>
        {
            doc.Info.Title = title;
            doc.Info.Version = name switch { "dispensary" => "1.2", "brand" => "1.5", _ => "1.0" };
            doc.Info.Description = description;
            doc.Info.License = new OpenApiLicense { Name = "Apache-2.0", Identifier = "Apache-2.0" };
            doc.Servers = [new OpenApiServer { Url = "/", Description = "This server" }];
            RestoreTrailingSlashes(doc, context.ApplicationServices);
            OpenApiWire.AddSecuritySchemes(doc, name);
            OpenApiWire.DescribeComponents(doc, name, context.ApplicationServices);
            OpenApiWire.DescribeTags(doc);
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((doc, context, ct) => Webhooks.WebhooksOpenApi.DescribeAsync(doc, name, context, ct));
        options.AddOperationTransformer(OpenApiWire.DescribeOperationAsync);
        options.AddSchemaTransformer(OpenApiWire.DescribeSchema);
        options.AddSchemaTransformer(OpenApiWire.AcceptDrfNumericStrings);
    }

    public static WebApplication MapRetailTraceDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "docs";
            foreach (var (name, title, _) in Families) o.SwaggerEndpoint($"/openapi/{name}.json", title);
            o.SwaggerEndpoint($"/openapi/{Combined}.json", "RetailTrace (all APIs)");
            o.DocumentTitle = "RetailTrace API";
            o.EnablePersistAuthorization();
        });
        return app;
    }

    /// <summary>
    /// Documents the JSON request body the handler parses itself (<see cref="Drf.ReadObjectAsync"/>). Unlike
    /// <c>Accepts&lt;T&gt;</c> it adds no content-type constraint to routing, which would turn a request without a
    /// body or Content-Type into a 404 before authentication could answer 401, where DRF reads an empty body as {}.
    /// </summary>
    public static RouteHandlerBuilder AcceptsJson<T>(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new OpenApiWire.JsonBody(typeof(T))).AddOpenApiOperationTransformer(async (operation, context, ct) => operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(T), null, ct) },
            },
        });

    /// <summary>Documents an optional query parameter that the handler reads from <c>HttpRequest.Query</c> itself,
    /// where the generator cannot see it.</summary>
    public static RouteHandlerBuilder WithQueryParameter(this RouteHandlerBuilder builder, string name, string description, OpenApiSchema schema, System.Text.Json.Nodes.JsonNode example) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter { Name = name, In = ParameterLocation.Query, Required = false, Description = description, Schema = schema, Example = example });
            return Task.CompletedTask;
        });

    /// <summary>
    /// Example bodies, taken from the API references the families follow (LucidGreen's and BLAZE's), with identifiers
    /// in their real formats: the JSON request body's (after <see cref="AcceptsJson"/>) and the answer's for <paramref name="status"/>.
    /// </summary>
    public static RouteHandlerBuilder WithExamples(this RouteHandlerBuilder builder, string? request = null, int status = 200, string? response = null) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (request is not null && operation.RequestBody?.Content?.TryGetValue("application/json", out var body) == true)
                body.Example = System.Text.Json.Nodes.JsonNode.Parse(request);
            if (response is not null && operation.Responses?.TryGetValue(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var answer) == true
                && answer.Content?.TryGetValue("application/json", out var media) == true)
                media.Example = System.Text.Json.Nodes.JsonNode.Parse(response);
            return Task.CompletedTask;
        });

    /// <summary>Whether the endpoint requires a credential (no <c>AllowAnonymous</c>, some <c>Authorize</c>).</summary>
    internal static bool IsSecured(IList<object> metadata) =>
        metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();

    /// <summary>
    /// The generator trims trailing slashes, but DRF routes (/api/v1.2/caseids/import/) are only
    /// valid with them, so the document must show the routes as they are mapped.
    /// </summary>
    private static void RestoreTrailingSlashes(OpenApiDocument doc, IServiceProvider services)
    {
        var slashed = services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .Where(p => p.EndsWith('/'))
            .ToHashSet(StringComparer.Ordinal);
        var paths = new OpenApiPaths();
        foreach (var (path, item) in doc.Paths)
            paths.Add(slashed.Contains(path + "/") ? path + "/" : path, item);
        doc.Paths = paths;
    }
}
