using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Common;

/// <summary>
/// Burst of 3, refilled at 1/s: after the 3 burst requests of one client, a quick request is refused
/// (the 5th at the latest, should a refill tick fall between the 3rd and 4th). The fixture's own requests (creating
/// the tenants) go to the fixture's unthrottled host; the clients then talk to a throttled host over the same database.
/// </summary>
public abstract class RateLimitTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    /// <summary>An authenticated read answering 404: a LucidID no one minted.</summary>
    private const string Unknown = "/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/";

    private WebApplicationFactory<Program> Throttled() => app.Derive(b =>
    {
        b.UseSetting("RateLimit:PermitsPerSecond", "1");
        b.UseSetting("RateLimit:Burst", "3");
    });

    [Fact]
    public async Task A_noisy_lucid_client_gets_drf_429_with_retry_after_while_others_pass()
    {
        await using var host = Throttled();
        var noisy = host.ClientAs((await app.NewDispensaryAsync()).Client);
        for (var i = 0; i < 3; i++) Assert.Equal(404, (int)(await noisy.GetAsync(Unknown, Ct)).StatusCode);
        using var refused = await RefusedAsync(noisy, Unknown);
        Assert.Equal("1", refused.Headers.RetryAfter!.ToString());
        Assert.Equal("""{"detail":"Request was throttled. Expected available in 1 second."}""", await refused.Content.ReadAsStringAsync(Ct));

        var quiet = host.ClientAs((await app.NewDispensaryAsync()).Client);
        Assert.Equal(404, (int)(await quiet.GetAsync(Unknown, Ct)).StatusCode);
    }

    [Fact]
    public async Task A_noisy_store_partner_gets_blaze_429()
    {
        await using var host = Throttled();
        var noisy = host.ClientAs((await app.NewStoreAsync()).Client);
        for (var i = 0; i < 3; i++) await noisy.GetAsync("/api/v1/partner/store/batches", Ct);
        using var refused = await RefusedAsync(noisy, "/api/v1/partner/store/batches");
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("""{"field":"request","message":"Too many requests. Retry in 1 second.","errorType":"com.fourtwenty.core.exceptions.BlazeTooManyRequestsException","references":null}""",
            await refused.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Tokens_refill_over_time()
    {
        await using var host = Throttled();
        var client = host.ClientAs((await app.NewDispensaryAsync()).Client);
        for (var i = 0; i < 3; i++) await client.GetAsync(Unknown, Ct);
        (await RefusedAsync(client, Unknown)).Dispose();
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
        Assert.Equal(404, (int)(await client.GetAsync(Unknown, Ct)).StatusCode);
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
}

public sealed class RateLimitTestsOnSqlite(SqliteApp app) : RateLimitTests(app), IClassFixture<SqliteApp>;
public sealed class RateLimitTestsOnPostgres(PostgresApp app) : RateLimitTests(app), IClassFixture<PostgresApp>;
