using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Auth;

/// <summary>The store context of a BLAZE partner request: the developer key fixes company and shop.</summary>
public sealed record StoreCaller(string PartnerId, string CompanyId, string ShopId)
{
    public static ValueTask<StoreCaller?> BindAsync(HttpContext context) => ValueTask.FromResult(context.Features.Get<StoreCaller>());
}

/// <summary>
/// BLAZE partner auth: a partner key in <c>partner_key</c> or <c>x-api-key</c> plus the store's
/// developer key raw in <c>Authorization</c>. Both are looked up by hash (cached briefly).
/// </summary>
public sealed class BlazeAuthHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    AppDb db, IMemoryCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Blaze";
    public const string Policy = "BlazeStore";

    private const string FailureField = "blaze-auth-field";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var partnerKey = Request.Headers["partner_key"].ToString();
        if (partnerKey.Length == 0) partnerKey = Request.Headers["x-api-key"].ToString();
        var developerKey = Request.Headers.Authorization.ToString().Trim();
        if (partnerKey.Length == 0) return Fail("partner_key", "Partner key is missing.");
        if (developerKey.Length == 0) return Fail("Authorization", "Developer key is missing.");

        var partnerId = await Cached("blaze-partner:" + Secrets.Hash(partnerKey), hash =>
            db.Partners.AsNoTracking().Where(p => p.KeyHash == hash && !p.Revoked).Select(p => p.Id).FirstOrDefaultAsync());
        if (partnerId is null) return Fail("partner_key", "Invalid partner key.");

        var store = await Cached("blaze-dev:" + Secrets.Hash(developerKey), hash =>
            db.DeveloperKeys.AsNoTracking().Where(k => k.KeyHash == hash && !k.Revoked)
                .Select(k => k.CompanyId + "/" + k.ShopId).FirstOrDefaultAsync());
        if (store is null) return Fail("Authorization", "Invalid developer key.");

        var parts = store.Split('/');
        var caller = new StoreCaller(partnerId, parts[0], parts[1]);
        Context.Features.Set(caller);
        var identity = new ClaimsIdentity([new Claim("shop", caller.ShopId), new Claim("company", caller.CompanyId)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private Task<string?> Cached(string key, Func<string, Task<string?>> load) =>
        cache.GetOrCreateAsync(key, entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(LucidAuthHandler.CacheSeconds);
            entry.Size = 1;
            return load(key[(key.IndexOf(':') + 1)..]);
        });

    private AuthenticateResult Fail(string field, string message)
    {
        Context.Items[FailureField] = field;
        return AuthenticateResult.Fail(message);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var field = Context.Items[FailureField] as string ?? "Authorization";
        var message = result.Failure?.Message ?? "Invalid credentials.";
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        await Response.WriteAsJsonAsync(new BlazeError(field, message, Blaze.AuthError, null), Blaze.Json);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Response.WriteAsJsonAsync(new BlazeError("Authorization", "Access denied.", Blaze.AuthError, null), Blaze.Json);
    }
}
