using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.OperatorConsole;

/// <summary>The operator acting in a console request: their session, the name they signed in with, their address.</summary>
public sealed record ConsoleOperator(Guid SessionId, string Name, string? RemoteAddress)
{
    public static ConsoleOperator Of(HttpContext http) => new(
        Guid.Parse(http.User.FindFirstValue(ConsoleAuth.SessionClaim)!), http.User.FindFirstValue(ClaimTypes.Name)!, ConsoleAuth.AddressOf(http));
}

/// <summary>
/// Console sessions. The admin token (<c>Admin:Token</c>) is the only credential, checked by the admin API's own
/// check (<see cref="Auth.AdminAuthHandler.TokenMatches"/>); without it the console is off like the admin API. A
/// sign-in starts a <see cref="ConsoleSession"/> row and sets an HttpOnly, SameSite=Strict cookie under
/// <c>/console</c> that names it. Every request checks the row (not signed out, not past its absolute end) and that
/// the admin token is still the one signed in with, so signing out or changing the token ends every session at once.
/// </summary>
public static class ConsoleAuth
{
    public const string Scheme = "Console";
    public const string Policy = "Console";
    public const string SessionClaim = "console_session";
    private const string TokenClaim = "admin_token";

    /// <summary>How long a session lasts without a request (the cookie slides), and at most in all.</summary>
    public sealed record Lifetimes(TimeSpan Idle, TimeSpan Absolute)
    {
        public static Lifetimes From(IConfiguration config) => new(
            TimeSpan.FromMinutes(Math.Clamp(config.GetValue("Console:IdleMinutes", 30), 1, 24 * 60)),
            TimeSpan.FromHours(Math.Clamp(config.GetValue("Console:SessionHours", 8), 1, 7 * 24)));
    }

    public static bool Enabled(IConfiguration config) => !string.IsNullOrEmpty(config["Admin:Token"]);

    public static bool TokenMatches(IConfiguration config, string? given) =>
        config["Admin:Token"] is { Length: > 0 } expected && given is not null && Auth.AdminAuthHandler.TokenMatches(expected, given.Trim());

    public static string? AddressOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString();

    /// <summary>Starts a session for <paramref name="operatorName"/> (the token was checked) and records the sign-in.</summary>
    public static async Task SignInAsync(HttpContext http, AppDb db, TimeProvider time, string operatorName, CancellationToken ct)
    {
        var lifetimes = http.RequestServices.GetRequiredService<Lifetimes>();
        var now = time.GetUtcNow().UtcDateTime;
        var session = new ConsoleSession
        {
            Id = Guid.NewGuid(), Operator = operatorName, RemoteAddress = AddressOf(http), CreatedAt = now, ExpiresAt = now + lifetimes.Absolute,
        };
        await db.WriteAsync(async () =>
        {
            db.ConsoleSessions.Add(session);
            ConsoleAudit.Add(db, new ConsoleOperator(session.Id, operatorName, session.RemoteAddress), now, "session.sign_in", null, null);
            await db.SaveChangesAsync(ct);
            return session;
        }, ct);
        var identity = new ClaimsIdentity(
        [
            new Claim(SessionClaim, session.Id.ToString()),
            new Claim(ClaimTypes.Name, operatorName),
            new Claim(TokenClaim, TokenFingerprint(http.RequestServices.GetRequiredService<IConfiguration>())),
        ], Scheme);
        await http.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = true });
    }

    /// <summary>Ends the session on the server and in the browser, and records it.</summary>
    public static async Task SignOutAsync(HttpContext http, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var who = ConsoleOperator.Of(http);
        var now = time.GetUtcNow().UtcDateTime;
        await db.WriteAsync(async () =>
        {
            await db.ConsoleSessions.Where(s => s.Id == who.SessionId && s.EndedAt == null).ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now), ct);
            ConsoleAudit.Add(db, who, now, "session.sign_out", null, null);
            await db.SaveChangesAsync(ct);
            return true;
        }, ct);
        await http.SignOutAsync(Scheme);
    }

    /// <summary>Records a refused sign-in (a wrong token) with the name and address it came with.</summary>
    public static Task RecordRefusedAsync(HttpContext http, AppDb db, TimeProvider time, string? operatorName, CancellationToken ct) =>
        db.WriteAsync(async () =>
        {
            var name = string.IsNullOrWhiteSpace(operatorName) ? "(no name)" : operatorName.Trim();
            if (name.Length > ConsoleModel.OperatorMaxLength) name = name[..ConsoleModel.OperatorMaxLength];
            db.ConsoleAuditLog.Add(new ConsoleAuditEntry
            {
                At = time.GetUtcNow().UtcDateTime, Operator = name, RemoteAddress = AddressOf(http), Action = "session.sign_in_refused",
            });
            await db.SaveChangesAsync(ct);
            return true;
        }, ct);

    /// <summary>Refuses a cookie whose session ended or expired, or that was issued under another admin token.</summary>
    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var http = context.HttpContext;
        var config = http.RequestServices.GetRequiredService<IConfiguration>();
        var valid = Guid.TryParse(context.Principal?.FindFirstValue(SessionClaim), out var id)
            && Enabled(config) && context.Principal!.FindFirstValue(TokenClaim) == TokenFingerprint(config);
        if (valid)
        {
            var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
            var db = http.RequestServices.GetRequiredService<AppDb>();
            valid = await db.ConsoleSessions.AnyAsync(s => s.Id == id && s.EndedAt == null && s.ExpiresAt > now, http.RequestAborted);
        }
        if (valid) return;
        context.RejectPrincipal();
        await http.SignOutAsync(Scheme);
    }

    /// <summary>Names the admin token a session was opened with, without holding it: a short hash.</summary>
    private static string TokenFingerprint(IConfiguration config) => Secrets.Hash("console-session\n" + config["Admin:Token"])[..16];

    public static IServiceCollection AddConsoleAuth(this IServiceCollection services, IConfiguration config)
    {
        var lifetimes = Lifetimes.From(config);
        services.AddSingleton(lifetimes);
        // Secure whenever the request came over HTTPS, and always when the server's public address is HTTPS
        // (TLS then often ends at a proxy, and this process sees plain HTTP).
        var secure = config["PublicBaseUrl"] is { } publicUrl && publicUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = "RetailTrace.Console";
            o.Cookie.Path = ConsoleErrors.BasePath;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = secure;
            o.ExpireTimeSpan = lifetimes.Idle;
            o.SlidingExpiration = true;
            o.LoginPath = ConsoleErrors.BasePath + "/sign-in";
            o.AccessDeniedPath = ConsoleErrors.BasePath + "/sign-in";
            o.ReturnUrlParameter = "returnUrl";
            o.Events.OnValidatePrincipal = ValidateAsync;
        });
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "RetailTrace.Console.Antiforgery";
            o.Cookie.Path = ConsoleErrors.BasePath;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = secure;
        });
        return services;
    }
}
