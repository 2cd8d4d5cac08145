using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace RetailTrace.Common;

/// <summary>
/// What the OpenAPI documents say beyond the endpoints' own metadata, so that they match the wire: the
/// security scheme of each family, the statuses every endpoint of a family can answer (429 and 503 with
/// Retry-After, 413 and 415 for bodies, Idempotency-Key's 409/422), alternative bodies of one status as anyOf,
/// ShortUUIDs as a 22-character pattern, stored JSON documents as any JSON, the Store API in camelCase, and the numbers a
/// DRF body may send as text.
/// </summary>
public static class OpenApiWire
{
    /// <summary>Endpoint metadata: the type of the JSON body a handler parses itself (see <see cref="OpenApiDocs.AcceptsJson"/>).</summary>
    public sealed record JsonBody(Type Type);

    /// <summary>ShortUUID: 22 characters of its 57-letter alphabet (<see cref="ShortUuid"/>).</summary>
    public const string ShortUuidPattern = "^[2-9A-HJ-NP-Za-km-z]{22}$";

    private const string PartnerKey = "partnerKey", DeveloperKey = "developerKey", AdminBearer = "adminToken";

    /// <summary>The Lucid schemes of a document, named by family: /docs keeps an authorization by scheme name across
    /// documents, and a dispensary's token would otherwise be sent to the Brand API. The combined document's take a token
    /// of either family.</summary>
    private static (string OAuth, string Bearer) LucidSchemes(string document) => document switch
    {
        "dispensary" or "brand" => (document + "OAuth2", document + "Bearer"),
        _ => ("oauth2", "bearerToken"),
    };

