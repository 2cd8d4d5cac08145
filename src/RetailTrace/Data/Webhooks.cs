using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace RetailTrace.Data;

// Webhooks: endpoints that tenants register, the outbox that events are written to in the transaction of
// the change that causes them, and the messages (one per endpoint and event) with their delivery attempts.

/// <summary>
/// A URL that receives the events its owner subscribed to, signed with the endpoint's secret (Standard
/// Webhooks). Exactly one tenant owns it, named by <see cref="Owner"/>. Deliveries to one endpoint are made
/// one at a time, oldest message first, by whichever server process holds its lease.
/// </summary>
public class WebhookEndpoint
{
    public const int MaxPerOwner = 20;

    /// <summary>In the owner family's id form: a ShortUUID for dispensaries and brands, an ObjectId for shops.</summary>
    public required string Id { get; set; }
    /// <summary><c>dispensary:&lt;ShortUUID&gt;</c>, <c>brand:&lt;ShortUUID&gt;</c> or <c>shop:&lt;ObjectId&gt;</c>; see <see cref="WebhookOwner"/>.</summary>
    public required string Owner { get; set; }
    public required string Url { get; set; }
    public string Description { get; set; } = "";
    public List<string> Events { get; set; } = [];
    /// <summary>Only enabled endpoints get new messages and deliveries.</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>Why the dispatcher disabled the endpoint (a day of failed deliveries); null when enabled or disabled by its owner.</summary>
    public string? DisabledReason { get; set; }
    /// <summary>The signing secret (<c>whsec_…</c>), encrypted with ASP.NET Core Data Protection.</summary>
    public required string SecretCiphertext { get; set; }
    /// <summary>The secret before the last rotation, still signing beside the new one until <see cref="PreviousSecretExpiresAt"/>.</summary>
    public string? PreviousSecretCiphertext { get; set; }
    public DateTime? PreviousSecretExpiresAt { get; set; }
    /// <summary>Start of the current run of failed attempts; cleared by a successful delivery.</summary>
    public DateTime? FailingSince { get; set; }
    /// <summary>Changes on every claim; the process holding it delivers to this endpoint until <see cref="LeaseExpiresAt"/>.</summary>
    public Guid? LeaseToken { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// An event waiting to be turned into messages: written in the same transaction as the change that causes
/// it, so a change is never committed without its event nor an event without its change. The dispatcher
/// turns it into one message per subscribed endpoint and deletes it, in one transaction.
/// </summary>
public class WebhookOutboxEvent
{
    public long Id { get; set; }
    public required string Type { get; set; }
    public DateTime OccurredAt { get; set; }
    /// <summary><c>lucidid.*</c> and <c>case.*</c>: the item event whose units and facts the event reports.</summary>
    public long? ItemEventId { get; set; }
    public ItemEvent? ItemEvent { get; set; }
    /// <summary><c>case.*</c>: the case.</summary>
    public Guid? CaseId { get; set; }
    /// <summary>Facts fixed when the event happened, as JSON: the payload's data (exports, transfers, endpoints) or part of it (cases).</summary>
    public string? Data { get; set; }
    /// <summary>Recipients named when the event happened (<see cref="WebhookOwner"/> keys); item events derive theirs from their units.</summary>
    public List<string> Owners { get; set; } = [];
}

public static class WebhookMessageStatuses
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    /// <summary>Every scheduled attempt failed; an operator can replay it.</summary>
    public const string Failed = "failed";

    public static readonly string[] All = [Pending, Delivered, Failed];
}

/// <summary>
/// One event as delivered to one endpoint: the exact body sent on every attempt, under one
/// <see cref="MessageId"/> (the <c>webhook-id</c> a receiver deduplicates on). Its <see cref="Id"/> orders the
/// endpoint's messages.
/// </summary>
public class WebhookMessage
{
    public long Id { get; set; }
    /// <summary><c>msg_</c> + 32 hex digits.</summary>
    public required string MessageId { get; set; }
    public required string EndpointId { get; set; }
    public required string Type { get; set; }
    /// <summary>The JSON body <c>{"type","timestamp","data"}</c>, byte for byte what every attempt sends.</summary>
    public required string Payload { get; set; }
    public DateTime CreatedAt { get; set; }
    public string Status { get; set; } = WebhookMessageStatuses.Pending;
    /// <summary>Attempts since it was written or last replayed: the place in the retry schedule.</summary>
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public DateTime? LastAttemptAt { get; set; }
}

/// <summary>One HTTP delivery attempt of a message, as it happened. Never updated.</summary>
public class WebhookAttempt
{
    public const int MaxExcerpt = 1000;

