using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using RetailTrace.Common;
using RetailTrace.Exports;
using RetailTrace.Tests.BrandApi;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Store;

namespace RetailTrace.Tests.Common;

/// <summary><c>GET /metrics</c>: off unless configured; the framework's request durations and RetailTrace's own instruments in the Prometheus format.</summary>
public abstract class MetricsTests(AppFixture app)
{
    [Fact]
    public async Task Metrics_are_not_served_and_telemetry_not_collected_unless_configured()
    {
        using var response = await app.Client().GetAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(404, (int)response.StatusCode);
        Assert.Null(app.Services.GetService<MeterProvider>());
        Assert.Null(app.Services.GetService<TracerProvider>());
    }

    /// <summary>An OTLP endpoint turns on traces and metrics (sent in the background; a collector that is not there does not disturb requests).</summary>
    [Fact]
    public async Task An_otlp_endpoint_turns_on_traces_and_metrics()
    {
        await using var host = app.Derive(b => b.UseSetting("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"));
        Assert.Equal(200, (await host.CreateClient().GetJsonAsync("/readyz")).Status);
        Assert.NotNull(host.Services.GetService<MeterProvider>());
        Assert.NotNull(host.Services.GetService<TracerProvider>());
        using var response = await host.CreateClient().GetAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(404, (int)response.StatusCode);
    }

