using System.Collections.Concurrent;
using System.Data;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace RetailTrace.Data;

/// <summary>What a unit of work answers, and whether its changes are kept.</summary>
public readonly record struct Outcome(IResult Result, bool Commit)
{
    public static Outcome Committed(IResult result) => new(result, true);
    public static Outcome RolledBack(IResult result) => new(result, false);
}

/// <summary>
/// Runs a request's writes as one unit of work that is safe under concurrent requests. Every write of
/// the server is one (<c>WriteAsync</c> and <c>InsertAsync</c> are the short forms): on SQLite a write
/// beside the group-commit writer waits for the write lock in Microsoft.Data.Sqlite's 150 ms sleeps,
/// holding a thread-pool thread, for as long as the writer is busy. The work
/// gets the <see cref="AppDb"/> to write with, which is not always the request's own (SQLite):
/// callers name that parameter <c>db</c>, shadowing the request's, so it cannot be used by mistake.
/// <para>SQLite: one writer per database runs the units of work (see <see cref="SqliteGroupCommit"/>).</para>
/// <para>PostgreSQL: READ COMMITTED with row locks from conditional updates; a deadlock or
/// serialization failure rolls back and the work runs again (at most three times).</para>
/// </summary>
public static class WriteTransaction
{
    private static readonly ConditionalWeakTable<DbContextOptions<AppDb>, ConcurrentDictionary<string, SqliteGroupCommit>> SqliteWriters = new();
    private const int Attempts = 3;

    public static async Task<IResult> InWriteTransactionAsync(this AppDb db, Func<AppDb, Task<Outcome>> work, CancellationToken ct)
    {
        if (db.IsSqlite)
        {
            // One writer per database and options instance (a test host may add interceptors to its own;
            // DbContextOptions.Equals ignores interceptors, hence the reference-keyed table).
            var options = (DbContextOptions<AppDb>)db.GetService<IDbContextOptions>();
            var writer = SqliteWriters.GetValue(options, _ => new())
                .GetOrAdd(db.Database.GetConnectionString() ?? "", cs => new SqliteGroupCommit(options, cs));
            return await writer.RunAsync(work, ct);
        }
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var tx = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
                var outcome = await work(db);
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

    /// <summary>A unit of work that always commits and returns a value (a count, a claimed row).</summary>
    public static async Task<T> WriteAsync<T>(this AppDb db, Func<AppDb, Task<T>> work, CancellationToken ct)
    {
        T value = default!;
        await db.InWriteTransactionAsync(async db =>
        {
            value = await work(db); // a re-run after a PostgreSQL deadlock overwrites the rolled-back attempt's value
            return Outcome.Committed(Results.Empty);
        }, ct);
        return value;
    }

    /// <summary>Inserts one new row as a unit of work; the entity gets its generated values.</summary>
    public static Task InsertAsync<T>(this AppDb db, T entity, CancellationToken ct) where T : class =>
        db.WriteAsync(async db =>
        {
            db.Add(entity);
            return await db.SaveChangesAsync(ct);
        }, ct);

    /// <summary>
    /// PostgreSQL: one statement that is its own transaction (no BEGIN, no COMMIT round trip), re-run on a
    /// deadlock or serialization failure like a unit of work. The statement must write all or nothing.
    /// </summary>
    public static async Task<T> AsOwnTransactionAsync<T>(this AppDb db, Func<AppDb, Task<T>> statement)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await statement(db); }
            catch (Exception ex) when (attempt < Attempts && IsTransient(ex))
            {
                // the statement was rolled back whole; it runs again
            }
        }
    }

    private static bool IsTransient(Exception ex) => (ex is DbUpdateException { InnerException: { } inner } ? inner : ex) is
        Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.DeadlockDetected or Npgsql.PostgresErrorCodes.SerializationFailure };
}

/// <summary>
/// Group commit for SQLite, whose writers are serialized anyway. Units of work queue up; one writer
/// thread takes all that are waiting, runs each inside its own savepoint of a single
/// <c>BEGIN IMMEDIATE</c> transaction on its own context and connection, and commits once. A unit
/// whose outcome is not kept, or that throws, is rolled back to its savepoint alone; a failed BEGIN
/// or COMMIT fails the whole group, and no unit answers before its COMMIT is durable.
/// <para>Why (bench/RESULTS.md): a sale is a few hundred microseconds of statements, but its COMMIT
/// is an fsync, and with one write lock per database every waiting request queued behind that fsync
/// and behind a thread-pool hand-off of the lock. The writer and the checkpointer are threads of
/// their own, not pool threads: on two cores, two pool threads held by SQLite calls starved Kestrel.</para>
/// <para>Across processes <c>BEGIN IMMEDIATE</c> waits on the busy timeout, so two servers on one
/// file still take turns. The threads exit after <see cref="IdleClose"/> without work.</para>
/// </summary>
public sealed class SqliteGroupCommit(DbContextOptions<AppDb> options, string connectionString)
{
    private const int MaxGroup = 64;
    private const string Savepoint = "unit";
    private const int CacheKib = 64 * 1024;
    private const int InlineCheckpointPages = 10_000;
    private static readonly TimeSpan IdleClose = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan CheckpointEvery = TimeSpan.FromMilliseconds(5);

    private readonly BlockingCollection<Unit> _queue = new();
    private readonly Lock _state = new();
    private bool _running;
    private AppDb? _db;
    private CancellationTokenSource? _checkpoints;

    private sealed record Unit(Func<AppDb, Task<Outcome>> Work, TaskCompletionSource<IResult> Done, CancellationToken Ct);

