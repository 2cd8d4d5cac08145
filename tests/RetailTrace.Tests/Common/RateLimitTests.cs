using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Common;

/// <summary>
/// Burst of 3, refilled at 1/s: after the 3 burst requests of one client, a quick request is refused
/// (the 5th at the latest, should a refill tick fall between the 3rd and 4th).
/// </summary>
public abstract class RateLimitTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_noisy_lucid_client_gets_drf_429_with_retry_after_while_others_pass()
    {
        var noisy = Client("Bearer noisy-" + Guid.NewGuid());
        for (var i = 0; i < 3; i++) Assert.Equal(404, (int)(await noisy.GetAsync("/api/v1.2/none/", Ct)).StatusCode);
        using var refused = await RefusedAsync(noisy, "/api/v1.2/none/");
        Assert.Equal("1", refused.Headers.RetryAfter!.ToString());
        Assert.Equal("""{"detail":"Request was throttled. Expected available in 1 second."}""", await refused.Content.ReadAsStringAsync(Ct));

        var quiet = Client("Bearer quiet-" + Guid.NewGuid());
        Assert.Equal(404, (int)(await quiet.GetAsync("/api/v1.5/none/", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_noisy_store_partner_gets_blaze_429()
    {
        var noisy = Client("dev-" + Guid.NewGuid());
        noisy.DefaultRequestHeaders.Add("partner_key", "p");
        for (var i = 0; i < 3; i++) await noisy.GetAsync("/api/v1/partner/store/none", Ct);
        using var refused = await RefusedAsync(noisy, "/api/v1/partner/store/none");
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("""{"field":"request","message":"Too many requests. Retry in 1 second.","errorType":"com.fourtwenty.core.exceptions.BlazeTooManyRequestsException","references":null}""",
            await refused.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Tokens_refill_over_time()
    {
        var client = Client("Bearer refill-" + Guid.NewGuid());
        for (var i = 0; i < 3; i++) await client.GetAsync("/api/v1.2/none/", Ct);
        (await RefusedAsync(client, "/api/v1.2/none/")).Dispose();
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
        Assert.Equal(404, (int)(await client.GetAsync("/api/v1.2/none/", Ct)).StatusCode);
    }

    private static async Task<HttpResponseMessage> RefusedAsync(HttpClient client, string url)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var response = await client.GetAsync(url, Ct);
            if ((int)response.StatusCode == 429) return response;
            response.Dispose();
        }
        Assert.Fail("The client was never throttled.");
        return null!;
    }

    private HttpClient Client(string authorization)
    {
        var client = app.Client();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        return client;
    }
}

public sealed class ThrottledSqliteApp : SqliteApp
{
    protected override IEnumerable<(string Key, string Value)> ExtraSettings() => [("RateLimit:PermitsPerSecond", "1"), ("RateLimit:Burst", "3")];
}

public sealed class ThrottledPostgresApp : PostgresApp
{
    protected override IEnumerable<(string Key, string Value)> ExtraSettings() => [("RateLimit:PermitsPerSecond", "1"), ("RateLimit:Burst", "3")];
}

public sealed class RateLimitTestsOnSqlite(ThrottledSqliteApp app) : RateLimitTests(app), IClassFixture<ThrottledSqliteApp>;
public sealed class RateLimitTestsOnPostgres(ThrottledPostgresApp app) : RateLimitTests(app), IClassFixture<ThrottledPostgresApp>;
