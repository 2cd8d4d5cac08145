using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using RetailTrace.Common;

namespace RetailTrace.Data;

public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>Chooses and configures the EF Core provider from <c>Database:Provider</c> and <c>ConnectionStrings:RetailTrace</c>.</summary>
public static class Database
{
    public const string DefaultSqlite = "Data Source=retailtrace.db";

    /// <summary><c>Database:Provider</c>, Sqlite when unset; any other word stops the start (a typo must not quietly serve from SQLite).</summary>
    public static DatabaseProvider Provider(IConfiguration config)
    {
        var name = config["Database:Provider"];
        if (string.IsNullOrEmpty(name)) return DatabaseProvider.Sqlite;
        foreach (var provider in Enum.GetValues<DatabaseProvider>())
            if (provider.ToString().Equals(name, StringComparison.OrdinalIgnoreCase)) return provider;
        throw new SettingsException($"Database:Provider must be Sqlite or Postgres, not '{name}'.");
    }

    public static string ConnectionString(IConfiguration config) =>
        config.GetConnectionString("RetailTrace") is { Length: > 0 } cs ? cs
        : Provider(config) == DatabaseProvider.Sqlite ? DefaultSqlite
        : throw new SettingsException("Database:Provider is Postgres but ConnectionStrings:RetailTrace is not set.");

    public static void Configure(DbContextOptionsBuilder options, DatabaseProvider provider, string connectionString) =>
        Configure(options, provider, connectionString, retryConflicts: true);

    private static void Configure(DbContextOptionsBuilder options, DatabaseProvider provider, string connectionString, bool retryConflicts)
    {
        if (provider == DatabaseProvider.Postgres)
            options.UseNpgsql(WithPoolSettings(connectionString), o => { if (retryConflicts) o.ExecutionStrategy(d => new RetryOnConflict(d)); });
        else options.UseSqlite(connectionString);
        // A failed statement's exception goes to the code that handles it, which logs it once if it is a failure:
        // an expected unique violation is an answer (a replay, a lost race), anything else reaches the request's
        // exception handler or a background loop. EF's own error-level copies would log each one again, with its stack.
        options.ConfigureWarnings(w => w.Log(
            (RelationalEventId.CommandError, LogLevel.Debug),
            (RelationalEventId.ConnectionError, LogLevel.Debug),
            (RelationalEventId.TransactionError, LogLevel.Debug),
            (CoreEventId.SaveChangesFailed, LogLevel.Debug),
            (CoreEventId.QueryIterationFailed, LogLevel.Debug)));
    }

    /// <summary>Where the data lives, for the start-up log and the demo banner: the SQLite file's full path, or
    /// PostgreSQL's host, port, database and user (never the password).</summary>
    public static string Describe(DatabaseProvider provider, string connectionString)
    {
        if (provider == DatabaseProvider.Postgres)
        {
            var pg = new NpgsqlConnectionStringBuilder(connectionString);
            return $"PostgreSQL database {pg.Database} on {pg.Host}:{pg.Port} as {pg.Username}";
        }
        var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
        return file is "" or ":memory:" || file.StartsWith("file:", StringComparison.Ordinal) ? $"SQLite {file}" : $"SQLite file {Path.GetFullPath(file)}";
    }

    /// <summary>
    /// A new context on <paramref name="db"/>'s database whose queries stream their rows, for reads too long to hold
    /// in memory (an export): under an execution strategy that retries, EF Core reads a query's whole result into
    /// memory first, so that it could run it again. Only writes lose races (<see cref="RetryOnConflict"/>); a read
    /// never needs that retry. The caller disposes it.
    /// </summary>
    public static AppDb Streaming(this AppDb db)
    {
        var options = new DbContextOptionsBuilder<AppDb>();
        Configure(options, db.IsSqlite ? DatabaseProvider.Sqlite : DatabaseProvider.Postgres, db.Database.GetConnectionString()!, retryConflicts: false);
        return new AppDb(options.Options);
    }

