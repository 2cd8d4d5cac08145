using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Auth;

/// <summary>
/// Guessing a credential is throttled whatever is guessed: each host here has a failed-authentication budget of
/// <see cref="Budget"/> per address (one more every 10 s, longer than a run of 1,000 refused requests takes), so
/// exactly <see cref="Budget"/> guesses are checked and every later request from that address draws 429.
/// </summary>
public abstract class ThrottlingTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private const int Budget = 6;
    private const int Attempts = 1000;

    private WebApplicationFactory<Program> Host(ManualTime? time = null, params (string Key, string Value)[] settings) => app.Derive(b =>
    {
        b.UseSetting("RateLimit:FailedAuthPerMinute", Budget.ToString());
        foreach (var (key, value) in settings) b.UseSetting(key, value);
        if (time is not null) b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(time));
    });

    private static HttpClient ClientOf(WebApplicationFactory<Program> host) =>
        host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("http://localhost") });

    private static AuthenticationHeaderValue Basic(string clientId, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{secret}")));

    private static async Task<(int Status, string Body, string? RetryAfter)> TokenAsync(HttpClient http, AuthenticationHeaderValue basic)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/o/token/")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
        };
        request.Headers.Authorization = basic;
        using var response = await http.SendAsync(request, Ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response.Headers.RetryAfter?.ToString());
    }

    /// <summary>Sends <see cref="Attempts"/> requests; returns the statuses in order and the last refusal.</summary>
    private static async Task<(List<int> Statuses, string LastBody, string? LastRetryAfter)> GuessAsync(Func<int, Task<(int Status, string Body, string? RetryAfter)>> attempt)
    {
        var statuses = new List<int>();
        (int, string Body, string? RetryAfter) last = (0, "", null);
        for (var i = 0; i < Attempts; i++)
        {
            last = await attempt(i);
            statuses.Add(last.Item1);
        }
        return (statuses, last.Body, last.RetryAfter);
    }

    private static void AssertRefusedAfter(int allowed, int failure, List<int> statuses)
    {
        Assert.Equal(Enumerable.Repeat(failure, allowed), statuses.Take(allowed));
        Assert.Equal(Enumerable.Repeat(429, Attempts - allowed), statuses.Skip(allowed));
    }

    [Fact]
    public async Task A_thousand_wrong_client_secrets_over_http_basic_lock_the_client_id_after_five_failures()
    {
        var d = await app.NewDispensaryAsync();
        var time = new ManualTime(DateTimeOffset.UtcNow);
        // A large address budget, so the client id's lockout is what refuses.
        await using var host = Host(time, ("RateLimit:FailedAuthPerMinute", "1000000"));
        var http = ClientOf(host);

        var (statuses, body, retryAfter) = await GuessAsync(i => TokenAsync(http, Basic(d.ClientId, "wrong-" + i)));
        AssertRefusedAfter(5, 401, statuses);
        Assert.Equal("30", retryAfter);
        Assert.Contains("\"detail\":\"Too many requests. Retry in 30 seconds.\"", body);
        // Locked means locked: the right secret is refused too, so a lockout never confirms a guess.
        Assert.Equal(429, (await TokenAsync(http, Basic(d.ClientId, d.ClientSecret))).Status);
        // Other client ids are not locked.
        var other = await app.NewDispensaryAsync();
        Assert.Equal(200, (await TokenAsync(http, Basic(other.ClientId, other.ClientSecret))).Status);
    }

    [Fact]
    public async Task A_locked_client_id_signs_in_again_after_its_lockout_which_doubles_with_each_further_failure()
    {
        var d = await app.NewDispensaryAsync();
        var time = new ManualTime(DateTimeOffset.UtcNow);
        await using var host = Host(time, ("RateLimit:FailedAuthPerMinute", "1000000"), ("RateLimit:LockoutAfter", "3"), ("RateLimit:LockoutSeconds", "30"));
        var http = ClientOf(host);
        for (var i = 0; i < 3; i++) Assert.Equal(401, (await TokenAsync(http, Basic(d.ClientId, "wrong"))).Status);
        Assert.Equal((429, "30"), Pick(await TokenAsync(http, Basic(d.ClientId, d.ClientSecret))));

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal((429, "1"), Pick(await TokenAsync(http, Basic(d.ClientId, d.ClientSecret))));
        time.Advance(TimeSpan.FromSeconds(1));
        // Over: one more failure locks it again, for twice as long.
        Assert.Equal(401, (await TokenAsync(http, Basic(d.ClientId, "wrong"))).Status);
        Assert.Equal((429, "60"), Pick(await TokenAsync(http, Basic(d.ClientId, d.ClientSecret))));
        time.Advance(TimeSpan.FromSeconds(60));

        Assert.Equal(200, (await TokenAsync(http, Basic(d.ClientId, d.ClientSecret))).Status);
        // A success clears the count: the next failure is the first again.
        Assert.Equal(401, (await TokenAsync(http, Basic(d.ClientId, "wrong"))).Status);
        Assert.Equal(200, (await TokenAsync(http, Basic(d.ClientId, d.ClientSecret))).Status);

        static (int, string?) Pick((int Status, string Body, string? RetryAfter) r) => (r.Status, r.RetryAfter);
    }

    /// <summary>
    /// Concurrent guesses at one client id are counted as if sent one after another: exactly the lockout's number are
    /// checked. PostgreSQL proves the race (its client lookup yields between the check and the count; SQLite's
    /// rarely does).
    /// </summary>
    [Fact]
    public async Task Concurrent_wrong_secrets_for_one_client_id_are_checked_only_up_to_the_lockout()
    {
        var d = await app.NewDispensaryAsync();
        await using var host = Host(null, ("RateLimit:FailedAuthPerMinute", "1000000"), ("RateLimit:LockoutAfter", "5"));
        var http = ClientOf(host);
        var statuses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => TokenAsync(http, Basic(d.ClientId, "wrong-" + i))));
        Assert.Equal([(401, 5), (429, 35)], statuses.GroupBy(s => s.Status).OrderBy(g => g.Key).Select(g => (g.Key, g.Count())));
        Assert.Equal(429, (await TokenAsync(http, Basic(d.ClientId, d.ClientSecret))).Status);
    }

    [Fact]
    public async Task A_thousand_wrong_client_secrets_from_one_address_draw_429_after_the_address_budget_whatever_the_client_id()
    {
        var d = await app.NewDispensaryAsync();
        await using var host = Host();
        var http = ClientOf(host);
        var (statuses, body, retryAfter) = await GuessAsync(i => TokenAsync(http, Basic("guess-" + i, "wrong-" + i)));
        AssertRefusedAfter(Budget, 401, statuses);
        Assert.InRange(int.Parse(retryAfter!), 1, 10);
        Assert.Contains("\"status\":429", body);
        // The address is refused before any credential is checked, a right one included.
        Assert.Equal(429, (await TokenAsync(http, Basic(d.ClientId, d.ClientSecret))).Status);
    }

    [Fact]
    public async Task A_thousand_wrong_admin_tokens_draw_429_after_the_address_budget()
    {
        await using var host = Host();
        var http = ClientOf(host);
        var (statuses, body, retryAfter) = await GuessAsync(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/brands") { Content = new StringContent("""{"name":"x"}""", Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppFixture.AdminToken[..^1] + i);
            using var response = await http.SendAsync(request, Ct);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response.Headers.RetryAfter?.ToString());
        });
        AssertRefusedAfter(Budget, 401, statuses);
        Assert.InRange(int.Parse(retryAfter!), 1, 10);
        Assert.Contains("\"detail\":\"Too many requests. Retry in ", body);
    }

    [Fact]
    public async Task A_thousand_random_bearer_tokens_draw_drf_429_after_the_address_budget()
    {
        await using var host = Host();
        var http = ClientOf(host);
        var (statuses, body, retryAfter) = await GuessAsync(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Guid.NewGuid().ToString("N"));
            using var response = await http.SendAsync(request, Ct);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response.Headers.RetryAfter?.ToString());
        });
        AssertRefusedAfter(Budget, 401, statuses);
        var seconds = int.Parse(retryAfter!);
        Assert.InRange(seconds, 1, 10);
        Assert.Equal($$"""{"detail":"Request was throttled. Expected available in {{(seconds == 1 ? "1 second" : $"{seconds} seconds")}}."}""", body);
    }

    [Fact]
    public async Task An_address_refused_for_guessing_still_gets_the_probes_and_metrics()
    {
        await using var host = Host(null, ("Metrics:Prometheus", "true"));
        var http = ClientOf(host);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Guid.NewGuid().ToString("N"));
        var statuses = new List<int>();
        for (var i = 0; i <= Budget; i++) statuses.Add((int)(await http.GetAsync("/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/", Ct)).StatusCode);
        Assert.Equal([.. Enumerable.Repeat(401, Budget), 429], statuses);

        // No credential is checked there, so nothing can be guessed: a load balancer behind the same proxy keeps its probes.
        using var live = await http.GetAsync("/healthz", Ct);
        Assert.Equal((200, "{\"status\":\"ok\"}"), ((int)live.StatusCode, await live.Content.ReadAsStringAsync(Ct)));
        Assert.Equal(200, (int)(await http.GetAsync("/readyz", Ct)).StatusCode);
        using var metrics = await http.GetAsync("/metrics", Ct);
        Assert.Equal(200, (int)metrics.StatusCode);
        Assert.Contains("http_server_request_duration_seconds", await metrics.Content.ReadAsStringAsync(Ct));
        Assert.Equal(429, (int)(await http.GetAsync("/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_valid_client_adding_a_random_partner_key_is_still_limited_as_itself()
    {
        var noisy = await app.NewDispensaryAsync();
        var quiet = await app.NewDispensaryAsync();
        await using var host = Host(null, ("RateLimit:PermitsPerSecond", "1"), ("RateLimit:Burst", "3"), ("RateLimit:FailedAuthPerMinute", "1000000"));
        var noisyHttp = host.ClientAs(noisy.Client);
        var statuses = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/");
            request.Headers.Add("partner_key", Guid.NewGuid().ToString("N"));
            request.Headers.Add("x-api-key", Guid.NewGuid().ToString("N"));
            using var response = await noisyHttp.SendAsync(request, Ct);
            statuses.Add((int)response.StatusCode);
        }
        // Three from the burst (a refill tick may add one), then refused.
        Assert.Equal([404, 404, 404], statuses.Take(3));
        Assert.Equal(429, statuses[^1]);
        // Another client from the same address has a bucket of its own.
        Assert.Equal(404, (await host.ClientAs(quiet.Client).GetJsonAsync("/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/")).Status);
    }

    [Fact]
    public async Task Failed_sign_ins_are_logged_with_address_and_client_id_never_the_secret()
    {
        var d = await app.NewDispensaryAsync();
        var logs = new FakeLoggerProvider();
        await using var host = app.Derive(b => b.ConfigureLogging(l => l.AddProvider(logs)));
        var http = ClientOf(host);
        var wrongSecret = "wrong-" + Guid.NewGuid().ToString("N");
        Assert.Equal(401, (await TokenAsync(http, Basic(d.ClientId, wrongSecret))).Status);
        var wrongAdmin = "wrong-admin-" + Guid.NewGuid().ToString("N");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", wrongAdmin);
        Assert.Equal(401, (await http.PostJsonAsync("/admin/v1/brands", new { name = "x" })).Status);

        var warnings = logs.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).Select(r => r.Message).ToList();
        Assert.Contains($"Failed sign-in at /o/token/ for client id {d.ClientId} from unknown", warnings);
        Assert.Contains("Failed admin authentication from unknown", warnings);
        var all = logs.Collector.GetSnapshot().Select(r => r.Message + " " + string.Join(", ", r.StructuredState ?? [])).ToList();
        Assert.DoesNotContain(all, line => line.Contains(wrongSecret, StringComparison.Ordinal) || line.Contains(wrongAdmin, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_issued_token_is_logged_with_its_client_id_never_the_secret_or_token()
    {
        var d = await app.NewDispensaryAsync();
        var logs = new FakeLoggerProvider();
        await using var host = app.Derive(b => b.ConfigureLogging(l => l.AddProvider(logs)));
        var (status, body, _) = await TokenAsync(ClientOf(host), Basic(d.ClientId, d.ClientSecret));
        Assert.Equal(200, status);
        var token = (string)System.Text.Json.Nodes.JsonNode.Parse(body)!["access_token"]!;

        var infos = logs.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Information).Select(r => r.Message).ToList();
        Assert.Contains($"Token issued at /o/token/ to client id {d.ClientId} from unknown", infos);
        var all = logs.Collector.GetSnapshot().Select(r => r.Message + " " + string.Join(", ", r.StructuredState ?? [])).ToList();
        Assert.DoesNotContain(all, line => line.Contains(token, StringComparison.Ordinal) || line.Contains(d.ClientSecret, StringComparison.Ordinal));
    }
}

public sealed class ThrottlingTestsOnSqlite(SqliteApp app) : ThrottlingTests(app), IClassFixture<SqliteApp>;
public sealed class ThrottlingTestsOnPostgres(PostgresApp app) : ThrottlingTests(app), IClassFixture<PostgresApp>;
