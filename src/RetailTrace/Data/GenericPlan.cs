using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace RetailTrace.Data;

/// <summary>
/// Runs a tagged EF query (<c>query.TagWith(GenericPlan.Tag)</c>) on PostgreSQL with its generic plan.
/// <para>Why: a prepared statement whose LIMIT and OFFSET are parameters is planned again on every call.
/// PostgreSQL estimates the generic plan for an unknown LIMIT at a tenth of the table, so the custom plan
/// for LIMIT 100 always looks cheaper, although both are the same index scan. Planning was 112 µs of
/// the store page's 290 µs in PostgreSQL (bench/RESULTS.md, finding 33). Tag only a query whose plan
/// does not depend on its values.</para>
/// <para>The SET is undone by the RESET, or with the query if the query fails: the three statements are
/// one batch, run in one implicit transaction (the sale's statement is wrapped the same way). Npgsql's
/// reader skips the results of the SET and the RESET.</para>
/// </summary>
public sealed class GenericPlan : DbCommandInterceptor
{
    public const string Tag = "generic plan";

    private const string Mark = "-- " + Tag;

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Rewrite(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken ct = default)
    {
        Rewrite(command);
        return ValueTask.FromResult(result);
    }

    /// <summary>The statement as a batch that runs it with its generic plan: a tagged query here, the sale's raw statement in TransactionsApi.</summary>
    public static string Wrap(string sql) => $"SET plan_cache_mode = force_generic_plan;\n{sql};\nRESET plan_cache_mode";

    private static void Rewrite(DbCommand command)
    {
        if (command.CommandText.StartsWith(Mark, StringComparison.Ordinal)) command.CommandText = Wrap(command.CommandText);
    }
}
