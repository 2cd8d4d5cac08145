using System.CommandLine;
using System.CommandLine.Help;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace;

/// <summary>
/// The command line: no command serves, <c>demo</c> serves with demo data, <c>schema-script</c> prints DDL.
/// Server settings are configuration keys given as <c>--Key=Value</c> (or <c>--urls &lt;urls&gt;</c>); any other
/// word is an error with exit code 2, and <c>--help</c> or <c>--version</c> print and exit without starting
/// or creating anything.
/// </summary>
public static partial class Cli
{
    public const int UsageError = 2;

    /// <summary>Exit code of a server that could not start: a setting it cannot run with, or a database it cannot reach.</summary>
    public const int StartFailure = 1;

    public static async Task<int> RunAsync(string[] args)
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Listen addresses, ';'-separated (default http://localhost:5000; demo: http://127.0.0.1:5080)",
            HelpName = "urls",
            Recursive = true,
        };
        var settings = new Argument<string[]>("settings")
        {
            Description = "Configuration settings as --Key=Value, e.g. --Database:Provider=Postgres (environment variables " +
                          "such as Database__Provider=Postgres and appsettings.json in the working directory work too; the README lists them)",
            HelpName = "--Key=Value",
            Arity = ArgumentArity.ZeroOrMore,
        };
        settings.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => !Setting().IsMatch(t.Value)))
                result.AddError($"Unrecognized command or argument '{token.Value}' (settings are --Key=Value).");
        });
        var serve = new RootCommand("RetailTrace: the Dispensary API v1.2, the Brand API v1.5, the Store API and the admin API in one server. " +
                                    "Without a command it serves.")
        {
            urls, settings,
        };
        serve.SetAction(async (parse, _) =>
        {
            var app = await Program.BuildServerAsync(ServerSettings(parse, urls, settings));
            await app.RunAsync();
        });

        var demo = new Command("demo", "Serve with a demo world (on SQLite unless configured otherwise) and print fresh credentials and " +
                                       "curl examples that work on every start; /metrics is on.")
        {
            settings,
        };
        demo.SetAction(async (parse, _) =>
        {
            var app = await Program.BuildServerAsync(ServerSettings(parse, urls, settings), Demo.DemoCommand.Configure);
            await Demo.DemoCommand.RunAsync(app);
        });
        serve.Subcommands.Add(demo);

        var provider = new Argument<string>("provider") { Description = "sqlite or postgres" };
        provider.AcceptOnlyFromAmong("sqlite", "postgres");
        var schema = new Command("schema-script", "Print the EF model's DDL for a provider: the starting point of a hand-written migration") { provider };
        schema.SetAction(parse => PrintSchemaScript(parse.GetValue(provider) == "postgres" ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite));
        serve.Subcommands.Add(schema);

        // No @response files: an argument is what it says.
        var parsed = serve.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine(error.Message);
            Console.Error.WriteLine("Run 'RetailTrace --help' for usage.");
            return UsageError;
        }
        // The host handles Ctrl+C and SIGTERM with a graceful shutdown, which the parser must not race. A start that
        // fails for what the operator controls (a setting, the database's address) says so in one line; any other
        // failure surfaces as the exception it is, with its stack.
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (ex is SettingsException || Database.IsUnavailable(ex))
        {
            Console.Error.WriteLine(ex is SettingsException
                ? $"RetailTrace cannot start: {ex.Message}"
                : $"RetailTrace cannot start: the database cannot be reached ({ex.GetBaseException().Message}).");
            return StartFailure;
        }
    }

    /// <summary>What the host builder gets: <c>--urls</c> and every <c>--Key=Value</c> setting.</summary>
    private static string[] ServerSettings(ParseResult parse, Option<string> urls, Argument<string[]> settings) =>
        [.. parse.GetValue(urls) is { } u ? [$"--urls={u}"] : Array.Empty<string>(), .. parse.GetValue(settings) ?? []];

    [GeneratedRegex(@"^--[A-Za-z][A-Za-z0-9_.:-]*=")]
    private static partial Regex Setting();

    private static int PrintSchemaScript(DatabaseProvider provider)
    {
        var options = new DbContextOptionsBuilder<AppDb>();
        Database.Configure(options, provider, provider == DatabaseProvider.Postgres ? "Host=localhost" : "Data Source=:memory:");
        using var db = new AppDb(options.Options);
        Console.WriteLine(db.Database.GenerateCreateScript());
        return 0;
    }
}
