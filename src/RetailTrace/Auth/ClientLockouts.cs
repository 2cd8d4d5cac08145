using Microsoft.Extensions.Caching.Memory;
using RetailTrace.Common;

namespace RetailTrace.Auth;

/// <summary>
/// Exponential lockout of an OAuth2 <c>client_id</c> at the token endpoint, whatever address the attempts come from:
/// after <c>RateLimit:LockoutAfter</c> (default 5) failed secrets in a row the client id is locked for
/// <c>RateLimit:LockoutSeconds</c> (default 30), each further failure doubles the lockout up to
/// <c>RateLimit:LockoutMaxSeconds</c> (default 3600), and a sign-in with the right secret once the lockout is over
/// clears the count. While locked, even the right secret is refused (429 with <c>Retry-After</c>), so a lockout
/// cannot be used to confirm a guess; tokens issued before keep working. Counts live in the process's memory cache
/// (bounded, forgotten a day after the last failure or on restart). The attempts of one client id are decided one at
/// a time (<see cref="AttemptAsync"/>), so concurrent guesses cannot all pass the check before the first is counted.
/// </summary>
public sealed class ClientLockouts(IMemoryCache cache, TimeProvider time, IConfiguration config)
{
    private readonly int _after = Math.Max(1, config.GetValue("RateLimit:LockoutAfter", 5));
    private readonly TimeSpan _first = TimeSpan.FromSeconds(Math.Max(1, config.GetValue("RateLimit:LockoutSeconds", 30)));
    private readonly TimeSpan _max = TimeSpan.FromSeconds(Math.Max(1, config.GetValue("RateLimit:LockoutMaxSeconds", 3600)));

    // One lock per stripe of client ids: attempts of one client id wait for each other, memory stays bounded
    // whatever ids are sent, and attempts of different clients rarely share a stripe.
    private readonly SemaphoreSlim[] _turns = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    private sealed class Failures
    {
        public int Count;
        public DateTimeOffset LockedUntil;
    }

    /// <summary>
    /// One sign-in attempt of <paramref name="clientId"/>: refused with the time left while the client id is locked;
    /// otherwise <paramref name="verify"/> checks the secret, answering what it verified (null: a failure), and its
    /// answer is counted. Attempts of one client id run one at a time.
    /// </summary>
    public async Task<(T? Verified, TimeSpan? LockedFor)> AttemptAsync<T>(string clientId, Func<Task<T?>> verify, CancellationToken ct) where T : class
    {
        var turn = _turns[(uint)StringComparer.Ordinal.GetHashCode(clientId) % (uint)_turns.Length];
        await turn.WaitAsync(ct);
        try
        {
            if (LockedFor(clientId) is { } locked) return (null, locked);
            var verified = await verify();
            if (verified is not null) Succeeded(clientId);
            else Failed(clientId);
            return (verified, null);
        }
        finally
        {
            turn.Release();
        }
    }

    /// <summary>How long <paramref name="clientId"/> stays locked, or null when it may try.</summary>
    private TimeSpan? LockedFor(string clientId)
    {
        if (!cache.TryGetValue(Key(clientId), out Failures? failures) || failures is null) return null;
        lock (failures)
        {
            var left = failures.LockedUntil - time.GetUtcNow();
            return left > TimeSpan.Zero ? left : null;
        }
    }

    private void Failed(string clientId)
    {
        var failures = cache.GetOrCreate(Key(clientId), entry =>
        {
            entry.SlidingExpiration = TimeSpan.FromDays(1);
            entry.Size = 1;
            return new Failures();
        })!;
        lock (failures)
        {
            failures.Count++;
            if (failures.Count < _after) return;
            var doublings = Math.Min(failures.Count - _after, 30);
            var lockout = TimeSpan.FromTicks(Math.Min(_max.Ticks, _first.Ticks * (1L << doublings)));
            failures.LockedUntil = time.GetUtcNow() + lockout;
        }
    }

    private void Succeeded(string clientId) => cache.Remove(Key(clientId));

    private static string Key(string clientId) => "lockout:" + Secrets.Hash(clientId);
}
