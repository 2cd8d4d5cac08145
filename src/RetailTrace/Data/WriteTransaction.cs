using System.Collections.Concurrent;
using System.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace RetailTrace.Data;

/// <summary>What a unit of work answers, and whether its changes are kept.</summary>
public readonly record struct Outcome(IResult Result, bool Commit)
{
    public static Outcome Committed(IResult result) => new(result, true);
    public static Outcome RolledBack(IResult result) => new(result, false);
}

/// <summary>
/// Runs a request's writes as one database transaction that is safe under concurrent requests.
/// <para>SQLite: writers are serialized. An in-process async gate per database keeps waiting
/// requests off the thread pool, and <c>BEGIN IMMEDIATE</c> takes the write lock before the first
/// read, so a transaction never has to upgrade a read lock (the upgrade is what fails with
/// SQLITE_BUSY at once instead of waiting); across processes the busy timeout makes it wait.</para>
/// <para>PostgreSQL: READ COMMITTED with row locks from conditional updates; a deadlock or
/// serialization failure rolls back and the work runs again (at most three times).</para>
/// </summary>
public static class WriteTransaction
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> SqliteGates = new();
    private const int Attempts = 3;

    public static async Task<IResult> InWriteTransactionAsync(this AppDb db, Func<Task<Outcome>> work, CancellationToken ct)
    {
        if (db.IsSqlite)
        {
            var gate = SqliteGates.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1));
            await gate.WaitAsync(ct);
            try { return await RunSqliteAsync(db, work, ct); }
            finally { gate.Release(); }
        }
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var tx = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
                var outcome = await work();
                if (outcome.Commit) await tx.CommitAsync(ct);
                return outcome.Result;
            }
            catch (Exception ex) when (attempt < Attempts && IsTransient(ex))
            {
                // the work runs again from scratch
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private static async Task<IResult> RunSqliteAsync(AppDb db, Func<Task<Outcome>> work, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var tx = ((SqliteConnection)db.Database.GetDbConnection()).BeginTransaction(IsolationLevel.Serializable, deferred: false);
            await db.Database.UseTransactionAsync(tx, ct);
            var outcome = await work();
            if (outcome.Commit) await tx.CommitAsync(ct);
            else await tx.RollbackAsync(ct);
            return outcome.Result;
        }
        finally
        {
            await db.Database.UseTransactionAsync(null, CancellationToken.None);
            db.ChangeTracker.Clear();
            await db.Database.CloseConnectionAsync();
        }
    }

    private static bool IsTransient(Exception ex) => (ex is DbUpdateException { InnerException: { } inner } ? inner : ex) is
        Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.DeadlockDetected or Npgsql.PostgresErrorCodes.SerializationFailure };
}
