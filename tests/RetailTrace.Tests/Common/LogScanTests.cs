using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Exports;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Common;

/// <summary>Over the whole test run, every log entry of every host the suite built was scanned for credentials (<see cref="RunLog"/>).</summary>
[Collection(RunEnd.Name)]
public sealed class LogScanTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public async Task The_whole_runs_logs_carry_no_secret_token_key_or_signature()
    {
        // Traffic of its own, so the scan has credentials to miss even when this test runs alone: a token request
        // (client secret in, token out), bearer calls, and a signed download link.
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        Assert.Equal(202, (await app.AdminClient().PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports")).Status);
        await app.Services.GetRequiredService<ExportScheduler>().DrainAsync();
        var url = new Uri((string)(await d.Client.GetJsonAsync("/api/v1.2/package-uids-export/")).Body!["export_url"]!);
        Assert.Equal(200, (await app.Client().GetJsonAsync(url.PathAndQuery)).Status);

        Assert.True(RunLog.Scanned > 0, "No log entry reached the scan.");
        Assert.Empty(RunLog.Leaks);
    }
}
