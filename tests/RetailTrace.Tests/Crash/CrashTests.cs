using System.Net.Http.Headers;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Crash;

/// <summary>The real server process killed with SIGKILL mid-work, then started again on the same database.</summary>
public abstract class CrashTests
{
    protected abstract DatabaseProvider Provider { get; }

    [Fact]
    public async Task Every_acknowledged_admin_write_survives_a_kill_during_a_burst()
    {
        await using var server = await ServerProcess.StartAsync(Provider);
        using var http = server.Client();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AppFixture.AdminToken);

        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        var burst = Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
        {
            for (var i = 0; i < 200; i++)
            {
                try
                {
                    var (status, body, _) = await http.PostJsonAsync("/admin/v1/brands", new { name = $"crash-{worker}-{i}" });
                    if (status == 201) acknowledged.Add((string)body!["uuid"]!);
                }
                catch (HttpRequestException) { return; } // the server is gone
                catch (TaskCanceledException) { return; }
            }
        }));
        // Kill while the burst is in full flight: after some writes were acknowledged, well before all 1,600.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (acknowledged.Count < 50 && DateTime.UtcNow < deadline) await Task.Delay(10, TestContext.Current.CancellationToken);
        await server.KillAsync();
        await burst;
        Assert.NotEmpty(acknowledged);

        await server.StartAsync();
        Assert.True(acknowledged.Count < 1600, "the kill came after the burst had finished");
        // Brands have no read endpoint: binding an OAuth client to each proves it exists after the restart.
        foreach (var uuid in acknowledged)
        {
            var (status, body, raw) = await http.PostJsonAsync("/admin/v1/oauth-clients", new { name = "probe", brand_uuids = new[] { uuid }, default_brand_uuid = uuid });
            Assert.True(status == 201, $"acknowledged brand {uuid} is missing after the crash: {raw}");
            Assert.Equal(uuid, (string)body!["default_brand_uuid"]!);
        }
    }
}

public sealed class CrashTestsOnSqlite : CrashTests { protected override DatabaseProvider Provider => DatabaseProvider.Sqlite; }
public sealed class CrashTestsOnPostgres : CrashTests { protected override DatabaseProvider Provider => DatabaseProvider.Postgres; }
