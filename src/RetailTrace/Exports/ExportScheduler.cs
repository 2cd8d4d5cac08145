using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Webhooks;

namespace RetailTrace.Exports;

/// <summary>Export configuration: <c>Exports:UrlTtlSeconds</c> (download URL lifetime, default 3600),
/// <c>Exports:PollSeconds</c> (how often the scheduler looks for due exports, default 30; 0 turns the
/// scheduler off in this process) and <c>Exports:LeaseSeconds</c> (how long a silent generator keeps its claim, default 120).</summary>
public sealed record ExportSettings(TimeSpan UrlTtl, TimeSpan PollInterval, TimeSpan Lease)
{
    public static ExportSettings From(IConfiguration config) => new(
        TimeSpan.FromSeconds(Seconds(config, "Exports:UrlTtlSeconds", 3600, min: 1, max: 7 * 24 * 3600)), // 7 days: the S3 pre-signing limit
        TimeSpan.FromSeconds(Seconds(config, "Exports:PollSeconds", 30, min: 0, max: 3600)),
        TimeSpan.FromSeconds(Seconds(config, "Exports:LeaseSeconds", 120, min: 10, max: 3600)));

    private static int Seconds(IConfiguration config, string key, int fallback, int min, int max) =>
        config[key] is not { Length: > 0 } text ? fallback
        : int.TryParse(text, out var value) && value >= min && value <= max ? value
        : throw new SettingsException($"{key} must be a whole number of seconds between {min} and {max}.");
}

