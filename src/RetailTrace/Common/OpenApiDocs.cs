using Microsoft.OpenApi;

namespace RetailTrace.Common;

/// <summary>The OpenAPI document at /openapi/v1.json and its docs page at /docs.</summary>
public static class OpenApiDocs
{
    public static IServiceCollection AddRetailTraceOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o => o.AddDocumentTransformer((doc, context, _) =>
        {
            doc.Info.Title = "RetailTrace";
            doc.Info.Description = "Dispensary API v1.2, Brand API v1.5, BLAZE partner Store API and the RetailTrace admin API.";
            RestoreTrailingSlashes(doc, context.ApplicationServices);
            return Task.CompletedTask;
        }));

    public static WebApplication MapRetailTraceDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "docs";
            o.SwaggerEndpoint("/openapi/v1.json", "RetailTrace");
            o.DocumentTitle = "RetailTrace API";
        });
        return app;
    }

    /// <summary>
    /// Documents the JSON request body the handler parses itself (<see cref="Drf.ReadObjectAsync"/>). Unlike
    /// <c>Accepts&lt;T&gt;</c> it adds no content-type constraint to routing, which would turn a request without a
    /// body or Content-Type into a 404 before authentication could answer 401, where DRF reads an empty body as {}.
    /// </summary>
    public static RouteHandlerBuilder AcceptsJson<T>(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, ct) => operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(T), null, ct) },
            },
        });

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
