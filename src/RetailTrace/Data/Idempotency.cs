using Microsoft.EntityFrameworkCore;

namespace RetailTrace.Data;

/// <summary>
/// The first response to a write sent with an <c>Idempotency-Key</c>, replayed to retries with the
/// same key. <see cref="StatusCode"/> 0 marks a request still being processed.
/// </summary>
public class IdempotencyRecord
{
    public long Id { get; set; }
    public required string Scope { get; set; }
    public required string Key { get; set; }
    public required string RequestHash { get; set; }
    public int StatusCode { get; set; }
    public string? ContentType { get; set; }
    public byte[]? ResponseBody { get; set; }
    public DateTime CreatedAt { get; set; }
}

public static class IdempotencyModel
{
    public static void Configure(ModelBuilder b) => b.Entity<IdempotencyRecord>(e =>
    {
        e.Property(x => x.Scope).HasMaxLength(100);
        e.Property(x => x.Key).HasMaxLength(255);
        e.Property(x => x.RequestHash).HasMaxLength(64);
        e.Property(x => x.ContentType).HasMaxLength(100);
        e.HasIndex(x => new { x.Scope, x.Key }).IsUnique();
        e.HasIndex(x => x.CreatedAt);
    });
}
