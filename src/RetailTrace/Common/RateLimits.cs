using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using RetailTrace.Auth;

namespace RetailTrace.Common;

/// <summary>
/// Three limits, all answering 429 in the family's shape with <c>Retry-After</c>:
/// <list type="bullet">
/// <item>A token bucket per <em>validated</em> caller (OAuth2 client, BLAZE partner and shop, the admin), or per remote
/// address for anonymous endpoints, so one noisy integration cannot starve the others and no header a client adds
/// moves it to a fresh bucket: <c>RateLimit:PermitsPerSecond</c> (refill), <c>RateLimit:Burst</c>.</item>
/// <item>Failed authentication per remote address (<see cref="UseFailedAuthenticationLimit"/>), whatever credential
/// was sent: <c>RateLimit:FailedAuthPerMinute</c> (default 10) failures, then every request from that address is
/// refused until the bucket refills, so a credential cannot be guessed at API speed.</item>
/// <item>Console sign-in attempts (<see cref="SignInPolicy"/>) per remote address: <c>RateLimit:SignInPerMinute</c>
/// (default 10).</item>
/// </list>
/// The two per-address budgets are the same bucket design (<see cref="PerMinute"/>). The token endpoint adds a lockout
/// per client id (<see cref="ClientLockouts"/>).
/// </summary>
public static class RateLimits
{
    public const string SignInPolicy = "sign-in";

    public static IServiceCollection AddClientRateLimits(this IServiceCollection services, IConfiguration config)
    {
        var perSecond = config.GetValue("RateLimit:PermitsPerSecond", 100);
        var burst = config.GetValue("RateLimit:Burst", 200);
        var signInsPerMinute = config.GetValue("RateLimit:SignInPerMinute", 10);
        services.AddSingleton(new FailedAuthentications(config.GetValue("RateLimit:FailedAuthPerMinute", 10)));
        services.AddSingleton<ClientLockouts>();
        return services.AddRateLimiter(o =>
        {
            // Only attempts (POST) count; showing the sign-in form is not limited beyond the global bucket.
            o.AddPolicy(SignInPolicy, context => HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetTokenBucketLimiter("sign-in:" + context.Connection.RemoteIpAddress, _ => PerMinute(signInsPerMinute))
                : RateLimitPartition.GetNoLimiter("sign-in:show"));
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                RateLimitPartition.GetTokenBucketLimiter(PartitionKey(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = burst,
                    TokensPerPeriod = perSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            o.OnRejected = (rejected, _) => new ValueTask(RejectAsync(rejected.HttpContext,
                rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : TimeSpan.FromSeconds(1)));
        });
    }

    /// <summary>A budget of attempts per address: <paramref name="perMinute"/> at once, then one more every 60/n s.</summary>
    public static TokenBucketRateLimiterOptions PerMinute(int perMinute)
    {
        perMinute = Math.Max(1, perMinute);
        return new()
        {
            TokenLimit = perMinute,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) / perMinute,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    /// <summary>The 429 answer of every limit: the family's body and <c>Retry-After</c> in whole seconds (at least 1).</summary>
    public static async Task RejectAsync(HttpContext context, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        // DRF's own wording, singular included (ngettext).
        var wait = seconds == 1 ? "1 second" : $"{seconds} seconds";
        var family = ApiErrors.FamilyOf(context.Request.Path);
        RetailTraceMetrics.RateLimited(family);
        var result = family switch
        {
            ApiFamily.Drf => Drf.Detail(429, $"Request was throttled. Expected available in {wait}."),
            ApiFamily.Blaze => Blaze.Error(429, "request", $"Too many requests. Retry in {wait}."),
            ApiFamily.Console => OperatorConsole.ConsoleErrors.Page(429, $"Too many requests. Try again in {wait}."),
            _ => Results.Problem(statusCode: 429, detail: $"Too many requests. Retry in {wait}."),
        };
        await result.ExecuteAsync(context);
    }

    /// <summary>A handler's 429 (e.g. a locked client id), written like the limiter's.</summary>
    public sealed record Throttled(TimeSpan RetryAfter) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => RejectAsync(httpContext, RetryAfter);
    }

    /// <summary>
    /// Refuses every request from an address whose failed-authentication budget is spent, before any credential is
    /// checked (so a right guess is refused too), and spends one unit per 401 answered. Requests already in flight
    /// when the budget runs out still finish. Runs before authentication. Endpoints that are never rate limited
    /// (probes, metrics, console assets) take no credential, so nothing can be guessed through them; they stay open,
    /// or a guesser behind a shared address (a proxy) would fail the load balancer's probes and blank the metrics.
    /// </summary>
    public static IApplicationBuilder UseFailedAuthenticationLimit(this IApplicationBuilder app)
    {
        var failures = app.ApplicationServices.GetRequiredService<FailedAuthentications>();
        return app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<DisableRateLimitingAttribute>() is not null)
            {
                await next(context);
                return;
            }
            var address = AddressOf(context);
            // The bucket refills in fractions, so "is a whole unit left" is asked of its statistics; only then does an
            // attempt (which spends nothing when it fails) say how long to wait.
            if (failures.Limiter.GetStatistics(address) is { CurrentAvailablePermits: < 1 })
            {
                using var spent = failures.Limiter.AttemptAcquire(address);
                if (!spent.IsAcquired)
                {
                    await RejectAsync(context, spent.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : TimeSpan.FromSeconds(1));
                    return;
                }
            }
            await next(context);
            if (context.Response.StatusCode == StatusCodes.Status401Unauthorized) failures.Limiter.AttemptAcquire(address).Dispose();
        });
    }

    /// <summary>The failed-authentication buckets, one per remote address.</summary>
    public sealed class FailedAuthentications(int perMinute)
    {
        public PartitionedRateLimiter<string> Limiter { get; } =
            PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ => PerMinute(perMinute)));
    }

    public static string AddressOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>The identity authentication validated, never a header as sent; the address when there is none.</summary>
    private static string PartitionKey(HttpContext context) =>
        context.Features.Get<LucidCaller>() is { } lucid ? "client:" + lucid.ClientId
        : context.Features.Get<StoreCaller>() is { } store ? "store:" + store.PartnerId + "/" + store.ShopId
        : context.User.IsInRole("admin") && context.User.Identity?.AuthenticationType == AdminAuthHandler.SchemeName ? "admin"
        : "ip:" + AddressOf(context);
}
