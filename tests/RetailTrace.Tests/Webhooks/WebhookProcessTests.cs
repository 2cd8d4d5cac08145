using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Tests.Crash;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Webhooks;

/// <summary>Real server processes (killed with SIGKILL, or two on one database) delivering to a receiver on 127.0.0.1.</summary>
public abstract class WebhookProcessTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    protected abstract DatabaseProvider Provider { get; }

    /// <summary>The dispatcher polls often; a dead process's claim on an endpoint runs out within seconds.</summary>
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Webhooks:PollSeconds"] = "0.2", ["Webhooks:AllowPrivateTargets"] = "true", ["Webhooks:TimeoutSeconds"] = "2", ["Webhooks:LeaseSeconds"] = "4",
    };

    /// <summary>Two live processes: no claim is left by a dead one, so the lease and the timeout are long enough that a
    /// machine busy with other tests never turns a slow delivery into a retry or a takeover (both of which legitimately
    /// deliver again, at least once) and the test sees what two healthy processes do.</summary>
    private static readonly Dictionary<string, string> LiveSettings = new(Settings)
    {
        ["Webhooks:TimeoutSeconds"] = "10", ["Webhooks:LeaseSeconds"] = "30",
    };

    private static Task<List<string>> RecordedOrdersAsync(ServerProcess server, string dispensary) => server.WithDbAsync(db =>
    {
        var id = ShortUuid.Decode(dispensary);
        return db.ItemEvents.AsNoTracking().Where(e => e.DispensaryId == id && e.Type == ItemEventTypes.Sold).Select(e => e.OrderId!).ToListAsync(Ct);
    });

    [Fact]
    public async Task A_kill_between_the_sales_and_their_deliveries_loses_no_event()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(40); // deliveries trail the sales, so the kill lands between the two
        await using var server = await ServerProcess.StartAsync(Provider, Settings);
        var (dispensary, pos, ids) = await server.StockedDispensaryAsync(300);
        var endpoint = await pos.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/pos"), ["lucidid.sold"]);

        var orders = ids.Chunk(3).Select((items, i) => (Order: $"ORDER-{i}", Items: items)).ToList();
        var acknowledged = new ConcurrentBag<string>();
        var next = -1;
        var burst = Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var i && i < orders.Count)
            {
                try
                {
                    var (status, _, raw) = await pos.PostJsonAsync("/api/v1.2/transactions/complete/",
                        new { order_id = orders[i].Order, performed_at = "2024-05-01T12:00:00Z", items = orders[i].Items });
                    Assert.True(status == 200, raw);
                    acknowledged.Add(orders[i].Order);
                }
                catch (HttpRequestException) { return; }
                catch (TaskCanceledException) { return; }
            }
        }));
        await WebhookKit.EventuallyAsync(() => acknowledged.Count >= 30, 30, "30 acknowledged sales");
        await server.KillAsync();
        await burst;
        var deliveredBeforeKill = receiver.Received.Select(r => (string)r.Json["data"]!["order_id"]!).ToHashSet();
        var recorded = await RecordedOrdersAsync(server, dispensary);
        Assert.True(deliveredBeforeKill.Count < recorded.Count, $"the kill came after every delivery ({deliveredBeforeKill.Count} of {recorded.Count})");
        foreach (var order in acknowledged) Assert.Contains(order, recorded);

        await server.StartAsync();
        await WebhookKit.EventuallyAsync(() => receiver.Received.Select(r => (string)r.Json["data"]!["order_id"]!).ToHashSet().IsSupersetOf(recorded), 60,
            "a delivery of every recorded sale after the restart");
        var delivered = receiver.Received.ToList();
        Assert.Equal(recorded.Order(), delivered.Select(r => (string)r.Json["data"]!["order_id"]!).Distinct().Order());
        foreach (var r in delivered) r.Verify(endpoint.Secret);
        // At least once: only a delivery in flight at the kill may come twice, under its one webhook-id.
        Assert.True(delivered.Count - delivered.Select(r => r.Id).Distinct().Count() <= 1, $"{delivered.Count} deliveries of {delivered.Select(r => r.Id).Distinct().Count()} messages");
        Assert.Equal(delivered.Select(r => r.Id).Distinct().Count(), recorded.Count);
    }

    [Fact]
    public async Task Two_server_processes_on_one_database_deliver_each_event_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var first = await ServerProcess.StartAsync(Provider, LiveSettings);
        await using var second = await ServerProcess.StartAsync(Provider, LiveSettings, first.ConnectionString);
        var (dispensary, pos, ids) = await first.StockedDispensaryAsync(60);
        var endpoints = new List<Registered>();
        foreach (var path in new[] { "/a", "/b", "/c" }) endpoints.Add(await pos.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url(path), ["lucidid.sold"]));
        using var posOnSecond = second.Client();
        posOnSecond.DefaultRequestHeaders.Authorization = pos.DefaultRequestHeaders.Authorization;

        for (var i = 0; i < ids.Count; i++)
        {
            var (status, _, raw) = await (i % 2 == 0 ? pos : posOnSecond).PostJsonAsync("/api/v1.2/transactions/complete/",
                new { order_id = $"TWO-{i}", performed_at = "2024-05-01T12:00:00Z", items = new[] { ids[i] } });
            Assert.True(status == 200, raw);
        }
        await WebhookKit.EventuallyAsync(() => receiver.Received.Count >= 3 * ids.Count, 60, "every sale at every endpoint");
        await Task.Delay(TimeSpan.FromSeconds(2), Ct); // any duplicate would arrive meanwhile

        var received = receiver.Received.ToList();
        Assert.Equal(3 * ids.Count, received.Count);
        Assert.Equal(received.Count, received.Select(r => r.Id).Distinct().Count());
        foreach (var (path, endpoint) in new[] { "/a", "/b", "/c" }.Zip(endpoints))
        {
            var at = received.Where(r => r.Path == path).ToList();
            Assert.Equal(Enumerable.Range(0, ids.Count).Select(i => $"TWO-{i}"), at.Select(r => (string)r.Json["data"]!["order_id"]!));
            foreach (var r in at) r.Verify(endpoint.Secret);
        }
        Assert.Equal(3 * ids.Count, await first.WithDbAsync(db => db.WebhookMessages.CountAsync(m => m.Status == WebhookMessageStatuses.Delivered, Ct)));
        Assert.Equal(3 * ids.Count, await first.WithDbAsync(db => db.WebhookAttempts.CountAsync(Ct)));
        Assert.Equal(ids.Count, (await RecordedOrdersAsync(first, dispensary)).Count);
    }
}

public sealed class WebhookProcessTestsOnSqlite : WebhookProcessTests
{
    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
}

public sealed class WebhookProcessTestsOnPostgres : WebhookProcessTests
{
    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;
}
