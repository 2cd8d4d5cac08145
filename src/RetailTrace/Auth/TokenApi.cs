using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.OpenApi;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Auth;

/// <summary>OAuth2 client-credentials token endpoint, as LucidGreen's (django-oauth-toolkit) answers it.</summary>
public static class TokenApi
{
    public const int ExpiresInSeconds = 36000;

    /// <summary>Sign-ins are an audit trail, logged at Information: outside <c>RetailTrace.Auth</c>, whose handlers' per-request lines are kept at Warning.</summary>
    private const string LogCategory = "RetailTrace.Tokens";

    public sealed record TokenResponse(string access_token, string token_type, int expires_in, string scope);
    public sealed record OAuthError(string error, [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? error_description = null);

    public static IEndpointRouteBuilder MapTokenApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/o/token/", IssueToken)
            .WithName("IssueToken")
            .WithTags("Auth")
            .WithSummary("Exchange OAuth2 client credentials for a bearer token")
            .WithDescription("Form-encoded grant_type=client_credentials with client_id/client_secret in the body or HTTP Basic. Tokens last 36000 s. Repeated wrong secrets lock the client id out for a while (429 with Retry-After), even with the right secret.")
            // Documented by hand: declaring the form with Accepts<T> would make routing answer 415 in
            // the problem shape instead of the OAuth2 error body for other content types.
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody = FormBody();
                return Task.CompletedTask;
            })
            .Produces<TokenResponse>()
            .Produces<OAuthError>(400)
            .Produces<OAuthError>(401)
            .ProducesProblem(429)
            .DisableAntiforgery();
        return app;
    }

    private static OpenApiRequestBody FormBody() => new()
    {
        Required = true,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/x-www-form-urlencoded"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { "grant_type" },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["grant_type"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [System.Text.Json.Nodes.JsonValue.Create("client_credentials")] },
                        ["client_id"] = new OpenApiSchema { Type = JsonSchemaType.String },
                        ["client_secret"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    },
                },
            },
        },
    };

    private static async Task<IResult> IssueToken(HttpRequest request, AppDb db, TimeProvider time, ClientLockouts lockouts, ILoggerFactory logs)
    {
        if (!request.HasFormContentType) return Error(400, "invalid_request", "Use application/x-www-form-urlencoded.");
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var grantType = form["grant_type"].ToString();
        if (grantType.Length == 0) return Error(400, "invalid_request", "Missing grant_type parameter.");
        if (grantType != "client_credentials") return Error(400, "unsupported_grant_type");

        var (clientId, secret) = FromBasic(request) ?? (form["client_id"].ToString(), form["client_secret"].ToString());
        if (clientId.Length == 0 || secret.Length == 0) return InvalidClient(request);
        // HTTP Basic credentials are percent-decoded here, after the body guard: a NUL could not be stored or looked up.
        if (clientId.Contains('\0') || secret.Contains('\0')) return Error(400, "invalid_request", RequestBody.NullCharacterMessage);
        var (client, locked) = await lockouts.AttemptAsync(clientId, async () =>
            await db.OAuthClients.AsNoTracking().FirstOrDefaultAsync(c => c.ClientId == clientId && !c.Revoked, request.HttpContext.RequestAborted)
                is { } found && Secrets.Matches(secret, found.SecretHash) ? found : null, request.HttpContext.RequestAborted);
        if (locked is not null) return new RateLimits.Throttled(locked.Value);
        if (client is null)
        {
            // The client id as sent (bounded), never the secret.
            logs.CreateLogger(LogCategory).LogWarning("Failed sign-in at /o/token/ for client id {ClientId} from {Address}",
                clientId.Length > 100 ? clientId[..100] : clientId, RateLimits.AddressOf(request.HttpContext));
            return InvalidClient(request);
        }

        var token = Secrets.New();
        var now = time.GetUtcNow().UtcDateTime;
        await db.InsertAsync(new AccessToken
        {
            TokenHash = Secrets.Hash(token),
            OAuthClientId = client.Id,
            CreatedAt = now,
            ExpiresAt = now.AddSeconds(ExpiresInSeconds),
        }, request.HttpContext.RequestAborted);
        // Which client obtained a token, for the operator's audit trail; the token itself is never logged.
        logs.CreateLogger(LogCategory).LogInformation("Token issued at /o/token/ to client id {ClientId} from {Address}",
            client.ClientId, RateLimits.AddressOf(request.HttpContext));
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new TokenResponse(token, "Bearer", ExpiresInSeconds, "read write"));
    }

    private static (string, string)? FromBasic(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':');
            if (colon < 0) return null;
            return (Uri.UnescapeDataString(decoded[..colon]), Uri.UnescapeDataString(decoded[(colon + 1)..]));
        }
        catch (FormatException) { return null; }
    }

    /// <summary>RFC 6749 §5.2's 401: it names the scheme the endpoint takes in the Authorization header (HTTP Basic),
    /// which a client that sent Basic must be answered with, and which tells one that sent form fields it may.</summary>
    private static IResult InvalidClient(HttpRequest request)
    {
        request.HttpContext.Response.Headers.WWWAuthenticate = "Basic realm=\"api\"";
        return Error(401, "invalid_client");
    }

    /// <summary>An RFC 6749 §5.2 error body, the token endpoint's own refusals and those made before it (<see cref="ApiErrors"/>).</summary>
    internal static IResult Error(int status, string error, string? description = null) =>
        TypedResults.Json(new OAuthError(error, description), statusCode: status);
}
