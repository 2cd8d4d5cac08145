using System.Net.Http.Json;
using System.Data.Common;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RetailTrace.Data;
using RetailTrace.Tests.Dispensary;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Data;

/// <summary>
/// On a deadlock PostgreSQL rolls the transaction back and the server runs the request's whole unit of
/// work again. Real deadlocks cannot be timed from a test, so an interceptor answers the first
/// matching statement with PostgreSQL's deadlock error (40P01) instead of sending it, after the
/// attempt's earlier statements ran; the request must still apply exactly once. A write that loses on
/// every retry answers 503 with Retry-After (the client may send it again) and writes nothing.
/// </summary>
public sealed class PostgresRetryTests(PostgresApp app) : IClassFixture<PostgresApp>
{
    private sealed class DeadlockOnce(string statementContaining) : CommandObserver
    {
        private int _fired;
        public int Fired => _fired;

        protected override void Observe(DbCommand command)
        {
            if (command.CommandText.Contains(statementContaining, StringComparison.Ordinal) && Interlocked.Exchange(ref _fired, 1) == 0)
                throw new PostgresException("deadlock detected", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected);
        }
    }

    /// <summary>Answers every matching statement with a serialization failure: rows contended by so many writers that the
    /// write loses its race on every retry.</summary>
    private sealed class AlwaysConflicting(string statementContaining) : CommandObserver
    {
        private int _fired;
        public int Fired => _fired;

        protected override void Observe(DbCommand command)
        {
            if (!command.CommandText.Contains(statementContaining, StringComparison.Ordinal)) return;
            Interlocked.Increment(ref _fired);
            throw new PostgresException("could not serialize access due to concurrent update", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure);
        }
    }

    private async Task<(HttpClient Client, T Observer, IAsyncDisposable Host)> InterceptedAsync<T>(HttpClient authenticatedAs, T observer) where T : CommandObserver
    {
        var host = app.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.ConfigureDbContext<AppDb>(o => o.AddInterceptors(observer))));
        return (host.ClientAs(authenticatedAs), observer, host);
    }

    private Task<(HttpClient Client, DeadlockOnce Deadlock, IAsyncDisposable Host)> DeadlockingAsync(HttpClient authenticatedAs, string statementContaining) =>
        InterceptedAsync(authenticatedAs, new DeadlockOnce(statementContaining));

    private static async Task<List<string>> HistoryAsync(HttpClient dispensary, string lucidId)
    {
        var (status, body, raw) = await dispensary.GetJsonAsync($"/api/v1.2/lucidids/{lucidId}/");
        Assert.True(status == 200, raw);
        return body!["history"]!.AsArray().Select(e => (string)e!["event"]!).ToList();
    }

    [Fact]
    public async Task An_import_whose_write_deadlocks_after_its_claim_runs_again_and_is_recorded_once()
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(3);
        // The import's write statement comes after the case claim of the same transaction.
        var (client, deadlock, host) = await DeadlockingAsync(d.Client, "INSERT INTO item_events");
        await using var _ = host;

        var (status, _, raw) = await client.PostJsonAsync("/api/v1.2/caseids/import/", DispensaryKit.Import(c, 0, "PKG-1"));

        Assert.True(status == 200, raw);
        Assert.Equal(1, deadlock.Fired);
        foreach (var id in c.Parts[0].LucidIds)
        {
            Assert.Equal("in_inventory", await d.Client.StateAsync(id));
            Assert.Equal(["minted", "imported"], await HistoryAsync(d.Client, id));
        }
    }

    [Fact]
    public async Task A_sale_whose_statement_deadlocks_runs_again_and_is_recorded_once()
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(2);
        await d.Client.ImportAsync(c, 0, "PKG-1");
        var (client, deadlock, host) = await DeadlockingAsync(d.Client, "INSERT INTO item_events");
        await using var _ = host;

        var (status, _, raw) = await client.PostJsonAsync("/api/v1.2/transactions/complete/", DispensaryKit.Sale("o-1", [.. c.Parts[0].LucidIds]));

        Assert.True(status == 200, raw);
        Assert.Equal(1, deadlock.Fired);
        foreach (var id in c.Parts[0].LucidIds)
        {
            Assert.Equal("sold", await d.Client.StateAsync(id));
            Assert.Equal(["minted", "imported", "sold"], await HistoryAsync(d.Client, id));
        }
        var sales = await app.WithDbAsync(db => db.ItemEvents.CountAsync(e => e.OrderId == "o-1" && e.Type == ItemEventTypes.Sold, TestContext.Current.CancellationToken));
        Assert.Equal(1, sales);
    }

    [Fact]
    public async Task A_write_that_loses_its_race_on_every_retry_answers_503_with_retry_after_and_writes_nothing()
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(2);
        await d.Client.ImportAsync(c, 0, "PKG-1");
        var (client, conflict, host) = await InterceptedAsync(d.Client, new AlwaysConflicting("INSERT INTO item_events"));
        await using var _ = host;

        using var response = await client.PostAsJsonAsync("/api/v1.2/transactions/complete/", DispensaryKit.Sale("o-contended", [.. c.Parts[0].LucidIds]), TestContext.Current.CancellationToken);

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal("5", response.Headers.RetryAfter?.ToString());
        Assert.Equal("""{"detail":"Service temporarily unavailable, try again later."}""", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        // The first attempt and every one of the 40 retries lost.
        Assert.Equal(41, conflict.Fired);
        foreach (var id in c.Parts[0].LucidIds) Assert.Equal("in_inventory", await d.Client.StateAsync(id));
        // Once the rows are free again, the same sale goes through.
        var (status, _, raw) = await d.Client.PostJsonAsync("/api/v1.2/transactions/complete/", DispensaryKit.Sale("o-contended", [.. c.Parts[0].LucidIds]));
        Assert.True(status == 200, raw);
    }
}
