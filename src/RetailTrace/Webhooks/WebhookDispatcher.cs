using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Webhooks;

/// <summary>
/// Delivers webhook messages: turns outbox events into messages, then, for every enabled endpoint whose
/// oldest pending message is due, claims the endpoint and delivers its due messages one at a time, oldest
/// first. A message that fails waits for its next scheduled attempt and the endpoint's later messages wait
/// behind it, so a receiver sees an endpoint's events in the order they were written.
/// <para>Several server processes may run it against one database: the claim is a conditional update of the
/// endpoint's lease (token and expiry), so one process at a time delivers to an endpoint; a process that dies
/// mid-delivery leaves a lease that expires, and the message, never marked delivered, is sent again
/// (at-least-once; receivers deduplicate on <c>webhook-id</c>).</para>
/// The hosted loop calls <see cref="RunDueAsync"/> every <see cref="WebhookSettings.PollInterval"/>; tests call it directly.
/// </summary>
public sealed class WebhookDispatcher(
    IServiceScopeFactory scopes, WebhookSender sender, WebhookSecrets secrets, WebhookSettings settings, TimeProvider time,
    ILogger<WebhookDispatcher> log, DatabaseOutage outage) : BackgroundService
{
    /// <summary>Deliveries to one endpoint per pass, so new events are fanned out between long runs.</summary>
    private const int MaxPerEndpointPass = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.PollInterval <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(settings.PollInterval, time);
        do
        {
            try { await RunDueAsync(stoppingToken); }
            catch (Exception ex) when (Database.IsUnavailable(ex)) { outage.Report(ex); }
            catch (Exception ex) when (ex is not OperationCanceledException) { log.LogError(ex, "Webhook dispatch pass failed; retrying on the next poll."); }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Fans out waiting events and makes every due delivery; returns how many attempts it made.</summary>
    public async Task<int> RunDueAsync(CancellationToken ct = default)
    {
        List<string> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDb>();
            await WebhookOutbox.FanOutAsync(db, time, ct);
            var now = time.GetUtcNow().UtcDateTime;
            due = await db.WebhookEndpoints.AsNoTracking()
                .Where(e => e.Enabled && (e.LeaseExpiresAt == null || e.LeaseExpiresAt < now))
                .Where(e => db.WebhookMessages.Where(m => m.EndpointId == e.Id && m.Status == WebhookMessageStatuses.Pending)
                    .OrderBy(m => m.Id).Select(m => (DateTime?)m.NextAttemptAt).FirstOrDefault() <= now)
                .OrderBy(e => e.Id).Select(e => e.Id).ToListAsync(ct);
        }
        var attempts = 0;
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = ct },
            async (endpointId, ct) => Interlocked.Add(ref attempts, await DeliverEndpointAsync(endpointId, ct)));
        return attempts;
    }

    private sealed record Head(long Id, string MessageId, string Payload, int Attempts);

    private sealed record Target(string Url, string Owner, string Secret, string? PreviousSecret, DateTime? PreviousSecretExpiresAt);

    /// <summary>Claims the endpoint, delivers its due messages in order until one fails or none is due, and releases it.</summary>
    private async Task<int> DeliverEndpointAsync(string endpointId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        var token = Guid.NewGuid();
        if (!await RenewLeaseAsync(db, endpointId, token, claim: true, ct)) return 0; // another process has it
        var attempts = 0;
        try
        {
            while (attempts < MaxPerEndpointPass)
            {
                var now = time.GetUtcNow().UtcDateTime;
                var head = await db.WebhookMessages.AsNoTracking()
                    .Where(m => m.EndpointId == endpointId && m.Status == WebhookMessageStatuses.Pending).OrderBy(m => m.Id)
                    .Select(m => new { Message = new Head(m.Id, m.MessageId, m.Payload, m.Attempts), m.NextAttemptAt }).FirstOrDefaultAsync(ct);
                if (head is null || head.NextAttemptAt > now) break;
                var target = await db.WebhookEndpoints.AsNoTracking().Where(e => e.Id == endpointId && e.Enabled)
                    .Select(e => new Target(e.Url, e.Owner, e.SecretCiphertext, e.PreviousSecretCiphertext, e.PreviousSecretExpiresAt))
                    .FirstOrDefaultAsync(ct);
                if (target is null) break; // disabled or deleted meanwhile
                var current = secrets.Unprotect(target.Secret);
                var signing = new List<string> { current };
                // During a rotation both secrets sign. The current one is repeated last: the StandardWebhooks .NET
                // library (1.1.2) never checks the last of several entries, so this keeps the previous secret verifiable there.
                if (target.PreviousSecret is not null && target.PreviousSecretExpiresAt > now) signing.AddRange([secrets.Unprotect(target.PreviousSecret), current]);

                var result = await sender.SendAsync(target.Url, head.Message.MessageId, head.Message.Payload, signing, ct);
                attempts++;
                await RecordAsync(db, endpointId, target, head.Message, result, ct);
                if (!result.Succeeded) break;
                if (!await RenewLeaseAsync(db, endpointId, token, claim: false, ct)) return attempts; // taken over: stop at once
            }
        }
        finally
        {
            await db.WriteAsync(() => db.WebhookEndpoints.Where(e => e.Id == endpointId && e.LeaseToken == token)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.LeaseToken, (Guid?)null).SetProperty(e => e.LeaseExpiresAt, (DateTime?)null), CancellationToken.None),
                CancellationToken.None);
        }
        return attempts;
    }

    /// <summary>Takes (<paramref name="claim"/>) or extends the endpoint's lease; false when another process holds it.</summary>
    private Task<bool> RenewLeaseAsync(AppDb db, string endpointId, Guid token, bool claim, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var until = now + settings.Lease;
        return db.WriteAsync(async () =>
        {
            var endpoint = db.WebhookEndpoints.Where(e => e.Id == endpointId && e.Enabled);
            endpoint = claim ? endpoint.Where(e => e.LeaseExpiresAt == null || e.LeaseExpiresAt < now) : endpoint.Where(e => e.LeaseToken == token);
            return await endpoint.ExecuteUpdateAsync(s => s.SetProperty(e => e.LeaseToken, token).SetProperty(e => e.LeaseExpiresAt, until), ct) > 0;
        }, ct);
    }

    /// <summary>
    /// Records the attempt and its consequences in one transaction: the message delivered, rescheduled or failed
    /// for good; the endpoint's run of failures started, ended, or — a day long — ending in its disabling, which
    /// is itself an event to the owner's other endpoints. A message deleted meanwhile (its endpoint was) records nothing.
    /// </summary>
    private Task RecordAsync(AppDb db, string endpointId, Target target, Head head, DeliveryResult result, CancellationToken ct) => db.WriteAsync(async () =>
    {
        var now = time.GetUtcNow().UtcDateTime;
        var attempts = head.Attempts + 1;
        var delay = result.Succeeded ? null : settings.NextDelay(attempts);
        var status = result.Succeeded ? WebhookMessageStatuses.Delivered : delay is null ? WebhookMessageStatuses.Failed : WebhookMessageStatuses.Pending;
        var next = delay is { } wait ? now + wait : now;
        var updated = await db.WebhookMessages.Where(m => m.Id == head.Id && m.Status == WebhookMessageStatuses.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, status).SetProperty(m => m.Attempts, attempts)
                .SetProperty(m => m.LastAttemptAt, now).SetProperty(m => m.NextAttemptAt, next), ct);
        if (updated == 0) return 0;
        db.Add(new WebhookAttempt
        {
            MessageId = head.Id, AttemptedAt = now, Url = target.Url, StatusCode = result.StatusCode, Succeeded = result.Succeeded,
            LatencyMs = result.LatencyMs, ResponseExcerpt = result.ResponseExcerpt, Error = result.Error,
        });
        if (status == WebhookMessageStatuses.Failed)
            log.LogWarning("Webhook message {MessageId} to endpoint {EndpointId} failed for good after {Attempts} attempts.", head.MessageId, endpointId, attempts);
        if (result.Succeeded)
            await db.WebhookEndpoints.Where(e => e.Id == endpointId && e.FailingSince != null)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.FailingSince, (DateTime?)null), ct);
        else
        {
            await db.WebhookEndpoints.Where(e => e.Id == endpointId && e.FailingSince == null)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.FailingSince, now), ct);
            var failingSince = await db.WebhookEndpoints.Where(e => e.Id == endpointId).Select(e => e.FailingSince).SingleAsync(ct);
            if (now - failingSince >= settings.DisableAfter) await DisableAsync(db, endpointId, target, failingSince!.Value, now, ct);
        }
        return await db.SaveChangesAsync(ct);
    }, ct);

    private async Task DisableAsync(AppDb db, string endpointId, Target target, DateTime failingSince, DateTime now, CancellationToken ct)
    {
        var reason = $"Every delivery attempt failed for {Hours(now - failingSince)} hours.";
        var disabled = await db.WebhookEndpoints.Where(e => e.Id == endpointId && e.Enabled)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.Enabled, false).SetProperty(e => e.DisabledReason, reason).SetProperty(e => e.UpdatedAt, now), ct);
        if (disabled == 0) return;
        var owner = WebhookOwner.Parse(target.Owner);
        log.LogWarning("Webhook endpoint {EndpointId} of {Owner} disabled: {Reason}", endpointId, target.Owner, reason);
        if (owner.IsShop)
            WebhookOutbox.AddFor(db, WebhookEventTypes.EndpointDisabled, now, owner,
                new BlazeEndpointDisabledData(endpointId, target.Url, reason, new DateTimeOffset(failingSince, TimeSpan.Zero).ToUnixTimeMilliseconds()));
        else
            WebhookOutbox.AddFor(db, WebhookEventTypes.EndpointDisabled, now, owner, new EndpointDisabledData(endpointId, target.Url, reason, failingSince));
    }

    private static string Hours(TimeSpan span) => Math.Floor(span.TotalHours).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
