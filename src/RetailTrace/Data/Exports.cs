using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace RetailTrace.Data;

// Package UID exports (SPEC.md §7): one row per dispensary and local export date.

public static class ExportStatuses
{
    public const string InProgress = "in_progress";
    public const string Done = "done";
    public const string Failed = "failed";
}

/// <summary>
/// One dispensary's export for one local date. The unique (dispensary, date) index is the claim:
/// whichever process inserts the row (or takes over a retryable one by a conditional update)
/// generates the file, and every later write is conditional on its <see cref="LeaseToken"/>, so a
/// process that lost its lease can never mark the run done.
/// </summary>
public class ExportRun
{
    /// <summary>Failed runs the scheduler retries on its own; an operator can always run again.</summary>
    public const int MaxScheduledAttempts = 3;
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMinutes(5);

    public Guid Id { get; set; }
    public Guid DispensaryId { get; set; }
    public DateOnly ExportDate { get; set; }
    public string Status { get; set; } = ExportStatuses.InProgress;
    public int Attempt { get; set; } = 1;
    /// <summary>Changes on every claim; the owner of the current attempt is whoever holds it.</summary>
    public Guid LeaseToken { get; set; }
    public DateTime StartedAt { get; set; }
    /// <summary>Refreshed while generating; an in-progress row whose heartbeat is older than the lease belongs to a dead process.</summary>
    public DateTime HeartbeatAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    /// <summary>The published file, once done (a new key per attempt, so a late writer never overwrites it).</summary>
    public string? ObjectKey { get; set; }
    public string? Error { get; set; }
    public long PackageCount { get; set; }
    public long LucidIdCount { get; set; }

    public static ExportRun Claim(Guid dispensaryId, DateOnly date, DateTime now) => new()
    {
        Id = Guid.NewGuid(), DispensaryId = dispensaryId, ExportDate = date, LeaseToken = Guid.NewGuid(), StartedAt = now, HeartbeatAt = now,
    };

    /// <summary>An in-progress run whose owner stopped beating (its process died, or lost the database) for a whole lease.</summary>
    public static Expression<Func<ExportRun, bool>> LeftBehind(DateTime now, TimeSpan lease)
    {
        var staleBefore = now - lease;
        return r => r.Status == ExportStatuses.InProgress && r.HeartbeatAt < staleBefore;
    }

    /// <summary>Rows another claim may take over: a run <see cref="LeftBehind"/> (its rule written out here, as one
    /// translated expression cannot call another), or a
    /// failed run (the scheduler waits <see cref="RetryDelay"/> and gives up after <see cref="MaxScheduledAttempts"/>;
    /// an operator's run-now also restarts finished runs).</summary>
    public static Expression<Func<ExportRun, bool>> Retryable(DateTime now, TimeSpan lease, bool byOperator)
    {
        var staleBefore = now - lease;
        var retryBefore = now - RetryDelay;
        return byOperator
            ? r => r.Status != ExportStatuses.InProgress || r.HeartbeatAt < staleBefore
            : r => (r.Status == ExportStatuses.InProgress && r.HeartbeatAt < staleBefore)
                || (r.Status == ExportStatuses.Failed && r.Attempt < MaxScheduledAttempts && r.FinishedAt < retryBefore);
    }
}

public static class ExportsModel
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<ExportRun>(e =>
        {
            e.Property(x => x.Status).HasMaxLength(16);
            e.Property(x => x.ObjectKey).HasMaxLength(255);
            e.Property(x => x.Error).HasMaxLength(1000);
            e.HasOne<Dispensary>().WithMany().HasForeignKey(x => x.DispensaryId);
            // The claim, and the index of "this date" and "latest" lookups.
            e.HasIndex(x => new { x.DispensaryId, x.ExportDate }).IsUnique();
            // Every scheduler pass reads the runs of the due dates, and the in-progress runs by heartbeat, of all dispensaries.
            e.HasIndex(x => x.ExportDate);
            e.HasIndex(x => new { x.Status, x.HeartbeatAt });
        });
    }
}
