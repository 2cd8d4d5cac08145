using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using RetailTrace.Common;

namespace RetailTrace.Auth;

/// <summary>Operator access to <c>/admin/v1</c>: <c>Authorization: Bearer &lt;Admin:Token&gt;</c>. No token configured → admin API disabled.</summary>
public sealed class AdminAuthHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IConfiguration config)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Admin";
    public const string Policy = "Admin";

    public const int MinimumTokenLength = 32;
    public const int MinimumDistinctCharacters = 10;

    /// <summary>
    /// Refuses to start with an admin token that could be guessed: fewer than <see cref="MinimumTokenLength"/> characters
    /// or fewer than <see cref="MinimumDistinctCharacters"/> distinct ones (<c>aaaa…</c>, <c>0101…</c>). No token is
    /// fine: the admin API and console are then off. <c>openssl rand -base64 32</c> makes a good one; the demo makes its own.
    /// </summary>
    public static void EnsureStrongToken(IConfiguration config)
    {
        var token = config["Admin:Token"];
        if (string.IsNullOrEmpty(token)) return;
        if (token.Length < MinimumTokenLength || token.Distinct().Count() < MinimumDistinctCharacters)
            throw new SettingsException(
                $"Admin:Token is too weak: use at least {MinimumTokenLength} characters with at least {MinimumDistinctCharacters} different ones (e.g. the output of `openssl rand -base64 32`).");
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var expected = config["Admin:Token"];
        if (string.IsNullOrEmpty(expected)) return Task.FromResult(AuthenticateResult.Fail("The admin API is disabled: no Admin:Token is configured."));
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.Fail("An admin bearer token is required."));
        if (!TokenMatches(expected, header[7..].Trim()))
        {
            Logger.LogWarning("Failed admin authentication from {Address}", Common.RateLimits.AddressOf(Context));
            return Task.FromResult(AuthenticateResult.Fail("Invalid admin token."));
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Role, "admin")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <summary>The one check of an admin token, here and at the console's sign-in: hashed first, so the comparison
    /// takes the same time whatever the lengths, then compared in constant time.</summary>
    public static bool TokenMatches(string expected, string given) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"admin\"";
        await Results.Problem(statusCode: 401, title: "Unauthorized", detail: result.Failure?.Message).ExecuteAsync(Context);
    }
}
