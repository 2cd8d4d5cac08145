using System.Net.Http.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Admin;

/// <summary>Idempotency records go 24 h after their first request; access tokens once expired (36000 s).</summary>
public abstract class HousekeepingTests(AppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Idempotency_records_are_purged_after_24_hours_and_tokens_once_expired()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        await using var host = app.Derive(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(time)));
        var admin = host.AdminClientOf();
        var key = "housekeeping-" + Guid.NewGuid();
        var name = "Kept " + key[^8..];
        async Task<(int, bool)> CreateBrand()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/brands") { Content = JsonContent.Create(new { name }), Headers = { { "Idempotency-Key", key } } };
            using var response = await admin.SendAsync(request, Ct);
            return ((int)response.StatusCode, response.Headers.Contains("Idempotent-Replayed"));
        }
        Assert.Equal((201, false), await CreateBrand());
        var d = await app.NewDispensaryAsync();
        using var tokenResponse = await host.CreateClient().PostAsync("/o/token/", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = d.ClientId, ["client_secret"] = d.ClientSecret,
        }), Ct);
        var token = (string)System.Text.Json.Nodes.JsonNode.Parse(await tokenResponse.Content.ReadAsStringAsync(Ct))!["access_token"]!;
        var housekeeping = host.Services.GetRequiredService<Housekeeping>();
        Task<int> Tokens() => app.WithDbAsync(db => db.AccessTokens.CountAsync(t => t.TokenHash == Secrets.Hash(token), Ct));
        Task<int> Records() => app.WithDbAsync(db => db.IdempotencyRecords.CountAsync(r => r.Key == key, Ct));

        time.Advance(TimeSpan.FromSeconds(35_999));
        await housekeeping.PurgeAsync(Ct);
        Assert.Equal((1, 1), (await Tokens(), await Records()));
        time.Advance(TimeSpan.FromSeconds(1));
        await housekeeping.PurgeAsync(Ct);
        Assert.Equal((0, 1), (await Tokens(), await Records()));
        Assert.Equal((201, true), await CreateBrand());

        // Kept for a whole day: still there one second before it, gone one second after.
        time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(36_000) - TimeSpan.FromSeconds(1));
        await housekeeping.PurgeAsync(Ct);
        Assert.Equal(1, await Records());
        Assert.Equal((201, true), await CreateBrand());
        time.Advance(TimeSpan.FromSeconds(2));
        await housekeeping.PurgeAsync(Ct);
        Assert.Equal(0, await Records());
        // The key is free again: the same request runs anew.
        Assert.Equal((201, false), await CreateBrand());
        Assert.Equal(2, await app.WithDbAsync(db => db.Brands.CountAsync(b => b.Name == name, Ct)));
    }
}

public sealed class HousekeepingTestsOnSqlite(SqliteApp app) : HousekeepingTests(app), IClassFixture<SqliteApp>;
public sealed class HousekeepingTestsOnPostgres(PostgresApp app) : HousekeepingTests(app), IClassFixture<PostgresApp>;