/// <summary>
/// Starts each enabled dispensary's export once per local day, at its local <c>export_time</c> in its
/// IANA zone, and runs operator-requested exports. Several server processes may run it against one
/// database: the unique (dispensary, export_date) row decides which one generates. The hosted loop
/// calls <see cref="RunDueAsync"/> every <see cref="ExportSettings.PollInterval"/>; tests call it directly.
/// </summary>
public sealed class ExportScheduler(
    IServiceScopeFactory scopes, IObjectStore store, TimeProvider time, ExportSettings settings, ILogger<ExportScheduler> log, DatabaseOutage outage)
    : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, Task> _started = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The hosted loop's last scheduling pass in this process (null before the first, or when the loop is off).</summary>
    public BackgroundPass? LastPass { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.PollInterval <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(settings.PollInterval, time);
        do
        {
            try { LastPass = BackgroundPass.Succeeded(time, await RunDueAsync(stoppingToken)); }
            catch (Exception ex) when (Database.IsUnavailable(ex)) { LastPass = BackgroundPass.Failure(time); outage.Report(ex); }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LastPass = BackgroundPass.Failure(time);
                log.LogError(ex, "Package UID export scheduling pass failed.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await base.StopAsync(cancellationToken);
        await DrainAsync();
    }

    /// <summary>The local date (in <paramref name="timeZone"/>) at <paramref name="now"/>.</summary>
    public static DateOnly LocalDate(string timeZone, DateTimeOffset now) => DateOnly.FromDateTime(LocalTime(timeZone, now));

    private static DateTime LocalTime(string timeZone, DateTimeOffset now) =>
        TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(timeZone)).DateTime;

    /// <summary>
    /// The export date a dispensary is due for at <paramref name="now"/>, or null before its export time.
    /// Comparing local wall-clock times makes DST days work out: a time skipped by a spring-forward
    /// gap is due at the first local time after it; a repeated fall-back hour runs at its first occurrence
    /// (the unique row stops the second).
    /// </summary>
    public static DateOnly? DueDate(string timeZone, string exportTime, DateTimeOffset now)
    {
        var local = LocalTime(timeZone, now);
        return TimeOnly.FromDateTime(local) >= TimeOnly.ParseExact(exportTime, "HH:mm") ? DateOnly.FromDateTime(local) : null;
    }

    /// <summary>Claims and generates every export that is due and not yet done or being done elsewhere
    /// (including stale claims of dead processes and failed runs awaiting retry), and today's runs a dead process
    /// left behind whoever started them. Returns how many this call generated.</summary>
    public async Task<int> RunDueAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        List<(Guid Dispensary, DateOnly Date)> claimable;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDb>();
            claimable = [.. await ScheduledAsync(db, now, ct), .. await LeftBehindAsync(db, now, ct)];
        }

        var generated = 0;
        foreach (var (dispensary, date) in claimable.Distinct())
        {
            var run = await ClaimAsync(dispensary, date, byOperator: false, ct);
            if (run is null) continue; // another process got there first
            await GenerateAsync(run, ct);
            generated++;
        }
        return generated;
    }

    /// <summary>The (dispensary, date) exports of enabled dispensaries that are due and either not started or retryable.</summary>
    private async Task<List<(Guid Dispensary, DateOnly Date)>> ScheduledAsync(AppDb db, DateTimeOffset now, CancellationToken ct)
    {
        var enabled = await db.Dispensaries.AsNoTracking().Where(d => d.PackageUidExportEnabled)
            .Select(d => new { d.Id, d.TimeZone, d.ExportTime }).ToListAsync(ct);
        var due = new List<(Guid Dispensary, DateOnly Date)>();
        foreach (var d in enabled)
        {
            try { if (DueDate(d.TimeZone, d.ExportTime, now) is { } date) due.Add((d.Id, date)); }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or FormatException) { Unusable(d.Id, d.TimeZone, d.ExportTime); }
        }
        if (due.Count == 0) return due;

        // Two set-based reads instead of a query per dispensary: which due rows exist, and which of those may be taken over.
        var since = due.Min(x => x.Date);
        var existing = (await db.ExportRuns.AsNoTracking().Where(r => r.ExportDate >= since)
            .Select(r => new { r.DispensaryId, r.ExportDate }).ToListAsync(ct)).Select(r => (r.DispensaryId, r.ExportDate)).ToHashSet();
        var retryable = (await db.ExportRuns.AsNoTracking().Where(r => r.ExportDate >= since)
            .Where(ExportRun.Retryable(now.UtcDateTime, settings.Lease, byOperator: false))
            .Select(r => new { r.DispensaryId, r.ExportDate }).ToListAsync(ct)).Select(r => (r.DispensaryId, r.ExportDate)).ToHashSet();
        return due.Where(x => !existing.Contains(x) || retryable.Contains(x)).ToList();
    }

    /// <summary>
    /// Runs whose process stopped mid-way (no heartbeat within the lease), whether the schedule or an operator's
    /// run-now started them: so that none stays in progress for ever, one of the dispensary's current local date is
    /// returned to be claimed again, and one of an earlier date, which can no longer be made, is marked failed.
    /// </summary>
    private async Task<List<(Guid Dispensary, DateOnly Date)>> LeftBehindAsync(AppDb db, DateTimeOffset now, CancellationToken ct)
    {
        var left = await db.ExportRuns.AsNoTracking().Where(ExportRun.LeftBehind(now.UtcDateTime, settings.Lease))
            .Join(db.Dispensaries, r => r.DispensaryId, d => d.Id, (r, d) => new { Run = r, d.TimeZone, d.ExportTime }).ToListAsync(ct);
        var today = new List<(Guid Dispensary, DateOnly Date)>();
        foreach (var x in left)
        {
            DateOnly current;
            try { current = LocalDate(x.TimeZone, now); }
            catch (TimeZoneNotFoundException) { Unusable(x.Run.DispensaryId, x.TimeZone, x.ExportTime); continue; }
            if (x.Run.ExportDate >= current) today.Add((x.Run.DispensaryId, x.Run.ExportDate));
            else await FailLeftBehindAsync(db, x.Run, now.UtcDateTime, ct);
        }
        return today;
    }

    private async Task FailLeftBehindAsync(AppDb db, ExportRun run, DateTime now, CancellationToken ct)
    {
        var failed = await db.WriteAsync(async () =>
        {
            // Conditional on the claim still being left behind, so a process that beats again (or another pass) keeps it.
            var updated = await db.ExportRuns.Where(r => r.Id == run.Id).Where(ExportRun.LeftBehind(now, settings.Lease))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Status, ExportStatuses.Failed)
                    .SetProperty(r => r.FinishedAt, now)
                    .SetProperty(r => r.Error, LeftBehindError), ct) > 0;
            if (updated)
            {
                WebhookOutbox.AddExportFailed(db, run, now);
                await db.SaveChangesAsync(ct);
            }
            return updated;
        }, ct);
        if (failed)
            log.LogWarning("Package UID export {Run} of dispensary {Dispensary} for {Date} was left in progress by a stopped process after its date; marked failed.",
                ShortUuid.Encode(run.Id), ShortUuid.Encode(run.DispensaryId), run.ExportDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
    }

    /// <summary>The reason kept on a run failed by <see cref="LeftBehindAsync"/>.</summary>
    public const string LeftBehindError = "The process generating this export stopped before it finished, and its date has passed.";

    private void Unusable(Guid dispensary, string timeZone, string exportTime) =>
        log.LogError("Dispensary {Dispensary} has unusable export settings ({TimeZone}, {ExportTime}); skipped.", ShortUuid.Encode(dispensary), timeZone, exportTime);

    /// <summary>An operator's "run now" for the dispensary's current local date: restarts a finished or failed
    /// export, or returns the one already in progress (Started = false). Generation continues in the background.</summary>
    public async Task<(ExportRun Run, bool Started)> StartNowAsync(Guid dispensaryId, string timeZone, CancellationToken ct)
    {
        var date = LocalDate(timeZone, time.GetUtcNow());
        var run = await ClaimAsync(dispensaryId, date, byOperator: true, ct);
        if (run is null)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDb>();
            return (await db.ExportRuns.AsNoTracking().SingleAsync(r => r.DispensaryId == dispensaryId && r.ExportDate == date, ct), false);
        }
        var task = Task.Run(() => GenerateAsync(run, _stopping.Token), CancellationToken.None);
        _started[run.Id] = task;
        _ = task.ContinueWith(_ => _started.TryRemove(run.Id, out Task? _), TaskScheduler.Default);
        return (run, true);
    }

    /// <summary>Waits for the background generations started by <see cref="StartNowAsync"/>.</summary>
    public Task DrainAsync() => Task.WhenAll(_started.Values);

    /// <summary>Claims the (dispensary, date) export: a new row, or a retryable one taken over; null when another
    /// process holds it. A failed insert rolls back to EF's savepoint, so the write goes on.</summary>
    private async Task<ExportRun?> ClaimAsync(Guid dispensaryId, DateOnly date, bool byOperator, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        return await db.WriteAsync<ExportRun?>(async () =>
        {
            var run = ExportRun.Claim(dispensaryId, date, now);
            db.ExportRuns.Add(run);
            try
            {
                await db.SaveChangesAsync(ct);
                return run;
            }
            catch (DbUpdateException ex) when (Database.IsUniqueViolation(ex))
            {
                db.ChangeTracker.Clear();
            }

            // The row exists: take it over only if it is retryable; of several racers exactly one update matches.
            var token = Guid.NewGuid();
            var taken = await db.ExportRuns.Where(r => r.DispensaryId == dispensaryId && r.ExportDate == date)
                .Where(ExportRun.Retryable(now, settings.Lease, byOperator))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Status, ExportStatuses.InProgress)
                    .SetProperty(r => r.Attempt, r => r.Attempt + 1)
                    .SetProperty(r => r.LeaseToken, token)
                    .SetProperty(r => r.StartedAt, now)
                    .SetProperty(r => r.HeartbeatAt, now)
                    .SetProperty(r => r.FinishedAt, (DateTime?)null)
                    .SetProperty(r => r.ObjectKey, (string?)null)
                    .SetProperty(r => r.Error, (string?)null), ct);
            return taken == 0 ? null
                : await db.ExportRuns.AsNoTracking().SingleAsync(r => r.DispensaryId == dispensaryId && r.ExportDate == date && r.LeaseToken == token, ct);
        }, ct);
    }

    /// <summary>Generates the file of a claimed run, publishes it, and marks the run done (or failed, with the
    /// reason). Every write is conditional on the run's lease token.</summary>
    private async Task GenerateAsync(ExportRun run, CancellationToken ct)
    {
        // Ids and dates as the APIs show them.
        string id = ShortUuid.Encode(run.Id), dispensary = ShortUuid.Encode(run.DispensaryId), date = run.ExportDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var key = $"package-uid-exports/{dispensary}/package-uids-{date}.{run.Attempt}.json";
        using var lease = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var heartbeat = HeartbeatAsync(run, lease);
        var started = time.GetTimestamp();
        var outcome = "failed";
        try
        {
            log.LogInformation("Package UID export {Run} of dispensary {Dispensary} for {Date} started (attempt {Attempt}).", id, dispensary, date, run.Attempt);
            ExportGenerator.Totals totals;
            await using (var upload = await store.BeginUploadAsync(key, lease.Token))
            {
                await using (var scope = scopes.CreateAsyncScope())
                    totals = await ExportGenerator.WriteAsync(scope.ServiceProvider.GetRequiredService<AppDb>(), run.DispensaryId, upload.Content, lease.Token);
                await upload.PublishAsync(lease.Token);
            }
            var finished = time.GetUtcNow().UtcDateTime;
            var marked = await UpdateOwnedAsync(run, s => s
                .SetProperty(r => r.Status, ExportStatuses.Done)
                .SetProperty(r => r.ObjectKey, key)
                .SetProperty(r => r.FinishedAt, finished)
                .SetProperty(r => r.PackageCount, totals.Packages)
                .SetProperty(r => r.LucidIdCount, totals.LucidIds),
                db => WebhookOutbox.AddExportReady(db, run, totals.Packages, totals.LucidIds, finished));
            outcome = marked ? "done" : "lost";
            if (marked) log.LogInformation("Package UID export {Run} done: {Packages} package UIDs, {LucidIds} LucidIDs, {Key}.", id, totals.Packages, totals.LucidIds, key);
            else log.LogWarning("Package UID export {Run} finished after losing its claim; {Key} is not used.", id, key);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: hand the claim back at once (a heartbeat in the past), so another process or the next start retries it.
            outcome = "interrupted";
            await UpdateOwnedAsync(run, s => s.SetProperty(r => r.HeartbeatAt, DateTime.UnixEpoch));
            log.LogWarning("Package UID export {Run} interrupted by shutdown; it will be retried.", id);
        }
        catch (Exception) when (lease.IsCancellationRequested)
        {
            outcome = "lost";
            log.LogWarning("Package UID export {Run} lost its claim (no heartbeat within the lease); another process retries it.", id);
        }
        catch (Exception ex)
        {
            var reason = $"{ex.GetType().Name}: {ex.Message}";
            log.LogError(ex, "Package UID export {Run} of dispensary {Dispensary} for {Date} failed: {Reason}", id, dispensary, date, reason);
            var failedAt = time.GetUtcNow().UtcDateTime;
            await UpdateOwnedAsync(run, s => s
                .SetProperty(r => r.Status, ExportStatuses.Failed)
                .SetProperty(r => r.FinishedAt, failedAt)
                .SetProperty(r => r.Error, reason.Length > 1000 ? reason[..1000] : reason),
                db => WebhookOutbox.AddExportFailed(db, run, failedAt));
        }
        finally
        {
            await lease.CancelAsync();
            await heartbeat;
            RetailTraceMetrics.ExportRun(outcome, time.GetElapsedTime(started));
        }
    }

    /// <summary>Refreshes the claim every quarter lease; cancels generation when the claim was taken over.</summary>
    private async Task HeartbeatAsync(ExportRun run, CancellationTokenSource lease)
    {
        while (!lease.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(settings.Lease / 4, time, lease.Token);
                var now = time.GetUtcNow().UtcDateTime;
                if (!await UpdateOwnedAsync(run, s => s.SetProperty(r => r.HeartbeatAt, now))) await lease.CancelAsync();
            }
            catch (OperationCanceledException) { }
            catch (Exception ex)
            {
                // The next beat tries again; if the database stays away the lease runs down and another process retries the export.
                log.LogWarning(ex, "Heartbeat of package UID export {Run} failed.", ShortUuid.Encode(run.Id));
            }
        }
    }

    /// <param name="alsoWhenOwned">More rows for the same transaction (the outcome's webhook event), added only when the update matched.</param>
    private async Task<bool> UpdateOwnedAsync(ExportRun run,
        Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<ExportRun>> setters, Action<AppDb>? alsoWhenOwned = null)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        return await db.WriteAsync(async () =>
        {
            var owned = await db.ExportRuns
                .Where(r => r.Id == run.Id && r.LeaseToken == run.LeaseToken && r.Status == ExportStatuses.InProgress)
                .ExecuteUpdateAsync(setters, CancellationToken.None) > 0;
            if (owned && alsoWhenOwned is not null)
            {
                alsoWhenOwned(db);
                await db.SaveChangesAsync(CancellationToken.None);
            }
            return owned;
        }, CancellationToken.None);
    }
}