    /// <summary>
    /// PostgreSQL: a write transaction that lost a race with another on the same rows (a serialization
    /// failure, or a deadlock) runs again from the start. See <see cref="Writes"/>.
    /// <para>Each retry waits a random time below a cap that doubles from 2 ms to 200 ms ("full jitter"). Racers
    /// that lost to the same winner thus start again one after another rather than together: with equal waits only
    /// one of them wins each round, so N writers of one row need N-1 rounds and the last ones run out of retries.
    /// Forty retries wait at most about seven seconds in all, half that on average.</para>
    /// </summary>
    private sealed class RetryOnConflict(ExecutionStrategyDependencies dependencies)
        : ExecutionStrategy(dependencies, maxRetryCount: MaxRetries, maxRetryDelay: TimeSpan.FromMilliseconds(200))
    {
        private const int MaxRetries = 40;

        protected override bool ShouldRetryOn(Exception exception) => IsConflict(exception);

        protected override TimeSpan? GetNextDelay(Exception lastException)
        {
            var retry = ExceptionsEncountered.Count; // 1 before the first retry
            if (retry > MaxRetries) return null;
            var cap = Math.Min(MaxRetryDelay.TotalMilliseconds, 2 * Math.Pow(2, Math.Min(retry - 1, 10)));
            return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * cap);
        }
    }

    /// <summary>True when a write lost its race on every retry (<see cref="RetryOnConflict"/>): its rows are contended
    /// by many writers at once, and the request may be sent again.</summary>
    public static bool IsContended(Exception ex) => ex is RetryLimitExceededException;

    /// <summary>True when a transaction lost a race and may simply run again.</summary>
    public static bool IsConflict(Exception ex) => ex is DbUpdateConcurrencyException
        || (ex is DbUpdateException { InnerException: { } inner } ? inner : ex) is
            Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.SerializationFailure or Npgsql.PostgresErrorCodes.DeadlockDetected };

    /// <summary>
    /// PostgreSQL connection settings; an explicit setting in the connection string wins.
    /// <para><c>Max Auto Prepare</c>: Npgsql prepares a statement on a physical connection once it has seen
    /// its text a few times, so PostgreSQL parses and plans the frequent statements once per connection.</para>
    /// <para><c>No Reset On Close</c>: by default Npgsql resets a pooled connection's session before its next
    /// use, half a dozen statements per request. RetailTrace keeps no session state (no temporary tables,
    /// LISTEN, SET or session-level advisory locks), so there is nothing to reset.</para>
    /// </summary>
    public static string WithPoolSettings(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!Given("Max Auto Prepare")) builder.MaxAutoPrepare = 64;
        if (!Given("No Reset On Close")) builder.NoResetOnClose = true;
        return builder.ConnectionString;

        bool Given(string key) => given.ContainsKey(key) || given.ContainsKey(key.Replace(" ", ""));
    }

    /// <summary>
    /// Runs <paramref name="work"/> while no other server process on this database runs work under the same
    /// <paramref name="lockKey"/>: PostgreSQL holds a transaction-level advisory lock meanwhile. SQLite takes no
    /// lock (servers on one file that start at the very same moment are not covered; see docs/DECISIONS.md).
    /// </summary>
    public static Task ExclusivelyAsync(this AppDb db, long lockKey, Func<Task> work, CancellationToken ct)
    {
        if (db.IsSqlite) return work();
        return db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({lockKey})", ct);
            await work();
            await transaction.CommitAsync(ct);
        }, ct);
    }

    public static IServiceCollection AddRetailTraceDatabase(this IServiceCollection services, IConfiguration config)
    {
        var provider = Provider(config);
        var cs = ConnectionString(config);
        // A connection string of the other provider (or malformed) is a setting to fix, not a failure of the first query.
        try { _ = provider == DatabaseProvider.Sqlite ? new SqliteConnectionStringBuilder(cs) : (object)new NpgsqlConnectionStringBuilder(cs); }
        catch (ArgumentException ex) { throw new SettingsException($"ConnectionStrings:RetailTrace is not a {provider} connection string: {ex.Message}"); }
        services.AddDbContextPool<AppDb>(o => Configure(o, provider, cs));
        return services;
    }

    /// <summary>True when a write failed on a foreign key: a row it references went away, or rows still reference one it deletes.
    /// SQLite reports a RESTRICT key's refusal as raised by its internal trigger (1811); the schema's triggers raise nothing.</summary>
    public static bool IsForeignKeyViolation(Exception ex) => (ex is DbUpdateException { InnerException: { } inner } ? inner : ex) is
        Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 787 or 1811 }
        or Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.ForeignKeyViolation };

    /// <summary>
    /// True when the database cannot be reached or is not taking work: a refused, broken or timed-out connection,
    /// an exhausted pool, a server shutting down or out of connections, a SQLite file that stayed locked or cannot be opened.
    /// Requests answer it with 503 (retry later), not 500.
    /// </summary>
    public static bool IsUnavailable(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections;
                case NpgsqlException npgsql when npgsql.IsTransient:
                    return true;
                case SqliteException sqlite:
                    return sqlite.SqliteErrorCode is 5 or 14; // SQLITE_BUSY past the busy timeout, SQLITE_CANTOPEN
            }
        }
        return false;
    }

    /// <summary>True when a write failed on a unique index: the idempotency and race guard of every insert.</summary>
    public static bool IsUniqueViolation(Exception ex) => (ex is DbUpdateException { InnerException: { } inner } ? inner : ex) is
        Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 }
        or Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation };
}
