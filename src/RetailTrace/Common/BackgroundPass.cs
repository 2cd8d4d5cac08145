namespace RetailTrace.Common;

/// <summary>
/// The last pass of a background loop of this process (the transfer worker, the export scheduler), for the
/// operator console: when it ran, how much it did, whether it failed. Kept in memory: each server process has its own.
/// </summary>
public sealed record BackgroundPass(DateTimeOffset At, int Done, bool Failed)
{
    public static BackgroundPass Succeeded(TimeProvider time, int done) => new(time.GetUtcNow(), done, false);
    public static BackgroundPass Failure(TimeProvider time) => new(time.GetUtcNow(), 0, true);
}
