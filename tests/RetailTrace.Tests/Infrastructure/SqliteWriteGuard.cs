using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace RetailTrace.Tests.Infrastructure;

/// <summary>
/// Fails every SQLite write the app makes outside a unit of work, so each suite on SQLite checks that
/// rule on every path it takes. Units of work run on the group-commit writer's own, unpooled
/// connection; a write or transaction on any other connection would wait for the write lock in
/// Microsoft.Data.Sqlite's 150 ms sleeps while the writer is busy. Test code arranging data
/// (<see cref="AppFixture.WithDbAsync{T}"/>) is let through.
/// </summary>
public sealed partial class SqliteWriteGuard : CommandObserver, IDbTransactionInterceptor
{
    public static readonly SqliteWriteGuard Instance = new();
    private static readonly AsyncLocal<bool> Arranging = new();

    /// <summary>Lets the calling flow write directly (test set-up and assertions).</summary>
    public static IDisposable Arrange()
    {
        var before = Arranging.Value;
        Arranging.Value = true;
        return new Restore(before);
    }

    private sealed class Restore(bool before) : IDisposable
    {
        public void Dispose() => Arranging.Value = before;
    }

    [GeneratedRegex(@"\b(INSERT|UPDATE|DELETE|REPLACE)\b")]
    private static partial Regex WriteStatement();

    private static void Check(DbConnection? connection, string what)
    {
        if (Arranging.Value || connection is not SqliteConnection sqlite) return;
        if (!new SqliteConnectionStringBuilder(sqlite.ConnectionString).Pooling) return; // the writer's own connection
        throw new InvalidOperationException($"SQLite write outside a unit of work (InWriteTransactionAsync): {what}");
    }

    protected override void Observe(DbCommand command)
    {
        if (WriteStatement().IsMatch(command.CommandText)) Check(command.Connection, command.CommandText);
    }

    // An explicit transaction on SQLite is BEGIN IMMEDIATE: it takes the write lock like a write.
    public InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        Check(connection, "BEGIN");
        return result;
    }

    public ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        Check(connection, "BEGIN");
        return ValueTask.FromResult(result);
    }
}
