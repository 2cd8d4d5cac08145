using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace RetailTrace.Data;

/// <summary>
/// Applies the committed SQL migrations of the active provider (embedded <c>Data/Migrations/&lt;Provider&gt;/NNNN_name.sql</c>)
/// in name order, each in its own transaction, recording them in <c>schema_migrations</c>.
/// Safe when several server processes start at once: PostgreSQL takes an advisory lock,
/// SQLite a write lock (BEGIN IMMEDIATE) before reading what is applied.
/// SQLite changes a foreign key only by rebuilding its table (create, copy, drop, rename), which with foreign keys
/// enforced would cascade or be refused when the old table is dropped. So SQLite migrations run as SQLite's
/// procedure for schema changes says: enforcement off around the transaction, and every key checked before commit.
/// </summary>
public static class Migrator
{
    private const long AdvisoryLockKey = 0x5245_5441_494C; // "RETAIL"

    public static IReadOnlyList<(string Version, string Sql)> Scripts(DatabaseProvider provider)
    {
        var assembly = typeof(Migrator).Assembly;
        var prefix = $"RetailTrace.Data.Migrations.{provider}.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (n[prefix.Length..^4], reader.ReadToEnd());
            })
            .ToList();
    }

    /// <param name="before">Stop before this version (upgrade tests build an older schema with it).</param>
    public static async Task MigrateAsync(AppDb db, CancellationToken ct = default, string? before = null)
    {
        var provider = db.IsSqlite ? DatabaseProvider.Sqlite : DatabaseProvider.Postgres;
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            if (provider == DatabaseProvider.Sqlite) await ExecAsync(connection, null, "PRAGMA journal_mode=WAL;", ct);
            // A no-op inside a transaction: set before each one begins.
            if (provider == DatabaseProvider.Sqlite) await ExecAsync(connection, null, "PRAGMA foreign_keys=OFF;", ct);
            foreach (var (version, sql) in Scripts(provider))
            {
                if (before is not null && string.CompareOrdinal(version, before) >= 0) break;
                await using var tx = provider == DatabaseProvider.Sqlite
                    ? BeginImmediate(connection)
                    : await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
                if (provider == DatabaseProvider.Postgres)
                    await ExecAsync(connection, tx, $"SELECT pg_advisory_xact_lock({AdvisoryLockKey});", ct);
                await ExecAsync(connection, tx, "CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(200) PRIMARY KEY, applied_at varchar(40) NOT NULL);", ct);
                if (await IsAppliedAsync(connection, tx, version, ct)) { await tx.RollbackAsync(ct); continue; }
                await ExecAsync(connection, tx, sql, ct);
                if (provider == DatabaseProvider.Sqlite) await CheckForeignKeysAsync(connection, tx, version, ct);
                await using (var insert = connection.CreateCommand())
                {
                    insert.Transaction = tx;
                    insert.CommandText = "INSERT INTO schema_migrations (version, applied_at) VALUES (@v, @a)";
                    AddParameter(insert, "@v", version);
                    AddParameter(insert, "@a", DateTime.UtcNow.ToString("O"));
                    await insert.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
            }
        }
        finally
        {
            if (provider == DatabaseProvider.Sqlite) await ExecAsync(connection, null, "PRAGMA foreign_keys=ON;", CancellationToken.None);
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Refuses to commit a SQLite migration that left a row referencing one that does not exist.</summary>
    private static async Task CheckForeignKeysAsync(DbConnection connection, DbTransaction tx, string version, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "PRAGMA foreign_key_check;";
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (await reader.ReadAsync(ct))
            throw new InvalidOperationException($"Migration {version} left a row of {reader.GetString(0)} referencing a missing row of {reader.GetString(2)}.");
    }

    /// <summary>BEGIN IMMEDIATE: takes SQLite's write lock before reading which versions are applied.</summary>
    private static DbTransaction BeginImmediate(DbConnection connection) =>
        ((Microsoft.Data.Sqlite.SqliteConnection)connection).BeginTransaction(IsolationLevel.Serializable, deferred: false);

    private static async Task<bool> IsAppliedAsync(DbConnection connection, DbTransaction tx, string version, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT COUNT(*) FROM schema_migrations WHERE version = @v";
        AddParameter(cmd, "@v", version);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct)) > 0;
    }

    private static async Task ExecAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static void AddParameter(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }
}
