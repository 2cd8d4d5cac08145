using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.OperatorConsole;

/// <summary>
/// Who reaches the console and how: never without a session (every route of the route table), a cookie session that is
/// HttpOnly, SameSite=Strict, Secure over HTTPS and expiring, ended on the server by sign-out or by a new admin token,
/// refused wrong tokens recorded, and every form refusing a post without its antiforgery token.
/// </summary>
public abstract class ConsoleAccessTests(AppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private ConsoleWorld? _world;
    private async Task<ConsoleWorld> WorldAsync() => _world ??= await ConsoleWorld.CreateAsync(app);

    [Fact]
    public async Task Every_console_route_sends_a_visitor_without_a_session_to_sign_in_and_shows_nothing()
    {
        var world = await WorldAsync();
        var anonymous = app.Client();
        var routes = ConsoleWorld.Routes(app.Services);
        Assert.Contains("/console/lucidids/{LucidId}", routes);
        var auditBefore = (await app.AuditAsync()).Count;
        var wrong = new List<string>();
        foreach (var pattern in routes.Where(p => p is not ("/console/sign-in" or "/console/assets/{name}")))
        {
            var url = world.Url(pattern);
            // The download link is GET only: a POST is refused for its method (405) before anything else.
            foreach (var method in pattern.EndsWith("/download", StringComparison.Ordinal) ? [HttpMethod.Get] : new[] { HttpMethod.Get, HttpMethod.Post })
            {
                using var request = new HttpRequestMessage(method, url);
                if (method == HttpMethod.Post) request.Content = new FormUrlEncodedContent([new("_handler", "revoke-client"), new("client_id", world.Dispensary.ClientId)]);
                using var response = await anonymous.SendAsync(request, Ct);
                var body = await response.Content.ReadAsStringAsync(Ct);
                var location = response.Headers.Location?.ToString() ?? "";
                if ((int)response.StatusCode != 302 || !location.StartsWith("http://localhost/console/sign-in?returnUrl=", StringComparison.Ordinal) || body.Length > 0)
                    wrong.Add($"{method} {url} → {(int)response.StatusCode} {location} ({body.Length} bytes)");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.Equal(auditBefore, (await app.AuditAsync()).Count);
        Assert.True(await app.WithDbAsync(db => db.OAuthClients.Where(c => c.ClientId == world.Dispensary.ClientId).Select(c => !c.Revoked).SingleAsync(Ct)));
    }

    /// <summary>Pages show operator data and fresh secrets. Their no-cache header is the one antiforgery sets too, so
    /// it does not warn that it overrode the page's.</summary>
    [Fact]
    public async Task Console_pages_are_never_cached_framed_or_sniffed_and_log_no_warning()
    {
        var logs = new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider();
        await using var host = app.Derive(b => b.ConfigureLogging(l => l.AddProvider(logs)));
        var console = await ConsoleClient.SignInAsync(host);
        foreach (var url in new[] { "/console/", "/console/sign-in" })
        {
            var page = await console.GetAsync(url);
            var headers = page.Response.Headers;
            Assert.Equal((200, true, "DENY", "nosniff", "no-referrer"), (page.Status, headers.CacheControl is { NoCache: true, NoStore: true },
                headers.GetValues("X-Frame-Options").Single(), headers.GetValues("X-Content-Type-Options").Single(), headers.GetValues("Referrer-Policy").Single()));
            Assert.StartsWith("default-src 'none';", headers.GetValues("Content-Security-Policy").Single());
        }
        Assert.Empty(logs.Collector.GetSnapshot().Where(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).Select(r => $"{r.Category}: {r.Message}"));
    }

    [Theory]
    [InlineData("https://localhost", true)]
    [InlineData("http://localhost", false)]
    public async Task Signing_in_sets_an_http_only_strict_expiring_cookie_under_console_secure_over_https(string baseAddress, bool secure)
    {
        var before = DateTimeOffset.UtcNow;
        var console = await ConsoleClient.SignInAsync(app, baseAddress: baseAddress);
        var dashboard = await console.GetAsync("/console/");
        Assert.Equal(200, dashboard.Status);
        Assert.Contains("Signed in as <strong>Test Operator</strong>", dashboard.Html);

        var again = await new ConsoleClient(app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri(baseAddress) }))
            .PostAsync("/console/sign-in", "sign-in", ("operator", "Ada"), ("token", AppFixture.AdminToken));
        var cookie = again.Response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("RetailTrace.Console=", StringComparison.Ordinal));
        var attributes = cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
        Assert.Contains("path=/console", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("httponly", attributes);
        Assert.Equal(secure, attributes.Contains("secure"));
        var expires = DateTimeOffset.Parse(attributes.Single(a => a.StartsWith("expires=", StringComparison.Ordinal))["expires=".Length..]);
        Assert.InRange(expires, before.AddMinutes(29), DateTimeOffset.UtcNow.AddMinutes(31)); // Console:IdleMinutes, default 30
    }

    [Fact]
    public async Task A_wrong_token_is_refused_with_a_message_no_session_and_an_audit_entry()
    {
        var client = new ConsoleClient(app.Client());
        var refused = await client.PostAsync("/console/sign-in", "sign-in", ("operator", "Mallory"), ("token", "guess"));
        Assert.Equal(401, refused.Status);
        Assert.Contains("Wrong admin token.", refused.Html);
        Assert.DoesNotContain(refused.Response.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith("RetailTrace.Console=", StringComparison.Ordinal));
        Assert.Equal(302, (await client.GetAsync("/console/")).Status);
        var entry = (await app.AuditAsync()).Last();
        Assert.Equal(("session.sign_in_refused", "Mallory", (Guid?)null), (entry.Action, entry.Operator, entry.SessionId));
    }

    [Fact]
    public async Task A_session_ends_at_its_absolute_lifetime_however_busy()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        await using var host = app.Derive(b =>
        {
            b.UseSetting("Console:IdleMinutes", "1440");
            b.UseSetting("Console:SessionHours", "1");
            b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(time));
        });
        var console = await ConsoleClient.SignInAsync(host, name: "Busy");
        time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(200, (await console.GetAsync("/console/")).Status);
        time.Advance(TimeSpan.FromMinutes(2));
        var ended = await console.GetAsync("/console/");
        Assert.Equal(302, ended.Status);
        Assert.StartsWith("http://localhost/console/sign-in", ended.Location);
    }

    [Fact]
    public async Task Signing_out_ends_the_session_on_the_server_so_a_kept_cookie_is_refused()
    {
        var console = await ConsoleClient.SignInAsync(app, name: "Leaving");
        var kept = new ConsoleClient(app.Client());
        var cookie = console.SessionCookie!;
        kept.Http.DefaultRequestHeaders.Add("Cookie", cookie);
        Assert.Equal(200, (await kept.GetAsync("/console/audit")).Status);

        var signedOut = await console.PostAsync("/console/sign-out", "sign-out");
        Assert.Equal(302, signedOut.Status);
        Assert.EndsWith("/console/sign-in", signedOut.Location);
        var replayed = await kept.GetAsync("/console/audit");
        Assert.Equal(302, replayed.Status);
        Assert.StartsWith("http://localhost/console/sign-in", replayed.Location);
        var entries = (await app.AuditAsync()).Where(e => e.Operator == "Leaving").Select(e => e.Action);
        Assert.Equal(["session.sign_in", "session.sign_out"], entries);
    }

    [Fact]
    public async Task A_session_opened_under_another_admin_token_is_refused()
    {
        var console = await ConsoleClient.SignInAsync(app);
        var cookie = console.SessionCookie!;
        await using var rotated = app.WithWebHostBuilder(b => b.UseSetting("Admin:Token", "a-new-admin-token-Hs5Tb8Yg2Fq6Mn4Xw"));
        var client = rotated.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        using var response = await client.GetAsync("/console/", Ct);
        Assert.Equal(302, (int)response.StatusCode);
        Assert.Equal(200, (await console.GetAsync("/console/")).Status); // the same cookie, under the token it was issued for
    }

    [Fact]
    public async Task Every_form_refuses_a_post_without_its_antiforgery_token_and_changes_nothing()
    {
        var world = await WorldAsync();
        var console = await ConsoleClient.SignInAsync(app);
        var audit = (await app.AuditAsync()).Count;
        var clients = await app.WithDbAsync(db => db.OAuthClients.CountAsync(Ct));
        var checkedForms = 0;
        var wrong = new List<string>();
        foreach (var pattern in ConsoleWorld.Routes(app.Services).Where(ConsoleWorld.IsPage))
        {
            var page = await console.GetAsync(world.Url(pattern));
            foreach (var form in ConsoleClient.FormsOf(page.Html))
            {
                var fields = form.Fields.Select(f => (f, "x")).Concat(form.Buttons).Prepend(("_handler", form.Handler));
                var refused = await console.PostRawAsync(form.Action, fields);
                checkedForms++;
                if (refused.Status != 400 || !refused.Html.Contains("no valid antiforgery token")) wrong.Add($"{pattern} {form.Handler} → {refused.Status}");
            }
        }
        var signIn = await new ConsoleClient(app.Client()).PostRawAsync("/console/sign-in", [("_handler", "sign-in"), ("operator", "A"), ("token", AppFixture.AdminToken)]);
        if (signIn.Status != 400) wrong.Add($"sign-in → {signIn.Status}");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.True(checkedForms > 15, $"only {checkedForms} forms found");
        Assert.Equal(audit, (await app.AuditAsync()).Count);
        Assert.Equal(clients, await app.WithDbAsync(db => db.OAuthClients.CountAsync(Ct)));
        Assert.Equal(200, (await console.GetAsync("/console/")).Status); // the layout's sign-out form was refused too
    }

    [Theory]
    [InlineData("/console/audit", "/console/audit")]
    [InlineData("https://evil.example/console/", "/console/")]
    [InlineData("//evil.example/console/", "/console/")]
    [InlineData("/console//evil.example/", "/console/")]
    [InlineData("/console/\\evil.example/", "/console/")]
    public async Task Signing_in_returns_to_a_console_path_only(string returnUrl, string target)
    {
        var client = new ConsoleClient(app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }));
        var signedIn = await client.PostAsync("/console/sign-in?returnUrl=" + Uri.EscapeDataString(returnUrl), "sign-in",
            ("operator", "Returning"), ("token", AppFixture.AdminToken));
        Assert.Equal((302, "http://localhost" + target), (signedIn.Status, signedIn.Location));
    }
}

