using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace RetailTrace.Webhooks;

/// <summary>
/// Signing secrets. A secret must be usable to sign, so it cannot be stored as a hash like the other
/// credentials; it is stored encrypted with ASP.NET Core Data Protection, whose key ring lives in the
/// database so every server process can decrypt what another encrypted (see docs/DECISIONS.md, Webhooks).
/// A secret is shown once, when created or rotated, and never logged.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider protection)
{
    public const string Prefix = "whsec_";
    private readonly IDataProtector _protector = protection.CreateProtector("RetailTrace.Webhooks.SigningSecret.v1");

    /// <summary>A new secret: <c>whsec_</c> and 32 random bytes in base64.</summary>
    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string ciphertext) => _protector.Unprotect(ciphertext);

    /// <summary>
    /// One <c>webhook-signature</c> entry (Standard Webhooks): <c>v1,</c> and the base64 HMAC-SHA256, keyed with the
    /// secret's bytes, of <c>{id}.{timestamp}.{body}</c>.
    /// </summary>
    public static string Sign(string secret, string messageId, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret[Prefix.Length..]);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.{body}"));
        return "v1," + Convert.ToBase64String(mac);
    }
}
