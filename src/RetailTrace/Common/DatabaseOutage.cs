namespace RetailTrace.Common;

/// <summary>
/// Logs a database outage without flooding: a warning at the first failure, then at most one a minute while it
/// lasts, with the number of failures since the last one. Requests (answered 503, each with its own request log
/// line) and background loops (which retry on their next poll) report here instead of logging a stack each time.
/// </summary>
public sealed class DatabaseOutage(ILoggerFactory logs, TimeProvider time)
{
    private static readonly TimeSpan Every = TimeSpan.FromMinutes(1);
    private readonly ILogger _log = logs.CreateLogger("RetailTrace.Database");
    private readonly Lock _lock = new();
    private DateTimeOffset _lastLogged = DateTimeOffset.MinValue;
    private int _unlogged;

    public void Report(Exception error)
    {
        var now = time.GetUtcNow();
        int count;
        lock (_lock)
        {
            _unlogged++;
            if (now - _lastLogged < Every) return;
            _lastLogged = now;
            count = _unlogged;
            _unlogged = 0;
        }
        var cause = error.GetBaseException();
        _log.LogWarning("Database unavailable: {Count} failure(s) since the last report; requests answer 503 and background work retries. {Cause}: {Message}",
            count, cause.GetType().Name, cause.Message);
    }
}