    public long Id { get; set; }
    public long MessageId { get; set; }
    public DateTime AttemptedAt { get; set; }
    public required string Url { get; set; }
    /// <summary>The receiver's HTTP status; null when no response came (refused target, network error, timeout).</summary>
    public int? StatusCode { get; set; }
    public bool Succeeded { get; set; }
    public int LatencyMs { get; set; }
    /// <summary>The start of the response body (at most <see cref="MaxExcerpt"/> characters).</summary>
    public string? ResponseExcerpt { get; set; }
    /// <summary>Why no response counted: the refused address, the network error or the timeout.</summary>
    public string? Error { get; set; }
}

public static class WebhooksModel
{
    public static void Configure(ModelBuilder b)
    {
        var textList = new ValueComparer<List<string>>((x, y) => x!.SequenceEqual(y!), v => v.Aggregate(0, (h, s) => HashCode.Combine(h, s)), v => v.ToList());
        b.Entity<WebhookEndpoint>(e =>
        {
            e.Property(x => x.Id).HasMaxLength(24);
            e.Property(x => x.Owner).HasMaxLength(40);
            e.Property(x => x.Url).HasMaxLength(2000);
            e.Property(x => x.Description).HasMaxLength(255);
            e.Property(x => x.Events).HasConversion(v => JsonSerializer.Serialize(v, (JsonSerializerOptions?)null),
                v => JsonSerializer.Deserialize<List<string>>(v, (JsonSerializerOptions?)null) ?? new List<string>(), textList);
            e.Property(x => x.DisabledReason).HasMaxLength(255);
            e.HasIndex(x => x.Owner);
        });
        b.Entity<WebhookOutboxEvent>(e =>
        {
            e.ToTable("webhook_outbox");
            e.Property(x => x.Type).HasMaxLength(64);
            e.Property(x => x.Owners).HasConversion(v => JsonSerializer.Serialize(v, (JsonSerializerOptions?)null),
                v => JsonSerializer.Deserialize<List<string>>(v, (JsonSerializerOptions?)null) ?? new List<string>(), textList);
            // Item events are never deleted, so the reference never blocks anything.
            e.HasOne(x => x.ItemEvent).WithMany().HasForeignKey(x => x.ItemEventId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<WebhookMessage>(e =>
        {
            e.Property(x => x.MessageId).HasMaxLength(36);
            e.Property(x => x.EndpointId).HasMaxLength(24);
            e.Property(x => x.Type).HasMaxLength(64);
            e.Property(x => x.Status).HasMaxLength(16);
            e.HasIndex(x => x.MessageId).IsUnique();
            // An endpoint's queue in order: its head (oldest pending message) and its history pages.
            e.HasIndex(x => new { x.EndpointId, x.Status, x.Id });
            // Housekeeping's read of the messages past their retention.
            e.HasIndex(x => new { x.Status, x.LastAttemptAt });
            e.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(x => x.EndpointId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<WebhookAttempt>(e =>
        {
            e.Property(x => x.Url).HasMaxLength(2000);
            e.Property(x => x.ResponseExcerpt).HasMaxLength(WebhookAttempt.MaxExcerpt);
            e.Property(x => x.Error).HasMaxLength(500);
            e.HasIndex(x => x.MessageId);
            e.HasOne<WebhookMessage>().WithMany().HasForeignKey(x => x.MessageId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>();
    }
}
