using RetailTrace.Bench;

// Bench helper verbs (see bench/run.sh):
//   baseline <sqlite|postgres> <connection string> <urls>   raw-limit server (/echo, /insert)
//   baseline ... <store page json>                           + GET /memory-batches serving that page from memory
//   seed <base url> <admin token> <scale> <out dir> <sqlite|postgres> <cs>
//                                                            fill a running server: APIs + bulk rows through its EF model
//   export-raw <sqlite|postgres> <cs> <dispensary> <file>    bare SELECT … ORDER BY streamed to grouped JSON
//   soak <url> <admin token> <provider> <cs> <server pid> <seconds> <ops/s> <report.md>   steady mixed load + reconciliation (bench/soak.sh)
//   export-generator <sqlite|postgres> <cs> <dispensary> <file>  the production ExportGenerator alone, same output
//   memory-attack <url> <admin token> <server pid> <report.md>   hostile bodies on every write endpoint during sales (bench/memory-attack.sh)
//   fsync <dir> <seconds>                                    the disk's append + fsync latency (p50/p99/max)
return args switch
{
    ["baseline", var provider, var cs, var urls] => await Run(() => Baseline.RunAsync(provider, cs, urls)),
    ["baseline", var provider, var cs, var urls, var storePage] => await Run(() => Baseline.RunAsync(provider, cs, urls, storePage)),
    ["export-raw", var provider, var cs, var dispensary, var file] => await Run(() => RawExport.RunAsync(provider, cs, dispensary, file)),
    ["soak", var url, var token, var provider, var cs, var pid, var secs, var rate, var report] => await Run(() => new Soak(url, token, provider, cs, int.Parse(pid), int.Parse(secs), int.Parse(rate), report).RunAsync()),
    ["export-generator", var provider, var cs, var dispensary, var file] => await Run(() => GeneratorExport.RunAsync(provider, cs, dispensary, file)),
    ["seed", var url, var token, var scale, var outDir, var provider, var cs] =>
        await Run(() => new Seed(url, token, double.Parse(scale, System.Globalization.CultureInfo.InvariantCulture), outDir, new BulkSeed(provider, cs)).RunAsync()),
    ["memory-attack", var url, var token, var pid, var report] => await Run(() => new MemoryAttack(url, token, int.Parse(pid), report).RunAsync()),
    ["fsync", var dir, var secs] => Probe(dir, int.Parse(secs)),
    _ => Usage(),
};

static async Task<int> Run(Func<Task> work)
{
    await work();
    return Environment.ExitCode; // a verb that found a failure sets it (soak, memory-attack)
}

static int Probe(string dir, int seconds)
{
    FsyncProbe.Run(dir, seconds);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: RetailTrace.Bench baseline <sqlite|postgres> <cs> <urls> | seed <base url> <admin token> <scale> <out dir> <sqlite|postgres> <cs> | export-raw <sqlite|postgres> <cs> <dispensary> <file>");
    return 2;
}