    public static void AddSecuritySchemes(OpenApiDocument doc, string document)
    {
        var schemes = new Dictionary<string, IOpenApiSecurityScheme>();
        if (document is "dispensary" or "brand" or OpenApiDocs.Combined)
        {
            var (oauth, bearer) = LucidSchemes(document);
            schemes[oauth] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.OAuth2,
                Description = "An OAuth2 client made with the admin API; the token endpoint takes client_id and client_secret as form fields or HTTP Basic.",
                Flows = new OpenApiOAuthFlows { ClientCredentials = new OpenApiOAuthFlow { TokenUrl = new Uri("/o/token/", UriKind.Relative), Scopes = new Dictionary<string, string>() } },
            };
            schemes[bearer] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer",
                Description = "An access token from POST /o/token/ (valid 10 hours), pasted as is.",
            };
        }
        if (document is "store" or OpenApiDocs.Combined)
        {
            schemes[PartnerKey] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "partner_key",
                Description = "The partner key of the integration (also accepted as x-api-key).",
            };
            schemes[DeveloperKey] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "Authorization",
                Description = "The shop's developer key, as the whole Authorization header (no scheme).",
            };
        }
        if (document is "admin" or OpenApiDocs.Combined)
            schemes[AdminBearer] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "The operator token (the Admin:Token setting)." };
        doc.Components ??= new OpenApiComponents();
        doc.Components.SecuritySchemes = schemes;
    }

    /// <summary>
    /// Corrections made on the finished components, where each schema is a type's one schema: a field written only
    /// when set (<c>JsonIgnore(WhenWritingNull)</c>) is optional, and a Store type is named in camelCase.
    /// </summary>
    public static void DescribeComponents(OpenApiDocument doc, string document, IServiceProvider services)
    {
        if (doc.Components?.Schemas is not { } schemas) return;
        var json = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var store = StoreTypes(services);
        // An array of any JSON (JsonArray) still names its items.
        foreach (var schema in schemas.Values.OfType<OpenApiSchema>())
            if (schema.Type is { } t && t.HasFlag(JsonSchemaType.Array)) schema.Items ??= new OpenApiSchema();
        foreach (var type in WireTypes(services))
        {
            if (!schemas.TryGetValue(ComponentName(type), out var found) || found is not OpenApiSchema schema || schema.Properties is not { Count: > 0 }) continue;
            var info = json.GetTypeInfo(type);
            foreach (var property in info.Properties)
                if (property.AttributeProvider is MemberInfo member && member.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault })
                    schema.Required?.Remove(property.Name);
            if (document == "store" || store.Contains(type)) ToCamelCase(schema, info);
        }
    }

    /// <summary>The component name the generator gives a type: its name, generic arguments joined with "Of" and "And".</summary>
    private static string ComponentName(Type type) => type.IsGenericType && type.Name.IndexOf('`') is > 0 and var tick
        ? type.Name[..tick] + "Of" + string.Join("And", type.GetGenericArguments().Select(ComponentName))
        : type.Name;

    /// <summary>Every tag an operation uses is declared with a description.</summary>
    public static void DescribeTags(OpenApiDocument doc)
    {
        var names = doc.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []).SelectMany(o => o.Tags?.AsEnumerable() ?? []).Select(t => t.Name!).Distinct().Order(StringComparer.Ordinal);
        doc.Tags = new HashSet<OpenApiTag>(names.Select(n => new OpenApiTag { Name = n, Description = $"{n} operations." }));
    }

    public static async Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var path = "/" + (context.Description.RelativePath ?? "");
        var family = ApiErrors.FamilyOf(path);
        var method = context.Description.HttpMethod ?? "GET";
        operation.Responses ??= new OpenApiResponses();

        // One handler mapped for several methods (PUT and PATCH) is one operation per method, each with its own id.
        if (metadata.OfType<HttpMethodMetadata>().LastOrDefault() is { HttpMethods.Count: > 1 } methods && methods.HttpMethods[0] != method)
            operation.OperationId += method[0] + method[1..].ToLowerInvariant();

        operation.Security = OpenApiDocs.IsSecured(metadata) ? Requirements(path, context.Document!, context.DocumentName) : [];

        // Several bodies documented for one status are alternatives (anyOf: the shapes do not exclude each other,
        // e.g. {"message"} and {"message", "non_imported_lucidids", …}). A DRF body that is not an object, or fails
        // validation, is answered with field errors ({"non_field_errors": [...]}) or a detail.
        var hasBody = method is "POST" or "PUT" or "PATCH";
        var produced = metadata.OfType<IProducesResponseTypeMetadata>().Where(m => m.Type is not null && m.Type != typeof(void)).ToList();
        if (family == ApiFamily.Drf && hasBody && metadata.OfType<JsonBody>().Any())
            produced.AddRange([new ProducesResponseTypeMetadata(400, typeof(DrfDetail), ["application/json"]), new ProducesResponseTypeMetadata(400, typeof(Dictionary<string, JsonElement>), ["application/json"])]);
        foreach (var status in produced.GroupBy(m => m.StatusCode))
        {
            var types = status.Select(m => m.Type!).Distinct().ToList();
            if (types.Count < 2) continue;
            var schemas = new List<IOpenApiSchema>();
            foreach (var type in types) schemas.Add(await context.GetOrCreateSchemaAsync(type, null, ct));
            var contentType = status.SelectMany(m => m.ContentTypes.AsEnumerable()).FirstOrDefault() ?? "application/json";
            operation.Responses[status.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = ReasonPhrase(status.Key),
                Content = new Dictionary<string, OpenApiMediaType> { [contentType] = new() { Schema = new OpenApiSchema { AnyOf = schemas } } },
            };
        }

        foreach (var parameter in operation.Parameters ?? [])
            if (parameter is OpenApiParameter { In: ParameterLocation.Path } p && family == ApiFamily.Drf && p.Name!.EndsWith("uuid", StringComparison.OrdinalIgnoreCase))
                p.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = ShortUuidPattern };

        if (family == ApiFamily.Console) return;
        var error = await ErrorSchemaAsync(family, context, ct);
        var errorType = family == ApiFamily.Problem ? "application/problem+json" : "application/json";
        var rateLimited = !metadata.OfType<DisableRateLimitingAttribute>().Any();
        if (rateLimited) AddResponse(operation, 429, error, errorType, retryAfter: true);
        AddResponse(operation, 503, error, errorType, retryAfter: true);
        // The request body guard (RequestBody.cs) answers on every operation, whatever its method: a NUL in the query
        // (400), a body too large (413) or of another media type (415).
        // Its 400 names the field where there is one: DRF field errors, or the admin API's validation problem.
        AddResponse(operation, 400, error, errorType, alternative: true);
        if (family is ApiFamily.Drf or ApiFamily.Problem)
            AddResponse(operation, 400, await context.GetOrCreateSchemaAsync(family == ApiFamily.Drf
                ? typeof(Dictionary<string, JsonElement>) : typeof(HttpValidationProblemDetails), null, ct), errorType, alternative: true);
        AddResponse(operation, 413, error, errorType);
        AddResponse(operation, 415, error, errorType);

        // Idempotency-Key (Idempotency.cs): admin and store writes.
        if (hasBody && family is ApiFamily.Blaze || hasBody && path.StartsWith("/admin/v1", StringComparison.Ordinal) && OpenApiDocs.IsSecured(metadata))
        {
            var secretOnce = metadata.OfType<Idempotency.ShowsSecretOnce>().Any();
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = Idempotency.Header, In = ParameterLocation.Header, Required = false,
                Description = secretOnce
                    ? "Not accepted here (the answer shows a secret once): a request with it is refused with 400."
                    : "Makes a retry safe: the first answer is stored and replayed to retries with the same key and body; the same key with another body is refused (422), a retry while the first runs gets 409.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 },
            });
            AddResponse(operation, 400, error, errorType);
            if (!secretOnce)
            {
                AddResponse(operation, 409, error, errorType);
                AddResponse(operation, 422, error, errorType);
            }
        }
    }

    private static List<OpenApiSecurityRequirement> Requirements(string path, OpenApiDocument doc, string document)
    {
        OpenApiSecurityRequirement Of(params string[] names)
        {
            var requirement = new OpenApiSecurityRequirement();
            foreach (var name in names) requirement[new OpenApiSecuritySchemeReference(name, doc)] = [];
            return requirement;
        }
        var (oauth, bearer) = LucidSchemes(document);
        return ApiErrors.FamilyOf(path) switch
        {
            ApiFamily.Drf => [Of(oauth), Of(bearer)],
            ApiFamily.Blaze => [Of(PartnerKey, DeveloperKey)],
            _ => [Of(AdminBearer)],
        };
    }

    private static async Task<IOpenApiSchema> ErrorSchemaAsync(ApiFamily family, OpenApiOperationTransformerContext context, CancellationToken ct) =>
        await context.GetOrCreateSchemaAsync(family switch
        {
            ApiFamily.Drf => typeof(DrfDetail),
            ApiFamily.Blaze => typeof(BlazeError),
            ApiFamily.OAuth => typeof(Auth.TokenApi.OAuthError),
            _ => typeof(ProblemDetails),
        }, null, ct);

    /// <summary>Documents <paramref name="status"/> with the family's error body unless the endpoint documents it already;
    /// <c>Retry-After</c> is added either way where the server sends it.</summary>
    /// <param name="alternative">When the endpoint documents the status with another body, the family's error body
    /// becomes one more alternative of it.</param>
    private static void AddResponse(OpenApiOperation operation, int status, IOpenApiSchema error, string contentType, bool retryAfter = false, bool alternative = false)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (alternative && operation.Responses!.TryGetValue(key, out var documented) && documented is OpenApiResponse { Content: { } content }
            && content.TryGetValue(contentType, out var media) && media.Schema is { } schema && !ReferenceEquals(schema, error))
        {
            if (schema is OpenApiSchema { AnyOf: { } alternatives }) { if (!alternatives.Contains(error)) alternatives.Add(error); }
            else media.Schema = new OpenApiSchema { AnyOf = [schema, error] };
        }
        if (!operation.Responses!.TryGetValue(key, out var existing))
        {
            existing = new OpenApiResponse
            {
                Description = ReasonPhrase(status),
                Content = new Dictionary<string, OpenApiMediaType> { [contentType] = new() { Schema = error } },
            };
            operation.Responses[key] = existing;
        }
        if (retryAfter && existing is OpenApiResponse response)
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers["Retry-After"] = new OpenApiHeader
            {
                Description = "Seconds to wait before retrying.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0" },
            };
        }
    }

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Status " + status;

    public static Task DescribeSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        var type = context.JsonTypeInfo.Type;
        // Every Guid on the LucidGreen wire is a ShortUUID (Drf.Json); the admin and store APIs use strings.
        if (type == typeof(Guid) || type == typeof(Guid?))
        {
            schema.Format = null;
            schema.Pattern = ShortUuidPattern;
        }
        // Opaque JSON documents kept as text (product attributes, testing laboratories) are written as the JSON they hold.
        if (context.JsonPropertyInfo?.CustomConverter is BrandApi.RawJson || type == typeof(JsonElement) || type == typeof(JsonElement?) || type == typeof(JsonNode))
        {
            schema.Type = null;
            schema.Format = null;
            schema.Pattern = null;
        }
        if (schema.Type is { } t && t.HasFlag(JsonSchemaType.Array)) schema.Items ??= new OpenApiSchema();
        if (type == typeof(JsonObject)) schema.Type = JsonSchemaType.Object | JsonSchemaType.Null;
        if (type == typeof(JsonArray)) { schema.Type = JsonSchemaType.Array | JsonSchemaType.Null; schema.Items ??= new OpenApiSchema(); }
        // A request record's fields may all be left out (a missing required field is answered with the family's
        // 400, which the document lists); response records always write every field.
        var request = RequestTypes(context.ApplicationServices).Contains(type);
        if (schema.Required is { Count: > 0 } && request) schema.Required = null;
        if (schema.Properties is { Count: > 0 } && IsStoreWire(context)) ToCamelCaseDeep(schema, context.JsonTypeInfo, request);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Numbers are documented as the server reads them: the JSON options the documents are built from are strict (a JSON
    /// number, never a numeric string), as are the Store API's. The exception is a request body a LucidGreen handler
    /// parses itself with DRF's semantics: DRF's IntegerField and DecimalField take a number sent as a string too
    /// (<c>"quantity": "2"</c>), so a number field of such a body is documented as a number or its canonical text.
    /// </summary>
    public static Task AcceptDrfNumericStrings(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (context.JsonPropertyInfo?.DeclaringType is not { } owner || schema.Type is not { } type
            || !DrfRequestTypes(context.ApplicationServices).Contains(owner)) return Task.CompletedTask;
        if (type.HasFlag(JsonSchemaType.Integer)) schema.Pattern = IntegerText;
        else if (type.HasFlag(JsonSchemaType.Number)) schema.Pattern = NumberText;
        else return Task.CompletedTask;
        schema.Type = type | JsonSchemaType.String;
        return Task.CompletedTask;
    }

    private const string IntegerText = @"^-?(?:0|[1-9]\d*)$", NumberText = @"^-?(?:0|[1-9]\d*)(?:\.\d+)?$";

    /// <summary>
    /// Renames a Store schema and the inline object schemas below it (a transfer's <c>transferLogs</c> items). The
    /// generator transforms an inline property's schema after its parent's, finding it by the snake_case name the
    /// parent's rename has already replaced, so those nested schemas are never transformed on their own.
    /// </summary>
    private static void ToCamelCaseDeep(OpenApiSchema schema, System.Text.Json.Serialization.Metadata.JsonTypeInfo info, bool request)
    {
        foreach (var property in info.Properties)
        {
            if (!schema.Properties!.TryGetValue(property.Name, out var child)) continue;
            var nested = child is OpenApiSchema { Items: OpenApiSchema items } ? items : child as OpenApiSchema;
            if (nested is not { Properties.Count: > 0 }) continue;
            var nestedInfo = info.Options.GetTypeInfo(property.PropertyType);
            if (nestedInfo.ElementType is { } element) nestedInfo = info.Options.GetTypeInfo(element);
            if (request) nested.Required = null;
            ToCamelCaseDeep(nested, nestedInfo, request);
        }
        ToCamelCase(schema, info);
    }

    /// <summary>The Store API writes and reads camelCase (Blaze.Json); the generator names properties by the
    /// snake_case options of the other families. A type a Store endpoint reads or answers is camelCase in every
    /// document (the admin API answers created batches in their Store shape).</summary>
    private static bool IsStoreWire(OpenApiSchemaTransformerContext context) =>
        context.DocumentName == "store" || StoreTypes(context.ApplicationServices).Contains(context.JsonTypeInfo.Type);

    private static HashSet<Type>? _storeTypes, _requestTypes, _drfRequestTypes, _wireTypes;

    private static HashSet<Type> WireTypes(IServiceProvider services) => _wireTypes ??= Reachable(
        services.GetRequiredService<EndpointDataSource>().Endpoints.SelectMany(BodyAndAnswerTypes));

    private static HashSet<Type> RequestTypes(IServiceProvider services) => _requestTypes ??= Reachable(
        services.GetRequiredService<EndpointDataSource>().Endpoints.SelectMany(e => e.Metadata.OfType<JsonBody>()).Select(b => b.Type));

    /// <summary>The request bodies the LucidGreen handlers parse with DRF's semantics (<see cref="OpenApiDocs.AcceptsJson"/>), and the types within them.</summary>
    private static HashSet<Type> DrfRequestTypes(IServiceProvider services) => _drfRequestTypes ??= Reachable(
        EndpointsOf(services, ApiFamily.Drf).SelectMany(e => e.Metadata.OfType<JsonBody>()).Select(b => b.Type));

    private static HashSet<Type> StoreTypes(IServiceProvider services) => _storeTypes ??= Reachable(
        EndpointsOf(services, ApiFamily.Blaze).SelectMany(BodyAndAnswerTypes));

    private static IEnumerable<RouteEndpoint> EndpointsOf(IServiceProvider services, ApiFamily family) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => ApiErrors.FamilyOf("/" + e.RoutePattern.RawText!.TrimStart('/')) == family);

    /// <summary>The JSON body an endpoint parses and the types it answers with.</summary>
    private static IEnumerable<Type> BodyAndAnswerTypes(Endpoint e) =>
        e.Metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.Type).Concat(e.Metadata.OfType<JsonBody>().Select(b => b.Type)).OfType<Type>();

    private static HashSet<Type> Reachable(IEnumerable<Type> roots)
    {
        var seen = new HashSet<Type>();
        var queue = new Queue<Type>(roots);
        while (queue.TryDequeue(out var type))
        {
            if (type.Namespace?.StartsWith("RetailTrace", StringComparison.Ordinal) != true && !type.IsGenericType || !seen.Add(type)) continue;
            foreach (var argument in type.GetGenericArguments()) queue.Enqueue(argument);
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)) queue.Enqueue(property.PropertyType);
        }
        return seen;
    }

    private static void ToCamelCase(OpenApiSchema schema, System.Text.Json.Serialization.Metadata.JsonTypeInfo info)
    {
        var names = info.Properties.ToDictionary(p => p.Name, p =>
            p.AttributeProvider is MemberInfo member && member.GetCustomAttribute<JsonPropertyNameAttribute>() is null
                ? JsonNamingPolicy.CamelCase.ConvertName(member.Name) : p.Name);
        var renamed = new Dictionary<string, IOpenApiSchema>();
        foreach (var (name, property) in schema.Properties!) renamed[names.GetValueOrDefault(name, name)] = property;
        schema.Properties = renamed;
        if (schema.Required is { Count: > 0 } required) schema.Required = required.Select(n => names.GetValueOrDefault(n, n)).ToHashSet();
    }
}
