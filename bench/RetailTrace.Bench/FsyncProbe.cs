using System.Diagnostics;

namespace RetailTrace.Bench;

/// <summary>
/// The disk under every durable COMMIT: appends 128 KiB (about one group commit of sales) and
/// fsyncs, over and over, for a bounded time, and prints the latency distribution. Its p99 and
/// max bound any durable write's p99 on this machine, whatever the server does.
/// </summary>
public static class FsyncProbe
{
    public static void Run(string directory, int seconds)
    {
        var path = Path.Combine(directory, "fsync-probe.bin");
        var block = new byte[128 * 1024];
        var latencies = new List<double>();
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                var one = Stopwatch.StartNew();
                if (file.Position > 64L << 20) file.Position = 0; // stay within 64 MiB, like a WAL that restarts
                file.Write(block);
                file.Flush(flushToDisk: true);
                latencies.Add(one.Elapsed.TotalMilliseconds);
            }
        }
        File.Delete(path);
        latencies.Sort();
        double At(double q) => latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
        Console.WriteLine(FormattableString.Invariant($"FSYNC count={latencies.Count} p50_ms={At(0.50):F2} p99_ms={At(0.99):F2} max_ms={latencies[^1]:F2}"));
    }
}
