using System.Net.Http.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Webhooks;
using RetailTrace.Webhooks;

namespace RetailTrace.Tests.Admin;

/// <summary>Idempotency records go 24 h after their first request; access tokens once expired (36000 s); webhook
/// messages that are no longer pending, <c>Webhooks:Retention</c> after their last attempt.</summary>
public abstract class HousekeepingTests(AppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Idempotency_records_are_purged_after_24_hours_and_tokens_once_expired()
    {
        // A whole second, so that the exact 24-hour boundary below survives PostgreSQL's microsecond timestamps.
        var time = new ManualTime(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
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

        // Kept for a whole day: still there at exactly 24 hours, gone one second after.
        time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(36_000));
        await housekeeping.PurgeAsync(Ct);
        Assert.Equal(1, await Records());
        Assert.Equal((201, true), await CreateBrand());
        time.Advance(TimeSpan.FromSeconds(1));
        await housekeeping.PurgeAsync(Ct);
        Assert.Equal(0, await Records());
        // The key is free again: the same request runs anew.
        Assert.Equal((201, false), await CreateBrand());
        Assert.Equal(2, await app.WithDbAsync(db => db.Brands.CountAsync(b => b.Name == name, Ct)));
    }

    [Fact]
    public async Task Webhook_messages_that_ended_are_deleted_with_their_attempts_after_the_retention_and_pending_ones_are_kept()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = new WebhookHost(app, null, ("Webhooks:Retention", "30d"));
        var world = await app.ImportedCaseAsync(units: 2);
        var units = world.Case.AllLucidIds.ToArray();
        var delivered = await world.Dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/ok"), [WebhookEventTypes.LucidIdSold]);
        var down = await world.Dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/down"), [WebhookEventTypes.LucidIdSold]);
        receiver.Answer("/down", 503);
        await world.Dispensary.SellAsync("KEPT-1", units[0]);
        Assert.Equal(2, await host.DeliverAsync()); // one delivered; one pending, its retry due in 5 s and never made here
        var messageId = receiver.At("/ok").Single().Id;
        var pendingId = receiver.At("/down").Single().Id;
        var housekeeping = host.Services.GetRequiredService<Housekeeping>();
        async Task<(int, int)> Shown() => (
            (await app.AdminClient().GetJsonAsync($"/admin/v1/webhook-endpoints/{delivered.Id}/messages/{messageId}")).Status,
            (await app.AdminClient().GetJsonAsync($"/admin/v1/webhook-endpoints/{down.Id}/messages/{pendingId}")).Status);
        Task<int> Attempts() => app.WithDbAsync(db => db.WebhookAttempts.CountAsync(a => db.WebhookMessages.Any(m => m.Id == a.MessageId && m.MessageId == messageId), Ct));
        Assert.Equal(1, await Attempts());

        host.Time.Advance(TimeSpan.FromDays(30) - TimeSpan.FromSeconds(1));
        await housekeeping.PurgeAsync(Ct);
        Assert.Equal((200, 200), await Shown());
        host.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, (await housekeeping.PurgeAsync(Ct)).WebhookMessages);
        Assert.Equal((404, 200), await Shown());
        Assert.Equal(0, await app.WithDbAsync(db => db.WebhookAttempts.CountAsync(a => !db.WebhookMessages.Any(m => m.Id == a.MessageId), Ct)));
        // The pending message is still delivered once its receiver answers.
        receiver.Answer("/down", 200);
        Assert.Equal(1, await host.DeliverAsync());
        Assert.Equal(2, receiver.At("/down").Count);
    }

    [Fact]
    public async Task Each_pass_of_the_loop_logs_what_it_deleted()
    {
        await app.NewDispensaryAsync(); // a client with a token, which expires in 10 hours
        var time = new ManualTime(DateTimeOffset.UtcNow + TimeSpan.FromHours(11));
        var expired = await app.WithDbAsync(db => db.AccessTokens.CountAsync(t => t.ExpiresAt <= time.GetUtcNow().UtcDateTime, Ct));
        Assert.True(expired >= 1);
        var logs = new FakeLoggerProvider();
        await using var host = app.Derive(b =>
        {
            b.UseSetting("Housekeeping:PollMinutes", "60");
            b.ConfigureLogging(l => l.AddProvider(logs));
            b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(time));
        });
        _ = host.Server; // the loop's first pass runs as the host starts

        await WebhookKit.EventuallyAsync(() => logs.Collector.GetSnapshot().Any(r => r.Category == typeof(Housekeeping).FullName), 20, "the housekeeping pass");
        var line = Assert.Single(logs.Collector.GetSnapshot(), r => r.Category == typeof(Housekeeping).FullName);
        Assert.Equal((LogLevel.Information, $"Housekeeping deleted 0 idempotency records, {expired} access tokens and 0 webhook messages."), (line.Level, line.Message));
    }
}

public sealed class HousekeepingTestsOnSqlite(SqliteApp app) : HousekeepingTests(app), IClassFixture<SqliteApp>;
public sealed class HousekeepingTestsOnPostgres(PostgresApp app) : HousekeepingTests(app), IClassFixture<PostgresApp>;
