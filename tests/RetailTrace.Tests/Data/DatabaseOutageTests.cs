using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;
using RetailTrace.Common;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Data;

/// <summary>
/// PostgreSQL going away under a running server (its connections dropped, new ones refused): requests answer 503 in
/// their family's shape with Retry-After, <c>/readyz</c> answers 503 with a body, the log says so once instead of a
/// stack per request or per poll of a background loop, and the server serves again when the database is back. SQLite is a file inside the server's
/// process: it has no outage of this kind.
/// </summary>
public sealed class DatabaseOutageTests(PostgresApp app) : IClassFixture<PostgresApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Requests_answer_503_in_their_family_shape_while_the_database_is_unreachable_and_recover_after()
    {
        var dispensary = await app.NewDispensaryAsync();
        var store = await app.NewStoreAsync();
        var direct = new NpgsqlConnectionStringBuilder(app.ConnectionString);
        await using var proxy = new TcpProxy(direct.Host!, direct.Port);
        var logs = new FakeLoggerProvider();
        await using var host = app.Derive(b =>
        {
            b.UseSetting("ConnectionStrings:RetailTrace", new NpgsqlConnectionStringBuilder(app.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port }.ConnectionString);
            b.UseSetting("Store:TransferWorker:Enabled", "true");
            b.UseSetting("Store:TransferWorker:PollSeconds", "0.1");
            b.UseSetting("Webhooks:PollSeconds", "0.1");
            b.UseSetting("Exports:PollSeconds", "1");
            b.ConfigureLogging(l => l.AddProvider(logs));
        });
        var lucid = host.ClientAs(dispensary.Client);
        var blaze = host.ClientAs(store.Client);
        var admin = host.AdminClientOf();
        const string trace = "/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/";
        Assert.Equal((200, """{"status":"ready"}"""), await GetAsync(host.CreateClient(), "/readyz"));
        Assert.Equal(404, (await GetAsync(lucid, trace)).Status);

        proxy.Cut();
        Assert.Equal((503, """{"detail":"Service temporarily unavailable, try again later."}"""), await GetAsync(lucid, trace));
        Assert.Equal((503, """{"field":"request","message":"Service temporarily unavailable, try again later.","errorType":"com.fourtwenty.core.exceptions.BlazeOperationException","references":null}"""),
            await GetAsync(blaze, "/api/v1/partner/store/batches"));
        var (status, problem, _) = await admin.PostJsonAsync("/admin/v1/brands", new { name = "Later" });
        Assert.Equal((503, "Service Unavailable"), (status, (string?)problem!["title"]));
        var (readyStatus, ready, _) = await host.CreateClient().GetJsonAsync("/readyz");
        Assert.Equal((503, "Database unreachable", 503), (readyStatus, (string?)ready!["title"], (int?)ready["status"]));
        using (var retry = await lucid.GetAsync(trace, Ct))
            Assert.Equal("5", retry.Headers.RetryAfter?.ToString());
        await Task.Delay(TimeSpan.FromSeconds(1), Ct); // ten polls of the transfer worker and the webhook dispatcher, one of the export scheduler

        var records = logs.Collector.GetSnapshot();
        var warning = Assert.Single(records, r => r.Level >= LogLevel.Warning);
        Assert.Equal(("RetailTrace.Database", LogLevel.Warning, null), (warning.Category, warning.Level, warning.Exception));
        Assert.StartsWith("Database unavailable: 1 failure(s) since the last report; requests answer 503 and background work retries. ", warning.Message);
        Assert.Equal(5, records.Count(r => r.Category == Logs.RequestCategory && r.GetStructuredStateValue("StatusCode") == "503"));

        proxy.Restore();
        Assert.Equal((200, """{"status":"ready"}"""), await GetAsync(host.CreateClient(), "/readyz"));
        Assert.Equal(404, (await GetAsync(lucid, trace)).Status);
        Assert.Equal(200, (await GetAsync(blaze, "/api/v1/partner/store/batches")).Status);
    }

    private static async Task<(int Status, string Body)> GetAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url, Ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }
}
