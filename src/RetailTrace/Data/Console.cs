using Microsoft.EntityFrameworkCore;

namespace RetailTrace.Data;

// The operator console (Console/): its sign-in sessions and the audit log of what was done through it.

/// <summary>
/// One sign-in to the console. The session cookie names this row; a cookie whose row has ended (signed out)
/// or expired is refused, so signing out ends the session on the server, not only in the browser.
/// </summary>
public class ConsoleSession
{
    public Guid Id { get; set; }
    /// <summary>The name the operator gave at sign-in; the admin token is the only credential, so it is declared, not proven.</summary>
    public required string Operator { get; set; }
    public string? RemoteAddress { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>The absolute end of the session, however active it is.</summary>
    public DateTime ExpiresAt { get; set; }
    public DateTime? EndedAt { get; set; }
}

/// <summary>One console action (who, what, when), never updated once written; written in the transaction of the action it records.</summary>
public class ConsoleAuditEntry
{
    public long Id { get; set; }
    public DateTime At { get; set; }
    /// <summary>The session that acted; null for a refused sign-in.</summary>
    public Guid? SessionId { get; set; }
    public required string Operator { get; set; }
    public string? RemoteAddress { get; set; }
    /// <summary>What was done, as <c>resource.verb</c> (<c>oauth_client.revoke</c>).</summary>
    public required string Action { get; set; }
    /// <summary>The id of what it was done to, as the APIs show it.</summary>
    public string? Target { get; set; }
    public string? Detail { get; set; }
}

public static class ConsoleModel
{
    public const int OperatorMaxLength = 100;

    public static void Configure(ModelBuilder b)
    {
        b.Entity<ConsoleSession>(e =>
        {
            e.Property(x => x.Operator).HasMaxLength(OperatorMaxLength);
            e.Property(x => x.RemoteAddress).HasMaxLength(64);
        });
        b.Entity<ConsoleAuditEntry>(e =>
        {
            e.ToTable("console_audit_log");
            e.Property(x => x.Operator).HasMaxLength(OperatorMaxLength);
            e.Property(x => x.RemoteAddress).HasMaxLength(64);
            e.Property(x => x.Action).HasMaxLength(64);
            e.Property(x => x.Target).HasMaxLength(255);
            e.Property(x => x.Detail).HasMaxLength(1000);
        });
    }
}
