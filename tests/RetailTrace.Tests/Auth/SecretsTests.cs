using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Auth;

public abstract class SecretsTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task No_secret_token_or_key_ever_reaches_the_logs()
    {
        var logs = new CaptureLogs();
        await using var host = app.WithWebHostBuilder(b =>
        {
            foreach (var category in new[] { "Default", "Microsoft", "Microsoft.AspNetCore", "Microsoft.EntityFrameworkCore" })
                b.UseSetting($"Logging:LogLevel:{category}", "Trace");
            b.ConfigureLogging(l => l.AddProvider(logs));
        });
        var admin = host.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AppFixture.AdminToken);

        var dispensary = await Tenants.Created(admin, "/admin/v1/dispensaries", new { name = "Quiet" });
        var client = await Tenants.Created(admin, "/admin/v1/oauth-clients", new { name = "pos", dispensary_uuid = (string)dispensary["uuid"]! });
        var clientId = (string)client["client_id"]!;
        var secret = (string)client["client_secret"]!;
        var http = host.CreateClient();
        using var tokenResponse = await http.PostAsync("/o/token/", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
        }), Ct);
        var token = (string)System.Text.Json.Nodes.JsonNode.Parse(await tokenResponse.Content.ReadAsStringAsync(Ct))!["access_token"]!;
        await http.PostAsync("/o/token/", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret + "-wrong",
        }), Ct);

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(404, (await http.GetJsonAsync("/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/")).Status);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token + "-forged");
        Assert.Equal(401, (await http.GetJsonAsync("/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/")).Status);

        var company = (string)(await Tenants.Created(admin, "/admin/v1/companies", new { name = "C" }))["id"]!;
        var shop = (string)(await Tenants.Created(admin, "/admin/v1/shops", new { company_id = company, name = "S" }))["id"]!;
        var partnerKey = (string)(await Tenants.Created(admin, "/admin/v1/partners", new { name = "P" }))["partner_key"]!;
        var developerKey = (string)(await Tenants.Created(admin, "/admin/v1/developer-keys", new { shop_id = shop }))["developer_key"]!;
        var store = host.CreateClient();
        store.DefaultRequestHeaders.Add("partner_key", partnerKey);
        store.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", developerKey);
        Assert.Equal(200, (await store.GetJsonAsync("/api/v1/partner/store/batches")).Status);
        store.DefaultRequestHeaders.Remove("Authorization");
        store.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", developerKey + "-forged");
        Assert.Equal(401, (await store.GetJsonAsync("/api/v1/partner/store/batches")).Status);

        // The capture saw everything, SQL commands and request logs included.
        Assert.Contains(logs.Lines, line => line.Contains("Executed DbCommand", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, line => line.Contains("Request starting", StringComparison.Ordinal));
        foreach (var value in new[] { secret, token, partnerKey, developerKey, AppFixture.AdminToken })
            Assert.DoesNotContain(logs.Lines, line => line.Contains(value, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_token_is_refused_once_its_36000_seconds_are_over()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        await using var host = app.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(time)));
        var d = await app.NewDispensaryAsync();
        var http = host.CreateClient();
        using var tokenResponse = await http.PostAsync("/o/token/", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = d.ClientId, ["client_secret"] = d.ClientSecret,
        }), Ct);
        var token = (string)System.Text.Json.Nodes.JsonNode.Parse(await tokenResponse.Content.ReadAsStringAsync(Ct))!["access_token"]!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        time.Advance(TimeSpan.FromSeconds(35_999));
        Assert.Equal(404, (await http.GetJsonAsync("/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/")).Status);
        time.Advance(TimeSpan.FromSeconds(2));
        using var expired = await http.GetAsync("/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/", Ct);
        await Http.AssertDrfUnauthorizedAsync(expired, "Invalid token.");
    }

    private sealed class CaptureLogs : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)} {exception} {state}");
        }
    }
}

public sealed class SecretsTestsOnSqlite(SqliteApp app) : SecretsTests(app), IClassFixture<SqliteApp>;
public sealed class SecretsTestsOnPostgres(PostgresApp app) : SecretsTests(app), IClassFixture<PostgresApp>;
