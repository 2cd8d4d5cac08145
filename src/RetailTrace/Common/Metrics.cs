using System.Diagnostics.Metrics;

namespace RetailTrace.Common;

/// <summary>
/// RetailTrace's own instruments, on one <see cref="Meter"/> named <see cref="MeterName"/>. They cost nothing
/// until an exporter listens (see <see cref="Telemetry"/>). Prometheus names: <c>retailtrace_item_events_total</c>,
/// <c>retailtrace_export_runs_total</c>, <c>retailtrace_export_duration_seconds</c>,
/// <c>retailtrace_transfer_lag_seconds</c>, <c>retailtrace_rate_limited_requests_total</c>.
/// </summary>
public static class RetailTraceMetrics
{
    public const string MeterName = "RetailTrace";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> ItemEvents = Meter.CreateCounter<long>(
        "retailtrace.item.events", "{lucid_id}",
        "LucidIDs by item event: minted, imported, removed, sold, voided, returned");

    private static readonly Counter<long> ExportRuns = Meter.CreateCounter<long>(
        "retailtrace.export.runs", "{run}", "Package UID export runs by outcome: done, failed, lost (claim taken over), interrupted (shutdown)");

    private static readonly Histogram<double> ExportDuration = Meter.CreateHistogram(
        "retailtrace.export.duration", "s", "Time a package UID export run took, by outcome",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] });

    private static readonly Histogram<double> TransferLag = Meter.CreateHistogram(
        "retailtrace.transfer.lag", "s", "Time from a transfer's acceptance to the worker applying its stock movement",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2, 3, 5, 10, 30, 60, 300, 900, 3600] });

    private static readonly Counter<long> RateLimitedRequests = Meter.CreateCounter<long>(
        "retailtrace.rate_limited.requests", "{request}", "Requests refused with 429 by the per-client rate limit, by API family");

    /// <summary>
    /// Counts the LucidIDs of one item event, once its transaction has committed. <paramref name="eventType"/> is one of
    /// the <c>Data.ItemEvents</c> names (<c>minted</c>, <c>imported</c>, <c>removed</c>, <c>sold</c>, <c>voided</c>,
    /// <c>returned</c>); a sale counts its LucidIDs as <c>sold</c>.
    /// </summary>
    public static void ItemEvent(string eventType, int units) => ItemEvents.Add(units, new KeyValuePair<string, object?>("event", eventType));

    /// <summary>One finished export run: <paramref name="outcome"/> is <c>done</c>, <c>failed</c>, <c>lost</c> or <c>interrupted</c>.</summary>
    public static void ExportRun(string outcome, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        ExportRuns.Add(1, tag);
        ExportDuration.Record(duration.TotalSeconds, tag);
    }

    /// <summary>An accepted transfer applied by the worker, <paramref name="lag"/> after its acceptance.</summary>
    public static void TransferApplied(TimeSpan lag) => TransferLag.Record(Math.Max(0, lag.TotalSeconds));

    public static void RateLimited(ApiFamily family) =>
        RateLimitedRequests.Add(1, new KeyValuePair<string, object?>("family", family switch
        {
            ApiFamily.Drf => "lucidgreen",
            ApiFamily.Blaze => "store",
            _ => "other",
        }));
}
