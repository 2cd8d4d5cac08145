using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RetailTrace.Common;
using RetailTrace.Exports;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Common;

/// <summary>What an operator reads at the default log levels: one line per request, and no failure for what is not one.</summary>
public abstract class RequestLogTests(AppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private (WebApplicationFactory<Program> Host, FakeLogCollector Logs) CapturingHost()
    {
        var logs = new FakeLoggerProvider();
        return (app.Derive(b =>
        {
            b.UseSetting("ObjectStore:LocalPath", TempDirs.New("exports-"));
            b.ConfigureLogging(l => l.AddProvider(logs));
        }), logs.Collector);
    }

    private static HttpClient ClientOf(WebApplicationFactory<Program> host, HttpClient? authenticatedAs = null) =>
        authenticatedAs is null ? host.CreateClient() : host.ClientAs(authenticatedAs);

    private static FakeLogRecord RequestLine(FakeLogCollector logs, string traceId) =>
        Assert.Single(logs.GetSnapshot(), r => r.Category == Logs.RequestCategory && r.GetStructuredStateValue("TraceId") == traceId);

    [Fact]
    public async Task A_request_is_one_information_line_with_its_path_status_caller_and_the_trace_id_of_its_error_body()
    {
        var (host, logs) = CapturingHost();
        await using var _ = host;
        var admin = host.AdminClientOf();

        var (status, body, _) = await admin.SendAsync(HttpMethod.Patch, "/admin/v1/dispensaries/CXc85b4rqinB7s5J52TRYb?x=1", new { name = "N" });
        Assert.Equal(404, status);
        var traceId = (string)body!["trace_id"]!;

        var line = RequestLine(logs, traceId);
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Matches(new Regex($@"^PATCH /admin/v1/dispensaries/CXc85b4rqinB7s5J52TRYb\?x=1 404 \d+(\.\d)? ms client=admin tenant=- trace={Regex.Escape(traceId)}$"), line.Message);
        Assert.Equal(["PATCH", "/admin/v1/dispensaries/CXc85b4rqinB7s5J52TRYb?x=1", "404", "admin", "-"],
            new[] { "Method", "Path", "StatusCode", "Client", "Tenant" }.Select(line.GetStructuredStateValue));
    }

    [Fact]
    public async Task Callers_are_named_with_the_ids_the_api_shows()
    {
        var (host, logs) = CapturingHost();
        await using var _ = host;
        var dispensary = await app.NewDispensaryAsync();
        var brand = await app.NewBrandAsync();
        var store = await app.NewStoreAsync();

        var lines = new List<string>();
        foreach (var (client, url) in new[]
                 {
                     (dispensary.Client, "/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/"), (brand.Client, "/api/v1.5/lucidids/CXc85b4rqinB7s5J52TRYb/"),
                     (store.Client, "/api/v1/partner/store/batches/quantities?inventoryId=nope"),
                 })
        {
            using var response = await ClientOf(host, client).GetAsync(url, Ct);
            lines.Add(Assert.Single(logs.GetSnapshot(), r => r.Category == Logs.RequestCategory && r.GetStructuredStateValue("Path") == url).Message);
        }

        Assert.Matches($@"^GET /api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/ 404 \S+ ms client={Regex.Escape(dispensary.ClientId)} tenant=dispensary:{dispensary.Uuid} trace=00-[0-9a-f]{{32}}-[0-9a-f]{{16}}-0[01]$", lines[0]);
        Assert.Matches($@"^GET /api/v1.5/lucidids/CXc85b4rqinB7s5J52TRYb/ 404 \S+ ms client={Regex.Escape(brand.ClientId)} tenant=brand:{brand.BrandUuid} trace=\S+$", lines[1]);
        Assert.Matches($@"^GET /api/v1/partner/store/batches/quantities\?inventoryId=nope \d{{3}} \S+ ms client=partner:[0-9a-f]{{24}} tenant=shop:{store.ShopId} trace=\S+$", lines[2]);
    }

    [Fact]
    public async Task A_signed_download_link_is_logged_with_its_signature_redacted()
    {
        var (host, logs) = CapturingHost();
        await using var _ = host;
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        var admin = host.AdminClientOf();
        Assert.Equal(202, (await admin.PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports")).Status);
        await host.Services.GetRequiredService<ExportScheduler>().DrainAsync();
        var url = new Uri((string)(await ClientOf(host, d.Client).GetJsonAsync("/api/v1.2/package-uids-export/")).Body!["export_url"]!);
        Assert.Equal(200, (await ClientOf(host).GetJsonAsync(url.PathAndQuery + "&page=2")).Status);

        var expires = Regex.Match(url.Query, "expires=([0-9]+)").Groups[1].Value;
        var line = Assert.Single(logs.GetSnapshot(), r => r.Category == Logs.RequestCategory && r.Message.StartsWith("GET /exports/", StringComparison.Ordinal));
        Assert.StartsWith($"GET {url.AbsolutePath}?expires={expires}&signature=REDACTED&page=2 200 ", line.Message);
    }

    /// <summary>A replayed Idempotency-Key and a second "export now" both lose a unique-index race on purpose: answers, not failures.</summary>
    [Fact]
    public async Task Expected_conflicts_log_no_warning_or_error_and_ids_appear_as_the_api_shows_them()
    {
        var (host, logs) = CapturingHost();
        await using var _ = host;
        var admin = host.AdminClientOf();
        var d = await app.NewDispensaryAsync(exportEnabled: true);

        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/brands") { Content = JsonContent.Create(new { name = "Once" }) };
            request.Headers.Add("Idempotency-Key", "conflict-" + d.Uuid);
            using var response = await admin.SendAsync(request, Ct);
            Assert.Equal(201, (int)response.StatusCode);
        }
        var (_, run, _) = await admin.PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports");
        await host.Services.GetRequiredService<ExportScheduler>().DrainAsync();
        Assert.Equal(202, (await admin.PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports")).Status);
        await host.Services.GetRequiredService<ExportScheduler>().DrainAsync();

        var records = logs.GetSnapshot();
        Assert.Empty(records.Where(r => r.Level >= LogLevel.Warning).Select(r => $"{r.Level} {r.Category}: {r.Message}"));
        Assert.Equal(4, records.Count(r => r.Category == Logs.RequestCategory));
        Assert.Contains(records, r => r.Message == $"Package UID export {run!["id"]} of dispensary {d.Uuid} for {run["export_date"]} started (attempt 1).");
        Assert.Contains(records, r => r.Message == $"Package UID export {run!["id"]} of dispensary {d.Uuid} for {run["export_date"]} started (attempt 2).");
    }
}

public sealed class RequestLogTestsOnSqlite(SqliteApp app) : RequestLogTests(app), IClassFixture<SqliteApp>;
public sealed class RequestLogTestsOnPostgres(PostgresApp app) : RequestLogTests(app), IClassFixture<PostgresApp>;
