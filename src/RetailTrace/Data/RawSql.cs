using System.Data.Common;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace RetailTrace.Data;

/// <summary>
/// The hand-written statements of the write hot paths (sales, voids, returns, imports) as plain
/// ADO.NET commands on the context's connection and write transaction (on PostgreSQL also a single
/// statement that is its own transaction: a sale).
/// <para>Why not EF's <c>SqlQueryRaw</c>: it wraps the text in a LINQ query that is compiled on every
/// call, and hands SQLite a new command, which Microsoft.Data.Sqlite prepares again each time. On the
/// SQLite writer that was about a third of a sale's time (bench/RESULTS.md). Here a connection keeps
/// one command per statement text: SQLite prepares it once per connection, and Npgsql's auto-prepare
/// (see <see cref="Database"/>) recognises it by its text.</para>
/// <para>Statements still pass through EF's command diagnostics, so EF's SQL logging and command
/// interceptors see them like any other (interceptors observe; a result one substitutes is not used).</para>
/// <para>Parameters are <c>@p0</c>, <c>@p1</c>, … in argument order. Values are bound as EF stores them:
/// on SQLite a <see cref="Guid"/> is upper-case text; <c>null</c> is SQL NULL; a list of ids is one
/// parameter (see <see cref="Value"/>).</para>
/// </summary>
public static class RawSql
{
    private static readonly ConditionalWeakTable<DbConnection, Dictionary<string, DbCommand>> Commands = new();

    public static async Task<List<T>> QueryAsync<T>(this AppDb db, string sql, Func<DbDataReader, T> read, CancellationToken ct, params object?[] args)
    {
        var (command, diagnostics) = await PrepareAsync(db, sql, args, ct);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var commandId = Guid.NewGuid();
        await diagnostics.Logger.CommandReaderExecutingAsync(diagnostics.Connection, command, sql, db, commandId, diagnostics.Connection.ConnectionId, started, CommandSource.FromSqlQuery, ct);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct)) rows.Add(read(reader));
        await diagnostics.Logger.CommandReaderExecutedAsync(diagnostics.Connection, command, sql, db, commandId, diagnostics.Connection.ConnectionId, reader, started, clock.Elapsed, CommandSource.FromSqlQuery, ct);
        return rows;
    }

    public static async Task<int> ExecuteAsync(this AppDb db, string sql, CancellationToken ct, params object?[] args)
    {
        var (command, diagnostics) = await PrepareAsync(db, sql, args, ct);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var commandId = Guid.NewGuid();
        await diagnostics.Logger.CommandNonQueryExecutingAsync(diagnostics.Connection, command, sql, db, commandId, diagnostics.Connection.ConnectionId, started, CommandSource.ExecuteSqlRaw, ct);
        var rows = await command.ExecuteNonQueryAsync(ct);
        await diagnostics.Logger.CommandNonQueryExecutedAsync(diagnostics.Connection, command, sql, db, commandId, diagnostics.Connection.ConnectionId, rows, started, clock.Elapsed, CommandSource.ExecuteSqlRaw, ct);
        return rows;
    }

    private readonly record struct Diagnostics(IRelationalConnection Connection, IRelationalCommandDiagnosticsLogger Logger);

    private static async Task<(DbCommand, Diagnostics)> PrepareAsync(AppDb db, string sql, object?[] args, CancellationToken ct)
    {
        // These are the statements a write is made of: inside InWriteTransactionAsync, or on PostgreSQL
        // also a single statement that is its own transaction (a sale, see TransactionsApi). On SQLite a
        // write outside the writer's transaction would contend with the writer for the database lock.
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        if (transaction is null && db.IsSqlite) throw new InvalidOperationException("On SQLite raw write statements run inside InWriteTransactionAsync.");
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        var commands = Commands.GetOrCreateValue(connection);
        if (!commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < args.Length; i++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = "@p" + i;
                command.Parameters.Add(parameter);
            }
            commands[sql] = command;
        }
        command.Transaction = transaction;
        for (var i = 0; i < args.Length; i++) command.Parameters[i].Value = Value(db, args[i]);
        return (command, new Diagnostics(db.GetService<IRelationalConnection>(), db.GetService<IRelationalCommandDiagnosticsLogger>()));
    }

    /// <summary>An id list is one parameter: a JSON array of upper-case ids for <c>json_each</c> on
    /// SQLite, a <c>uuid[]</c> on PostgreSQL.</summary>
    private static object Value(AppDb db, object? value) => value switch
    {
        null => DBNull.Value,
        Guid id when db.IsSqlite => SqliteId(id),
        IEnumerable<Guid> ids when db.IsSqlite => System.Text.Json.JsonSerializer.Serialize(ids.Select(SqliteId)),
        IEnumerable<Guid> ids and not Guid[] => ids.ToArray(),
        _ => value,
    };

    private static string SqliteId(Guid id) => id.ToString().ToUpperInvariant();
}
