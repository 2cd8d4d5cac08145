using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RetailTrace.Exports;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Auth;

public abstract class SecretsTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    /// <summary>
    /// Every kind of credential, right and wrong, in every place it travels (form body, Basic header, bearer header,
    /// BLAZE headers, Idempotency-Key replays, signed download links), with every log category at Trace, hosting's
    /// request lines included: no log entry, message, exception, state or scope carries one.
    /// </summary>
    [Fact]
    public async Task No_secret_token_key_or_signature_ever_reaches_the_logs()
    {
        var logs = new FakeLoggerProvider();
        await using var host = app.Derive(b =>
        {
            foreach (var category in new[] { "Default", "Microsoft", "Microsoft.AspNetCore", "Microsoft.AspNetCore.Hosting.Diagnostics", "Microsoft.EntityFrameworkCore", "RetailTrace" })
                b.UseSetting($"Logging:LogLevel:{category}", "Trace");
            b.UseSetting("ObjectStore:LocalPath", TempDirs.New("exports-"));
            b.ConfigureLogging(l => l.AddProvider(logs));
        });
        var admin = host.AdminClientOf();
        var wrongAdmin = AppFixture.AdminToken + "-wrong";
        var anonymous = host.CreateClient();
        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", wrongAdmin);
        Assert.Equal(401, (await anonymous.PostJsonAsync("/admin/v1/brands", new { name = "No" })).Status);

        var dispensary = await Tenants.Created(admin, "/admin/v1/dispensaries", new { name = "Quiet", package_uid_export_enabled = true });
        var uuid = (string)dispensary["uuid"]!;
        var client = await Tenants.Created(admin, "/admin/v1/oauth-clients", new { name = "pos", dispensary_uuid = uuid });
        var clientId = (string)client["client_id"]!;
        var secret = (string)client["client_secret"]!;
        var http = host.CreateClient();
        var token = await TokenAsync(http, new() { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{clientId}:{secret}")));
        var basicToken = await TokenAsync(http, new() { ["grant_type"] = "client_credentials" });
        http.DefaultRequestHeaders.Authorization = null;
        using (var refused = await http.PostAsync("/o/token/", new FormUrlEncodedContent(new Dictionary<string, string>
               {
                   ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret + "-wrong",
               }), Ct))
            Assert.Equal(401, (int)refused.StatusCode);

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(404, (await http.GetJsonAsync("/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/")).Status);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token + "-forged");
        Assert.Equal(401, (await http.GetJsonAsync("/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/")).Status);

        var company = (string)(await Tenants.Created(admin, "/admin/v1/companies", new { name = "C" }))["id"]!;
        var shop = (string)(await Tenants.Created(admin, "/admin/v1/shops", new { company_id = company, name = "S" }))["id"]!;
        var partnerKey = (string)(await Tenants.Created(admin, "/admin/v1/partners", new { name = "P" }))["partner_key"]!;
        var developerKey = (string)(await Tenants.Created(admin, "/admin/v1/developer-keys", new { shop_id = shop }))["developer_key"]!;
        foreach (var (header, developer, expected) in new[] { ("partner_key", developerKey, 200), ("x-api-key", developerKey, 200), ("partner_key", developerKey + "-forged", 401) })
        {
            var store = host.CreateClient();
            store.DefaultRequestHeaders.Add(header, partnerKey);
            store.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", developer);
            Assert.Equal(expected, (await store.GetJsonAsync("/api/v1/partner/store/batches")).Status);
        }

        using (var first = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/brands") { Content = JsonContent.Create(new { name = "Once" }), Headers = { { "Idempotency-Key", "replayed-key-1" } } })
            Assert.Equal(201, (int)(await admin.SendAsync(first, Ct)).StatusCode);
        using (var replay = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/brands") { Content = JsonContent.Create(new { name = "Once" }), Headers = { { "Idempotency-Key", "replayed-key-1" } } })
            Assert.Equal("true", Assert.Single((await admin.SendAsync(replay, Ct)).Headers.GetValues("Idempotent-Replayed")));

        Assert.Equal(202, (await admin.PostJsonAsync($"/admin/v1/dispensaries/{uuid}/package-uid-exports")).Status);
        await host.Services.GetRequiredService<ExportScheduler>().DrainAsync();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", basicToken);
        var exportUrl = (string)(await http.GetJsonAsync("/api/v1.2/package-uids-export/")).Body!["export_url"]!;
        var signature = exportUrl[(exportUrl.IndexOf("signature=", StringComparison.Ordinal) + "signature=".Length)..];
        var download = new Uri(exportUrl).PathAndQuery;
        Assert.Equal(200, (await anonymous.GetJsonAsync(download)).Status);
        Assert.Equal(403, (await anonymous.GetJsonAsync(download.Replace(signature, new string('0', signature.Length)))).Status);

        var lines = logs.Collector.GetSnapshot()
            .Select(r => $"{r.Level} {r.Category}: {r.Message} {r.Exception} {string.Join(", ", r.StructuredState ?? [])} {string.Join(", ", r.Scopes)}")
            .ToList();
        // The capture saw everything: EF's per-statement lines and the request lines, the download's with its signature redacted.
        Assert.Contains(lines, line => line.Contains("Executed DbCommand", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains($"GET {download[..download.IndexOf("signature=", StringComparison.Ordinal)]}signature=REDACTED 200 ", StringComparison.Ordinal));
        foreach (var value in new[] { secret, token, basicToken, partnerKey, developerKey, AppFixture.AdminToken, wrongAdmin, signature, exportUrl })
            Assert.DoesNotContain(lines, line => line.Contains(value, StringComparison.Ordinal));
        Assert.Empty(lines.SelectMany(RunLog.CredentialsIn));
    }

    private static async Task<string> TokenAsync(HttpClient http, Dictionary<string, string> form)
    {
        using var response = await http.PostAsync("/o/token/", new FormUrlEncodedContent(form), Ct);
        Assert.Equal(200, (int)response.StatusCode);
        return (string)System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["access_token"]!;
    }

    [Fact]
    public async Task A_token_is_refused_once_its_36000_seconds_are_over()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        await using var host = app.Derive(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(time)));
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
}

public sealed class SecretsTestsOnSqlite(SqliteApp app) : SecretsTests(app), IClassFixture<SqliteApp>;
public sealed class SecretsTestsOnPostgres(PostgresApp app) : SecretsTests(app), IClassFixture<PostgresApp>;
