using System.Globalization;
using RetailTrace.Common;

namespace RetailTrace.Webhooks;

/// <summary>
/// Webhook configuration. Durations are written <c>0</c>, <c>500ms</c>, <c>5s</c>, <c>5m</c>, <c>2h</c> or <c>1d</c>.
/// <list type="bullet">
/// <item><c>Webhooks:PollSeconds</c> (default 1; 0 turns the dispatcher off in this process): how often it looks for work.</item>
/// <item><c>Webhooks:RetrySchedule</c> (default <c>0,5s,5m,30m,2h,5h,10h,10h</c>): the wait before each attempt of a
/// message, the first after it is written, each later one after the attempt before failed; ±10 % jitter on
/// every non-zero wait. A message whose last attempt failed is marked failed.</item>
/// <item><c>Webhooks:TimeoutSeconds</c> (default 15): one attempt, connecting to reading the response excerpt.</item>
/// <item><c>Webhooks:LeaseSeconds</c> (default 60): how long a process that stopped renewing its claim on an endpoint keeps it.</item>
/// <item><c>Webhooks:DisableAfter</c> (default <c>1d</c>): an endpoint whose attempts have all failed for this long is disabled.</item>
/// <item><c>Webhooks:SecretOverlap</c> (default <c>1d</c>): after a rotation the old secret signs beside the new one this long.</item>
/// <item><c>Webhooks:AllowPrivateTargets</c> (default false): true allows http and loopback, private and link-local addresses (development, tests).</item>
/// <item><c>Webhooks:Concurrency</c> (default 4): endpoints delivered to at once by one process.</item>
/// <item><c>Webhooks:Retention</c> (default <c>30d</c>; <c>0</c> keeps them for ever): how long a delivered or failed message,
/// with its attempts, is kept after its last attempt (<see cref="Data.Housekeeping"/> deletes it).</item>
/// </list>
/// </summary>
public sealed record WebhookSettings(
    TimeSpan PollInterval, IReadOnlyList<TimeSpan> RetrySchedule, TimeSpan Timeout, TimeSpan Lease, TimeSpan DisableAfter,
    TimeSpan SecretOverlap, bool AllowPrivateTargets, int Concurrency, TimeSpan Retention)
{
    public const string DefaultRetrySchedule = "0,5s,5m,30m,2h,5h,10h,10h";

    public static WebhookSettings From(IConfiguration config)
    {
        var poll = config.GetValue("Webhooks:PollSeconds", 1.0);
        if (poll is < 0 or > 3600) throw new SettingsException("Webhooks:PollSeconds must be between 0 and 3600.");
        var schedule = (config["Webhooks:RetrySchedule"] is { Length: > 0 } text ? text : DefaultRetrySchedule)
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => Duration(s, "Webhooks:RetrySchedule")).ToList();
        if (schedule.Count == 0) throw new SettingsException("Webhooks:RetrySchedule must name at least one attempt.");
        var timeout = config.GetValue("Webhooks:TimeoutSeconds", 15);
        if (timeout is < 1 or > 120) throw new SettingsException("Webhooks:TimeoutSeconds must be between 1 and 120.");
        var lease = config.GetValue("Webhooks:LeaseSeconds", 60);
        if (lease < 2 * timeout) throw new SettingsException("Webhooks:LeaseSeconds must be at least twice Webhooks:TimeoutSeconds.");
        var concurrency = config.GetValue("Webhooks:Concurrency", 4);
        if (concurrency is < 1 or > 64) throw new SettingsException("Webhooks:Concurrency must be between 1 and 64.");
        return new WebhookSettings(
            TimeSpan.FromSeconds(poll), schedule, TimeSpan.FromSeconds(timeout), TimeSpan.FromSeconds(lease),
            Duration(config["Webhooks:DisableAfter"] ?? "1d", "Webhooks:DisableAfter"),
            Duration(config["Webhooks:SecretOverlap"] ?? "1d", "Webhooks:SecretOverlap"),
            config.GetValue("Webhooks:AllowPrivateTargets", false), concurrency,
            Duration(config["Webhooks:Retention"] ?? "30d", "Webhooks:Retention"));
    }

    /// <summary>The wait before the next attempt once <paramref name="attemptsMade"/> attempts failed, with jitter;
    /// null when the schedule is exhausted.</summary>
    public TimeSpan? NextDelay(int attemptsMade)
    {
        if (attemptsMade >= RetrySchedule.Count) return null;
        var wait = RetrySchedule[attemptsMade];
        // Jitter spreads the retries of many messages that failed together (a receiver's outage) over time.
        return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait * (0.9 + 0.2 * Random.Shared.NextDouble());
    }

    private static TimeSpan Duration(string text, string key)
    {
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400) };
        if (text == "0") return TimeSpan.Zero;
        foreach (var (suffix, seconds) in units)
            if (text.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
                return TimeSpan.FromSeconds(n * seconds);
        throw new SettingsException($"{key}: '{text}' is not a duration (0, 500ms, 5s, 5m, 2h, 1d).");
    }
}
