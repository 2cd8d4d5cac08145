using RetailTrace.Bench;

// Bench helper verbs (see bench/run.sh):
//   baseline <sqlite|postgres> <connection string> <urls>   raw-limit server (/echo, /insert)
//   baseline ... <store page json>                           + GET /memory-batches serving that page from memory
//   seed <base url> <admin token> <scale> <out dir>          fill a running server through its APIs
//   export-raw <sqlite|postgres> <cs> <dispensary> <file>    bare SELECT … ORDER BY streamed to grouped JSON
//   soak <url> <admin token> <provider> <cs> <server pid> <seconds> <ops/s> <report.md>   steady mixed load + reconciliation (bench/soak.sh)
return args switch
{
    ["baseline", var provider, var cs, var urls] => await Run(() => Baseline.RunAsync(provider, cs, urls)),
    ["baseline", var provider, var cs, var urls, var storePage] => await Run(() => Baseline.RunAsync(provider, cs, urls, storePage)),
    ["export-raw", var provider, var cs, var dispensary, var file] => await Run(() => RawExport.RunAsync(provider, cs, dispensary, file)),
    ["seed", var url, var token, var scale, var outDir] => await Run(() => new Seed(url, token, double.Parse(scale, System.Globalization.CultureInfo.InvariantCulture), outDir).RunAsync()),
    ["soak", var url, var token, var provider, var cs, var pid, var secs, var rate, var report] => await Run(() => new Soak(url, token, provider, cs, int.Parse(pid), int.Parse(secs), int.Parse(rate), report).RunAsync()),
    _ => Usage(),
};

static async Task<int> Run(Func<Task> work)
{
    await work();
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: RetailTrace.Bench baseline <sqlite|postgres> <cs> <urls> | seed <base url> <admin token> <scale> <out dir>");
    return 2;
}
