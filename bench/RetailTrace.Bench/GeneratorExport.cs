using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Data;
using RetailTrace.Exports;

namespace RetailTrace.Bench;

/// <summary>
/// The production <see cref="ExportGenerator"/> alone in its own process, so its peak working set is
/// its own and comparable with <see cref="RawExport"/>'s. The EF model is built before the clock starts
/// (a running server has built it long before its first export).
/// </summary>
public static class GeneratorExport
{
    public static async Task RunAsync(string provider, string connectionString, string dispensaryShortUuid, string file)
    {
        var options = new DbContextOptionsBuilder<AppDb>();
        Database.Configure(options, provider.Equals("postgres", StringComparison.OrdinalIgnoreCase) ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite, connectionString);
        await using var db = new AppDb(options.Options);
        await db.Dispensaries.AsNoTracking().AnyAsync();
        var watch = Stopwatch.StartNew();
        await using var output = File.Create(file);
        var totals = await ExportGenerator.WriteAsync(db, RetailTrace.Common.ShortUuid.Decode(dispensaryShortUuid), output, CancellationToken.None);
        var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024);
        Console.WriteLine(FormattableString.Invariant($"GEN seconds={watch.Elapsed.TotalSeconds:F2} peak_mib={peak} rows={totals.LucidIds}"));
    }
}
