using RetailTrace.Data;
using static RetailTrace.Admin.Admin;

namespace RetailTrace.OperatorConsole;

/// <summary>The audit log: every console action writes its entry in the transaction of the action, so an entry exists exactly when the action happened.</summary>
public static class ConsoleAudit
{
    public static void Add(AppDb db, ConsoleOperator who, DateTime at, string action, string? target, string? detail) =>
        db.ConsoleAuditLog.Add(new ConsoleAuditEntry
        {
            At = at, SessionId = who.SessionId, Operator = who.Name, RemoteAddress = who.RemoteAddress, Action = action,
            Target = target, Detail = detail is { Length: > 1000 } ? detail[..1000] : detail,
        });

    /// <summary>
    /// Runs a provisioning write (the admin API's own rules) and, when it is done, records <paramref name="action"/>
    /// on the target <paramref name="describe"/> names, in one transaction.
    /// </summary>
    public static Task<Provisioned<T>> AuditedAsync<T>(this AppDb db, ConsoleOperator who, TimeProvider time, string action,
        Func<Task<Provisioned<T>>> work, Func<T, (string Target, string? Detail)> describe, CancellationToken ct) where T : class =>
        db.WriteAsync(async () =>
        {
            var result = await work();
            if (result.Value is { } value)
            {
                var (target, detail) = describe(value);
                Add(db, who, time.GetUtcNow().UtcDateTime, action, target, detail);
                await db.SaveChangesAsync(ct);
            }
            return result;
        }, ct);
}
