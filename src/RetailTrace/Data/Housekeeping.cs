using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;

namespace RetailTrace.Data;

/// <summary>
/// Deletes what is kept only for a while: idempotency records 24 hours after their first request (a retry after that
/// runs again, as with Stripe's keys), access tokens once they have expired (a revoked token is refused at once and
/// deleted when it would have expired, at most 36000 s later), and webhook messages that are no longer pending, with
/// their attempts, <c>Webhooks:Retention</c> after their last attempt (a message of every sale would otherwise grow the
/// database for ever). Runs every <c>Housekeeping:PollMinutes</c> (default 60;
/// 0 turns the loop off) in each server process; the deletes are idempotent, so several processes on one database agree.
/// </summary>
public sealed class Housekeeping(
    IServiceScopeFactory scopes, TimeProvider time, IConfiguration config, Webhooks.WebhookSettings webhooks, ILogger<Housekeeping> log, DatabaseOutage outage)
    : BackgroundService
{
    public static readonly TimeSpan IdempotencyKeyLifetime = TimeSpan.FromHours(24);

    /// <summary>Messages deleted per transaction, so that a backlog (the first pass after an upgrade) never holds
    /// SQLite's writer, or PostgreSQL's locks, for long.</summary>
    private const int MessagesPerDelete = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var minutes = config.GetValue("Housekeeping:PollMinutes", 60.0);
        if (minutes <= 0) return;
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(minutes), time);
        do
        {
            try
            {
                var (records, tokens, messages) = await PurgeAsync(stoppingToken);
                if (records + tokens + messages > 0)
                    log.LogInformation("Housekeeping deleted {IdempotencyRecords} idempotency records, {AccessTokens} access tokens and {WebhookMessages} webhook messages.",
                        records, tokens, messages);
            }
            catch (Exception ex) when (Database.IsUnavailable(ex)) { outage.Report(ex); }
            catch (Exception ex) when (ex is not OperationCanceledException) { log.LogError(ex, "Housekeeping failed; retrying on the next pass."); }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass; returns how many idempotency records, access tokens and webhook messages it deleted.</summary>
    public async Task<(int IdempotencyRecords, int AccessTokens, int WebhookMessages)> PurgeAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        var now = time.GetUtcNow().UtcDateTime;
        var keysBefore = now - IdempotencyKeyLifetime;
        var records = await db.WriteAsync(() => db.IdempotencyRecords.Where(r => r.CreatedAt < keysBefore).ExecuteDeleteAsync(ct), ct);
        var tokens = await db.WriteAsync(() => db.AccessTokens.Where(t => t.ExpiresAt <= now).ExecuteDeleteAsync(ct), ct);
        var messages = 0;
        if (webhooks.Retention > TimeSpan.Zero)
        {
            var lastAttemptBefore = now - webhooks.Retention;
            var ended = db.WebhookMessages.Where(m => (m.Status == WebhookMessageStatuses.Delivered || m.Status == WebhookMessageStatuses.Failed)
                && m.LastAttemptAt < lastAttemptBefore);
            int deleted;
            do
            {
                deleted = await db.WriteAsync(() => ended.OrderBy(m => m.Id).Take(MessagesPerDelete).ExecuteDeleteAsync(ct), ct);
                messages += deleted;
            }
            while (deleted == MessagesPerDelete);
        }
        return (records, tokens, messages);
    }
}

public static class HousekeepingServices
{
    public static IServiceCollection AddHousekeeping(this IServiceCollection services)
    {
        services.AddSingleton<Housekeeping>();
        services.AddHostedService(sp => sp.GetRequiredService<Housekeeping>());
        return services;
    }
}
