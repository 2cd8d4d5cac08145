using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace RetailTrace.OperatorConsole;

/// <summary>
/// A credential just created, carried from the form post to the page the browser is sent to next (post, redirect,
/// get) in an encrypted HttpOnly cookie that expires within two minutes and is deleted as it is shown. So the secret is
/// shown once, and reloading the page neither shows it again nor posts the form again (which would make another credential).
/// </summary>
public static class NewSecrets
{
    /// <param name="Kind">What it is: <c>client</c>, <c>partner</c> or <c>developer_key</c>.</param>
    /// <param name="Id">The credential's public id (client_id, partner or key id).</param>
    public sealed record NewSecret(string Kind, string Id, string Name, string Value);

    private const string Cookie = "RetailTrace.Console.NewSecret";
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    public static void Keep(HttpContext http, NewSecret secret)
    {
        var sealedValue = Protector(http).Protect(JsonSerializer.Serialize(secret), Lifetime);
        http.Response.Cookies.Append(Cookie, sealedValue, new CookieOptions
        {
            Path = ConsoleErrors.BasePath, HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, MaxAge = Lifetime,
        });
    }

    /// <summary>The secret kept for this response, if any; it is gone afterwards.</summary>
    public static NewSecret? Take(HttpContext http)
    {
        if (http.Request.Cookies[Cookie] is not { Length: > 0 } sealedValue) return null;
        http.Response.Cookies.Delete(Cookie, new CookieOptions { Path = ConsoleErrors.BasePath });
        try { return JsonSerializer.Deserialize<NewSecret>(Protector(http).Unprotect(sealedValue)); }
        catch (Exception ex) when (ex is CryptographicException or JsonException) { return null; } // expired or not ours
    }

    private static ITimeLimitedDataProtector Protector(HttpContext http) =>
        http.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector("RetailTrace.Console.NewSecret").ToTimeLimitedDataProtector();
}
