using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Auth;

/// <summary>The authenticated OAuth2 client of a LucidGreen-family request (v1.2 / v1.5). <see cref="PublicId"/> is the
/// <c>client_id</c> the client authenticates with and the admin API shows; <see cref="ClientId"/> is its row's key.</summary>
public sealed record LucidCaller(Guid ClientId, string PublicId, ClientKind Kind, Guid? DispensaryId, Guid? DefaultBrandId, Guid[] BrandIds, DateTime ExpiresAt)
{
    public bool CanAccessBrand(Guid brandId) => Array.IndexOf(BrandIds, brandId) >= 0;

    /// <summary>Handlers take a <see cref="LucidCaller"/> parameter; authentication has stored it by then.</summary>
    public static ValueTask<LucidCaller?> BindAsync(HttpContext context) => ValueTask.FromResult(context.Features.Get<LucidCaller>());

    /// <summary>For handlers behind a dispensary policy.</summary>
    public Guid Dispensary => DispensaryId ?? throw new InvalidOperationException("Not a dispensary client.");
}

/// <summary>
/// Bearer tokens from <c>/o/token/</c>. A validated token is cached for a few seconds, so hot
/// clients cost no database round trip while a revocation still takes effect within
/// <see cref="CacheSeconds"/>.
/// </summary>
public sealed class LucidAuthHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    AppDb db, IMemoryCache cache, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Lucid";
    public const string DispensaryPolicy = "LucidDispensary";
    public const string BrandPolicy = "LucidBrand";
    public const string AnyClientPolicy = "LucidAnyClient";
    public const string KindClaim = "kind";
    public const int CacheSeconds = 5;

    public const string NotProvided = "Authentication credentials were not provided.";
    public const string InvalidToken = "Invalid token.";
    public const string Forbidden = "You do not have permission to perform this action.";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // Clients build the header from the token answer ("<token_type> <access_token>"), some with stray spaces around it.
        var header = Request.Headers.Authorization.ToString().Trim();
        // Another scheme (Basic, say) carries no token of ours: as in DRF, the request is unauthenticated, not wrong.
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
            return AuthenticateResult.Fail(InvalidToken);

        var hash = Secrets.Hash(header[7..].Trim());
        var caller = await cache.GetOrCreateAsync("lucid-token:" + hash, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(CacheSeconds);
            entry.Size = 1;
            return await LoadAsync(hash);
        });
        var now = time.GetUtcNow().UtcDateTime;
        if (caller is null || caller.ExpiresAt <= now) return AuthenticateResult.Fail(InvalidToken);

        Context.Features.Set(caller);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, caller.ClientId.ToString()), new Claim(KindClaim, caller.Kind.ToString())], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private async Task<LucidCaller?> LoadAsync(string hash)
    {
        var row = await db.AccessTokens.AsNoTracking()
            .Where(t => t.TokenHash == hash && !t.Revoked)
            .Join(db.OAuthClients.Where(c => !c.Revoked), t => t.OAuthClientId, c => c.Id, (t, c) => new { t.ExpiresAt, Client = c })
            .Select(x => new { x.ExpiresAt, x.Client.Id, PublicId = x.Client.ClientId, x.Client.Kind, x.Client.DispensaryId, x.Client.DefaultBrandId, Brands = x.Client.Brands.Select(b => b.BrandId).ToArray() })
            .FirstOrDefaultAsync(Context.RequestAborted);
        return row is null ? null : new LucidCaller(row.Id, row.PublicId, row.Kind, row.DispensaryId, row.DefaultBrandId, row.Brands, row.ExpiresAt);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"api\"";
        var detail = result.Failure is not null ? InvalidToken : NotProvided;
        await Response.WriteAsJsonAsync(new DrfDetail(detail), Drf.Json);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Response.WriteAsJsonAsync(new DrfDetail(Forbidden), Drf.Json);
    }
}
