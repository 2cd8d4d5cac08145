using Microsoft.EntityFrameworkCore;
using RetailTrace.Data;

namespace RetailTrace;

/// <summary>Command-line verbs beside serving.</summary>
public static class Cli
{
    public static int PrintSchemaScript(string[] args)
    {
        var provider = args.Contains("postgres", StringComparer.OrdinalIgnoreCase) ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite;
        var options = new DbContextOptionsBuilder<AppDb>();
        Database.Configure(options, provider, provider == DatabaseProvider.Postgres ? "Host=localhost" : "Data Source=:memory:");
        using var db = new AppDb(options.Options);
        Console.WriteLine(db.Database.GenerateCreateScript());
        return 0;
    }

    public static int Usage(string verb)
    {
        Console.Error.WriteLine($"Unknown command '{verb}'. Usage: RetailTrace [demo | schema-script <sqlite|postgres>] [--urls ...] [--Key=Value ...]");
        return 2;
    }
}