public sealed class ConsoleAccessTestsOnSqlite(ConsoleSqliteApp app) : ConsoleAccessTests(app), IClassFixture<ConsoleSqliteApp>;
public sealed class ConsoleAccessTestsOnPostgres(ConsolePostgresApp app) : ConsoleAccessTests(app), IClassFixture<ConsolePostgresApp>;

/// <summary>Sign-in attempts are limited per address like the API's requests: beyond the budget a 429 page with Retry-After, whatever the token.</summary>
public sealed class ConsoleSignInThrottleTests(ConsoleSignInThrottleTests.App app) : IClassFixture<ConsoleSignInThrottleTests.App>
{
    public sealed class App : SqliteApp
    {
        protected override IEnumerable<(string Key, string Value)> ExtraSettings() => [("RateLimit:SignInPerMinute", "3")];
    }

    [Fact]
    public async Task Wrong_tokens_are_throttled_after_the_budget_and_so_is_the_right_one()
    {
        var client = new ConsoleClient(app.Client());
        for (var i = 0; i < 3; i++) Assert.Equal(401, (await client.PostAsync("/console/sign-in", "sign-in", ("operator", "Guesser"), ("token", $"guess-{i}"))).Status);
        var throttled = await client.PostAsync("/console/sign-in", "sign-in", ("operator", "Guesser"), ("token", AppFixture.AdminToken));
        Assert.Equal(429, throttled.Status);
        Assert.Equal("text/html", throttled.Response.Content.Headers.ContentType?.MediaType);
        Assert.Matches(@"Too many requests\. Try again in \d+ seconds?\.", throttled.Html);
        Assert.True(throttled.Response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.DoesNotContain(throttled.Response.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith("RetailTrace.Console=", StringComparison.Ordinal));
        Assert.Equal(200, (await client.GetAsync("/console/sign-in")).Status); // showing the form is not an attempt
    }
}
