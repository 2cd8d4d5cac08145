using System.Collections.Concurrent;
using System.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace RetailTrace.Data;

/// <summary>
/// Every write of the server is one <see cref="WriteAsync"/>: one transaction in which the work reads
/// what it needs, decides, and writes. It commits when the work returns and rolls back when it throws,
/// so a request that is refused returns its refusal before it writes anything. The rare write that can
/// only find out while writing that it must refuse (a transfer short of stock after reserving part of it)
/// throws <see cref="Refusal"/>: what it wrote is rolled back, and its answer is returned.
/// Concurrent writes of the same rows behave as if one ran after the other:
/// <list type="bullet">
/// <item>PostgreSQL runs the transaction REPEATABLE READ: writing a row that another transaction changed
/// since this one's snapshot fails with a serialization error, and the work runs again from the start
/// (a deadlock likewise; see <see cref="Database"/>). A decision taken on a read is therefore never
/// applied to a row that changed meanwhile. A decision taken on rows that may not exist yet (a count
/// against a limit) asks for <c>serializable</c>: SERIALIZABLE also fails a transaction whose reads a
/// concurrent insert would have changed, which REPEATABLE READ does not see.</item>
/// <item>SQLite has one writer per database: the writes of this process wait for their turn on an async
/// lock (SQLite's own busy wait polls in 150 ms sleeps), and each takes the database's write lock
/// (BEGIN IMMEDIATE) before its first read, which also orders it against other processes.</item>
/// </list>
/// </summary>
public static class Writes
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> SqliteWriters = new(StringComparer.Ordinal);

    public static async Task<T> WriteAsync<T>(this AppDb db, Func<Task<T>> work, CancellationToken ct, bool serializable = false)
    {
        var writer = db.IsSqlite ? SqliteWriter(db) : null;
        if (writer is not null) await writer.WaitAsync(ct);
        try
        {
            return await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
            {
                db.ChangeTracker.Clear();
                var isolation = db.IsSqlite || serializable ? IsolationLevel.Serializable : IsolationLevel.RepeatableRead;
                await using var transaction = await db.Database.BeginTransactionAsync(isolation, ct);
                var result = await work();
                await transaction.CommitAsync(ct);
                return result;
            }, ct);
        }
        catch (Refusal refusal) when (refusal.Answer is T answer)
        {
            return answer;
        }
        finally
        {
            db.ChangeTracker.Clear();
            writer?.Release();
        }
    }

    /// <summary>Ends a write without keeping what it wrote, answering <paramref name="answer"/>.</summary>
    public sealed class Refusal(object answer) : Exception("The write was refused and rolled back.")
    {
        public object Answer { get; } = answer;
    }

    /// <summary>Inserts one new row; the entity gets its generated values.</summary>
    public static Task<T> InsertAsync<T>(this AppDb db, T entity, CancellationToken ct) where T : class =>
        db.WriteAsync(async () =>
        {
            db.Add(entity);
            await db.SaveChangesAsync(ct);
            return entity;
        }, ct);

    private static SemaphoreSlim SqliteWriter(AppDb db)
    {
        var file = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
        return SqliteWriters.GetOrAdd(Path.GetFullPath(file), _ => new SemaphoreSlim(1, 1));
    }
}
