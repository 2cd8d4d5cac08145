using Microsoft.EntityFrameworkCore;

namespace RetailTrace.Data;

// Retail transactions of a dispensary (Dispensary API v1.2 transactions/complete, void, return).

public static class TransactionTypes
{
    public const string Complete = "complete";
    public const string Void = "void";
    public const string Return = "return";
}

/// <summary>
/// One POS transaction as recorded. The unique (dispensary, order_id, type) index is the
/// idempotency guard: a retried or concurrent duplicate fails its insert and is answered
/// "already processed", so no read-then-insert check exists anywhere.
/// </summary>
public class RetailTransaction
{
    public long Id { get; set; }
    public Guid DispensaryId { get; set; }
    public required string Type { get; set; }
    public required string OrderId { get; set; }
    /// <summary>When the POS says it happened (client clock).</summary>
    public DateTime PerformedAt { get; set; }
    public string? CustomerId { get; set; }
    public string? BudtenderId { get; set; }
    /// <summary>When we recorded it (server clock).</summary>
    public DateTime RecordedAt { get; set; }
    /// <summary>
    /// The units a complete sold (null for void and return rows): a void finds its units through the
    /// sale's primary key, so no index on lucid_items.sale_transaction_id is needed (migration 0010).
    /// </summary>
    public Guid[]? ItemIds { get; set; }
    /// <summary>
    /// A complete's place in its units' history, which holds no sold events (migration 0013): each
    /// event of its units with an id up to this one happened before the sale, each later one after it.
    /// </summary>
    public long? HistoryPosition { get; set; }
}

public static class DispensaryModel
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<RetailTransaction>(e =>
        {
            e.Property(x => x.Type).HasMaxLength(16);
            e.Property(x => x.OrderId).HasMaxLength(255);
            e.Property(x => x.CustomerId).HasMaxLength(255);
            e.Property(x => x.BudtenderId).HasMaxLength(255);
            // No foreign key to the dispensary: its check locked the dispensary's row in every sale (migration 0014).
            e.HasIndex(x => new { x.DispensaryId, x.OrderId, x.Type }).IsUnique();
        });
    }
}
