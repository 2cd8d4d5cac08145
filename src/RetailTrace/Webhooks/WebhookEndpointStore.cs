using Microsoft.EntityFrameworkCore;
using RetailTrace.Data;

namespace RetailTrace.Webhooks;

/// <summary>What a create or an update asks for; null leaves a value as it is (required fields are checked by each family's reader).</summary>
public sealed record EndpointInput(string? Url, List<string>? Events, string? Description, bool? Enabled);

/// <summary>
/// The endpoint operations every family's API performs, each one write. <c>owners</c> limits them to the
/// caller's endpoints (null: the operator, who sees all), so another tenant's id reads as unknown.
/// </summary>
public static class WebhookEndpointStore
{
    public const string EmptyEvents = "This list may not be empty.";
    public static readonly string TooMany = $"An owner can have at most {WebhookEndpoint.MaxPerOwner} webhook endpoints.";

    /// <summary>Field errors of <paramref name="input"/> for an endpoint of <paramref name="ownerKind"/>.</summary>
    public static List<(string Field, string Message)> Check(EndpointInput input, string ownerKind, WebhookSettings settings)
    {
        var errors = new List<(string, string)>();
        if (input.Url is { } url && WebhookTargets.Problem(url, settings.AllowPrivateTargets) is { } problem) errors.Add(("url", problem));
        if (input.Events is { } events)
        {
            if (events.Count == 0) errors.Add(("events", EmptyEvents));
            else if (events.FirstOrDefault(e => !WebhookEventTypes.For(ownerKind).Contains(e)) is { } unknown) errors.Add(("events", $"\"{unknown}\" is not a valid choice."));
        }
        return errors;
    }

    public static IQueryable<WebhookEndpoint> Owned(AppDb db, IReadOnlyCollection<string>? owners) =>
        owners is null ? db.WebhookEndpoints : db.WebhookEndpoints.Where(e => owners.Contains(e.Owner));

    public static Task<List<WebhookEndpoint>> ListAsync(AppDb db, IReadOnlyCollection<string>? owners, CancellationToken ct) =>
        Owned(db, owners).AsNoTracking().OrderBy(e => e.CreatedAt).ThenBy(e => e.Id).ToListAsync(ct);

    public static Task<WebhookEndpoint?> FindAsync(AppDb db, string id, IReadOnlyCollection<string>? owners, CancellationToken ct) =>
        Owned(db, owners).AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, ct);

    /// <summary>A new endpoint and its secret (shown once); null when the owner already has the most it may have.</summary>
    public static async Task<(WebhookEndpoint Endpoint, string Secret)?> CreateAsync(
        AppDb db, WebhookSecrets secrets, WebhookOwner owner, EndpointInput input, TimeProvider time, CancellationToken ct)
    {
        var now = Now(time);
        var secret = WebhookSecrets.New();
        var endpoint = new WebhookEndpoint
        {
            Id = owner.NewEndpointId(time), Owner = owner.Key, Url = input.Url!, Description = input.Description ?? "",
            Events = input.Events!.Distinct().ToList(), Enabled = input.Enabled ?? true, SecretCiphertext = secrets.Protect(secret),
            CreatedAt = now, UpdatedAt = now,
        };
        // Serializable: the limit is a count, which concurrent creates for the same owner would each pass.
        var created = await db.WriteAsync(async () =>
        {
            if (await db.WebhookEndpoints.CountAsync(e => e.Owner == endpoint.Owner, ct) >= WebhookEndpoint.MaxPerOwner) return false;
            db.Add(endpoint);
            await db.SaveChangesAsync(ct);
            return true;
        }, ct, serializable: true);
        return created ? (endpoint, secret) : null;
    }

    /// <summary>
    /// Applies <paramref name="input"/>. Enabling a disabled endpoint clears its failures and makes its waiting
    /// messages due now, each with a fresh retry schedule; messages are kept while it is disabled.
    /// </summary>
    public static Task<WebhookEndpoint?> UpdateAsync(AppDb db, string id, IReadOnlyCollection<string>? owners, EndpointInput input, TimeProvider time, CancellationToken ct) =>
        db.WriteAsync(() => ApplyAsync(db, id, owners, input, time, ct), ct);

    /// <summary><see cref="UpdateAsync"/> inside the caller's write (the console records its audit entry in the same transaction).</summary>
    public static async Task<WebhookEndpoint?> ApplyAsync(AppDb db, string id, IReadOnlyCollection<string>? owners, EndpointInput input, TimeProvider time, CancellationToken ct)
    {
        var endpoint = await Owned(db, owners).FirstOrDefaultAsync(e => e.Id == id, ct);
        if (endpoint is null) return null;
        var now = Now(time);
        if (input.Url is { } url) endpoint.Url = url;
        if (input.Events is { } events) endpoint.Events = events.Distinct().ToList();
        if (input.Description is { } description) endpoint.Description = description;
        if (input.Enabled is { } enabled && enabled != endpoint.Enabled)
        {
            (endpoint.Enabled, endpoint.DisabledReason, endpoint.FailingSince) = (enabled, null, null);
            if (enabled)
                await db.WebhookMessages.Where(m => m.EndpointId == id && m.Status == WebhookMessageStatuses.Pending)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, now).SetProperty(m => m.Attempts, 0), ct);
        }
        endpoint.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return endpoint;
    }

    /// <summary>
    /// Makes a message due again at once (delivered once its endpoint is enabled), under the same webhook-id and
    /// with a fresh retry schedule, inside the caller's write; false when the endpoint has no such message.
    /// </summary>
    public static async Task<bool> ReplayAsync(AppDb db, string endpointId, string messageId, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return await db.WebhookMessages.Where(m => m.EndpointId == endpointId && m.MessageId == messageId)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, WebhookMessageStatuses.Pending).SetProperty(m => m.Attempts, 0)
                .SetProperty(m => m.NextAttemptAt, now), ct) > 0;
    }

    /// <summary>Deletes the endpoint with its messages and their attempts.</summary>
    public static Task<bool> DeleteAsync(AppDb db, string id, IReadOnlyCollection<string>? owners, CancellationToken ct) =>
        db.WriteAsync(async () => await Owned(db, owners).Where(e => e.Id == id).ExecuteDeleteAsync(ct) > 0, ct);

    /// <summary>A new secret (shown once); the old one keeps signing beside it for <see cref="WebhookSettings.SecretOverlap"/>.</summary>
    public static Task<(WebhookEndpoint Endpoint, string Secret)?> RotateAsync(
        AppDb db, WebhookSecrets secrets, WebhookSettings settings, string id, IReadOnlyCollection<string>? owners, TimeProvider time, CancellationToken ct) =>
        db.WriteAsync<(WebhookEndpoint, string)?>(async () =>
        {
            var endpoint = await Owned(db, owners).FirstOrDefaultAsync(e => e.Id == id, ct);
            if (endpoint is null) return null;
            var now = Now(time);
            var secret = WebhookSecrets.New();
            (endpoint.PreviousSecretCiphertext, endpoint.PreviousSecretExpiresAt) = (endpoint.SecretCiphertext, now + settings.SecretOverlap);
            endpoint.SecretCiphertext = secrets.Protect(secret);
            endpoint.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            return (endpoint, secret);
        }, ct);

    /// <summary>Now, to the microsecond both databases keep, so a created endpoint reads back as it was answered.</summary>
    public static DateTime Now(TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % 10));
    }
}
