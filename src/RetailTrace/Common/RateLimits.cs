using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace RetailTrace.Common;

/// <summary>
/// A token bucket per client (bearer token, BLAZE key pair, or remote address when anonymous), so
/// one noisy integration cannot starve the others. Refused requests get 429 in the family's shape
/// with <c>Retry-After</c>. Settings: <c>RateLimit:PermitsPerSecond</c> (refill), <c>RateLimit:Burst</c>.
/// Sign-in attempts (<see cref="SignInPolicy"/>) have a bucket of their own per remote address, as small as a person
/// needs, so the admin token cannot be guessed at API speed: <c>RateLimit:SignInPerMinute</c> (default 10).
/// </summary>
public static class RateLimits
{
    public const string SignInPolicy = "sign-in";

    public static IServiceCollection AddClientRateLimits(this IServiceCollection services, IConfiguration config)
    {
        var perSecond = config.GetValue("RateLimit:PermitsPerSecond", 100);
        var burst = config.GetValue("RateLimit:Burst", 200);
        var signInsPerMinute = Math.Max(1, config.GetValue("RateLimit:SignInPerMinute", 10));
        return services.AddRateLimiter(o =>
        {
            // Only attempts (POST) count; showing the sign-in form is not limited beyond the global bucket.
            o.AddPolicy(SignInPolicy, context => HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetTokenBucketLimiter("sign-in:" + context.Connection.RemoteIpAddress, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = signInsPerMinute,
                    TokensPerPeriod = 1,
                    ReplenishmentPeriod = TimeSpan.FromMinutes(1) / signInsPerMinute,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                })
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
            o.OnRejected = async (rejected, _) =>
            {
                var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry)
                    ? Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)) : 1;
                var context = rejected.HttpContext;
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
            };
        });
    }

    /// <summary>Keys hash the credential so the limiter never holds a secret in memory.</summary>
    private static string PartitionKey(HttpContext context)
    {
        var headers = context.Request.Headers;
        var authorization = headers.Authorization.ToString();
        var partnerKey = headers["partner_key"].ToString() is { Length: > 0 } p ? p : headers["x-api-key"].ToString();
        if (authorization.Length > 0 || partnerKey.Length > 0) return Secrets.Hash(partnerKey + "\n" + authorization);
        return "ip:" + context.Connection.RemoteIpAddress;
    }
}