    public Task<IResult> RunAsync(Func<AppDb, Task<Outcome>> work, CancellationToken ct)
    {
        var unit = new Unit(work, new TaskCompletionSource<IResult>(TaskCreationOptions.RunContinuationsAsynchronously), ct);
        _queue.Add(unit);
        lock (_state)
        {
            if (!_running)
            {
                _running = true;
                new Thread(WriterLoop) { IsBackground = true, Name = "sqlite-writer" }.Start();
            }
        }
        return unit.Done.Task;
    }

    private void WriterLoop()
    {
        var group = new List<Unit>(MaxGroup);
        while (true)
        {
            if (!_queue.TryTake(out var first, IdleClose))
            {
                // Closed under the lock: a writer started by the next unit must not find this one's
                // connection half disposed.
                lock (_state)
                {
                    if (_queue.Count > 0) continue;
                    Close();
                    _running = false;
                    return;
                }
            }
            group.Add(first);
            while (group.Count < MaxGroup && _queue.TryTake(out var next)) group.Add(next);
            group.RemoveAll(u => u.Ct.IsCancellationRequested && u.Done.TrySetCanceled(u.Ct));
            if (group.Count > 0) RunGroup(group); // answers every unit, whatever fails
            group.Clear();
        }
    }

    /// <summary>A context on the writer's own connection, outside the pool: its page cache stays warm
    /// between groups (a pooled handle changes hands with readers) and is larger than readers need.</summary>
    private AppDb Open()
    {
        var ownConnection = new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
        var db = new AppDb(options);
        db.Database.SetDbConnection(new SqliteConnection(ownConnection), contextOwnsConnection: true);
        // Each unit has its savepoint already; EF's own around SaveChanges would be two more statements.
        db.Database.AutoSavepointsEnabled = false;
        try
        {
            db.Database.OpenConnection();
            db.Database.ExecuteSqlRaw($"PRAGMA cache_size = -{CacheKib}; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = {InlineCheckpointPages};");
        }
        catch
        {
            db.Dispose();
            throw;
        }
        _checkpoints = new CancellationTokenSource();
        var stop = _checkpoints.Token;
        new Thread(() => CheckpointLoop(ownConnection, stop)) { IsBackground = true, Name = "sqlite-checkpoint" }.Start();
        return db;
    }

    private void Close()
    {
        // Cancelled, not disposed: the checkpoint thread may still be between two waits on its handle.
        _checkpoints?.Cancel();
        _checkpoints = null;
        _db?.Dispose();
        _db = null;
    }

    /// <summary>
    /// Copies committed WAL pages into the database file while the writer goes on (a PASSIVE
    /// checkpoint takes no write lock). Left to the writer, every thousandth page made one COMMIT
    /// copy and fsync a thousand pages, and that COMMIT was the p99 of a sale (150–300 ms). The writer
    /// still checkpoints at <see cref="InlineCheckpointPages"/>, which bounds the WAL and restarts
    /// it; by then the pages are mostly copied. Every 5 ms, not 100: each checkpoint's fsync of the
    /// database file then carries a few groups' pages, and a large one delayed the writer's next WAL
    /// fsync (sale p99 44–55 ms at 100 ms, 21–24 ms at 5 ms; with a million units about a fifth fewer
    /// sales/s, as hot pages are copied more often: bench/RESULTS.md, finding 26).
    /// A PASSIVE checkpoint with nothing to copy returns at once, and the thread ends with the writer.
    /// </summary>
    private static void CheckpointLoop(string connectionString, CancellationToken stop)
    {
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            while (!stop.WaitHandle.WaitOne(CheckpointEvery)) checkpoint.ExecuteNonQuery();
        }
        catch (Exception)
        {
            // Best effort on a thread of its own (an exception here would end the process): the
            // writer's own checkpoints are the fallback.
        }
    }

    private void RunGroup(List<Unit> group)
    {
        var answers = new (IResult? Result, Exception? Error)[group.Count];
        try
        {
            _db ??= Open();
            using var tx = ((SqliteConnection)_db.Database.GetDbConnection()).BeginTransaction(IsolationLevel.Serializable, deferred: false);
            _db.Database.UseTransaction(tx);
            try
            {
                for (var i = 0; i < group.Count; i++) answers[i] = RunUnit(tx, group[i]);
                tx.Commit();
            }
            finally
            {
                _db.Database.UseTransaction(null);
            }
        }
        catch (Exception ex)
        {
            // The next group gets a fresh connection: this one may be in any state.
            Close();
            foreach (var unit in group) unit.Done.TrySetException(ex);
            return;
        }
        for (var i = 0; i < group.Count; i++)
        {
            if (answers[i].Error is { } error) group[i].Done.TrySetException(error);
            else group[i].Done.TrySetResult(answers[i].Result!);
        }
    }

    private (IResult?, Exception?) RunUnit(SqliteTransaction tx, Unit unit)
    {
        tx.Save(Savepoint);
        try
        {
            // SQLite's async methods complete synchronously: this blocks only for real.
            var outcome = unit.Work(_db!).GetAwaiter().GetResult();
            if (!outcome.Commit) tx.Rollback(Savepoint);
            tx.Release(Savepoint);
            return (outcome.Result, null);
        }
        catch (Exception ex) when (ex is not SqliteException { SqliteErrorCode: 10 or 11 or 13 })
        {
            // The unit's own failure (a bug, a cancelled request): only its changes go. I/O errors,
            // a corrupt file or a full disk (10, 11, 13) fail the group instead.
            tx.Rollback(Savepoint);
            tx.Release(Savepoint);
            return (null, ex);
        }
        finally
        {
            _db!.ChangeTracker.Clear();
        }
    }
}