    [Fact]
    public async Task Prometheus_scrape_has_request_durations_and_the_retailtrace_instruments()
    {
        await using var host = app.Derive(b =>
        {
            b.UseSetting("Metrics:Prometheus", "true");
            b.UseSetting("RateLimit:PermitsPerSecond", "1");
            b.UseSetting("RateLimit:Burst", "1");
        });
        var store = await app.NewStoreAsync();
        var throttled = host.ClientAs(store.Client);
        Assert.Equal(200, (await throttled.GetJsonAsync("/api/v1/partner/store/batches")).Status);
        Assert.Equal(429, (await throttled.GetJsonAsync("/api/v1/partner/store/batches")).Status);
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        var admin = host.AdminClientOf();
        Assert.Equal(202, (await admin.PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports")).Status);
        await host.Services.GetRequiredService<ExportScheduler>().DrainAsync();

        using var response = await host.CreateClient().GetAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        foreach (var series in new[]
                 {
                     """http_server_request_duration_seconds_bucket\{[^}]*http_request_method="GET",http_response_status_code="429",http_route="/api/v1/partner/store/batches/"[^}]*\} [1-9]""",
                     """retailtrace_rate_limited_requests_total\{otel_scope_name="RetailTrace",family="store"\} [1-9]""",
                     """retailtrace_export_runs_total\{otel_scope_name="RetailTrace",outcome="done"\} [1-9]""",
                     """retailtrace_export_duration_seconds_count\{otel_scope_name="RetailTrace",outcome="done"\} [1-9]""",
                 })
            Assert.Matches(new Regex(series, RegexOptions.Multiline), text);
    }
}

public sealed class MetricsTestsOnSqlite(SqliteApp app) : MetricsTests(app), IClassFixture<SqliteApp>;
public sealed class MetricsTestsOnPostgres(PostgresApp app) : MetricsTests(app), IClassFixture<PostgresApp>;

/// <summary>RetailTrace's instruments live on one process-wide meter: the tests that count exactly run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(ExactMetrics), DisableParallelization = true)]
public sealed class ExactMetrics;

/// <summary>Each counted event is counted once, with the tags an operator filters on.</summary>
public abstract class RetailTraceInstrumentTests(AppFixture app)
{
    private static MetricCollector<T> Collect<T>(string instrument) where T : struct => new(null, RetailTraceMetrics.MeterName, instrument);

    private static IEnumerable<(T Value, string Tags)> Measured<T>(MetricCollector<T> collector) where T : struct =>
        collector.GetMeasurementSnapshot().Select(m => (m.Value, string.Join(",", m.Tags.Select(t => $"{t.Key}={t.Value}"))));

    [Fact]
    public async Task Export_runs_throttled_requests_and_applied_transfers_are_counted_once_each()
    {
        using var runs = Collect<long>("retailtrace.export.runs");
        using var durations = Collect<double>("retailtrace.export.duration");
        using var throttled = Collect<long>("retailtrace.rate_limited.requests");
        using var lags = Collect<double>("retailtrace.transfer.lag");

        var d = await app.NewDispensaryAsync(exportEnabled: true);
        Assert.Equal(202, (await app.AdminClient().PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports")).Status);
        await app.Services.GetRequiredService<ExportScheduler>().DrainAsync();

        var store = await app.NewStoreAsync();
        await using (var limited = app.Derive(b => b.UseSetting("RateLimit:PermitsPerSecond", "1").UseSetting("RateLimit:Burst", "1")))
        {
            var client = limited.ClientAs(store.Client);
            Assert.Equal(200, (await client.GetJsonAsync("/api/v1/partner/store/batches")).Status);
            Assert.Equal(429, (await client.GetJsonAsync("/api/v1/partner/store/batches")).Status);
        }

        var (product, _) = await app.StockAsync(store, 10);
        var (created, transfer, raw) = await store.Client.PostJsonAsync("/api/v1/partner/store/batches/transferInventory", new
        {
            fromInventoryId = store.FrontRoomId, toInventoryId = store.VaultId, currentEmployeeId = store.EmployeeId,
            transferLogs = new[] { new { productId = product, transferAmount = 2 } },
        });
        Assert.True(created == 200, raw);
        Assert.Equal(200, (await store.Client.PostJsonAsync($"/api/v1/partner/store/batches/transferInventory/{transfer!["id"]}/accept",
            new { currentEmployeeId = store.EmployeeId })).Status);
        Assert.Equal(1, await app.ProcessTransfersAsync());

        Assert.Equal([(1L, "outcome=done")], Measured(runs));
        Assert.Equal(["outcome=done"], Measured(durations).Select(m => m.Tags));
        Assert.InRange(Assert.Single(Measured(durations)).Value, double.Epsilon, 60);
        Assert.Equal([(1L, "family=store")], Measured(throttled));
        Assert.InRange(Assert.Single(Measured(lags)).Value, 0, 60);
    }

    /// <summary>
    /// Minted, imported, sold, voided, returned and removed LucidIDs, through the API. The event writer of the data-core
    /// rework (issue 21) calls <see cref="RetailTraceMetrics.ItemEvent"/>; until it does, this test is skipped.
    /// </summary>
    [Fact]
    public async Task Item_events_count_their_lucid_ids_by_event()
    {
        using var events = Collect<long>("retailtrace.item.events");
        var brand = await app.NewBrandAsync();
        var (_, _, packaged) = await brand.NewPackagedAsync();
        var minted = await brand.Client.CreatedAsync("/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = packaged, quantity = 4 } } });
        var caseUuid = (string)minted["case_uuid"]!;
        var ids = minted["contents"]![0]!["lucid_ids"]!.AsArray().Select(i => (string)i!).ToArray();
        var d = await app.NewDispensaryAsync();

        const string performedAt = "2024-05-01T10:00:00Z";
        foreach (var (url, body) in new (string, object)[]
                 {
                     ("/api/v1.2/caseids/import/", new { case_uuid = caseUuid, packaged_product_uuid = packaged, pos_product_id = "POS-M", pos_inventory_id = "INV-M", package_uid = "PKG-M" }),
                     ("/api/v1.2/transactions/complete/", new { performed_at = performedAt, items = ids[..2], order_id = "m-1" }),
                     ("/api/v1.2/transactions/void/", new { performed_at = performedAt, order_id = "m-1" }),
                     ("/api/v1.2/transactions/complete/", new { performed_at = performedAt, items = ids[2..3], order_id = "m-2" }),
                     ("/api/v1.2/transactions/return/", new { performed_at = performedAt, items = ids[2..3], order_id = "m-2" }),
                     ("/api/v1.2/caseids/import/remove/", new { case_uuid = caseUuid, package_uid = "PKG-M" }),
                 })
        {
            var (status, _, raw) = await d.Client.PostJsonAsync(url, body);
            Assert.True(status == 200, $"{url} → {status}: {raw}");
        }

        // Totals per event, whatever the granularity of the calls (one per statement or one per unit).
        Assert.Equal(["event=imported: 4", "event=minted: 4", "event=removed: 4", "event=returned: 1", "event=sold: 3", "event=voided: 2"],
            Measured(events).GroupBy(m => m.Tags).Select(g => $"{g.Key}: {g.Sum(m => m.Value)}").Order(StringComparer.Ordinal));
    }
}

[Collection(nameof(ExactMetrics))]
public sealed class RetailTraceInstrumentTestsOnSqlite(SqliteApp app) : RetailTraceInstrumentTests(app), IClassFixture<SqliteApp>;

[Collection(nameof(ExactMetrics))]
public sealed class RetailTraceInstrumentTestsOnPostgres(PostgresApp app) : RetailTraceInstrumentTests(app), IClassFixture<PostgresApp>;
