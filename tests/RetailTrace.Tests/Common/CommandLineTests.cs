using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Common;

/// <summary>The built server run as a user runs it: its command line, and what it writes to the console.</summary>
public sealed class CommandLineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Runs the server's command line in an empty working directory; returns its exit code, output and what it left there.</summary>
    private static async Task<(int ExitCode, string Out, string Err, string[] Left)> RunAsync(params string[] arguments)
    {
        var directory = TempDirs.New("cli-");
        var psi = new ProcessStartInfo("dotnet", [ServerProcess.ServerDll(), .. arguments])
        {
            WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        // Nothing inherited may point the server elsewhere: where it would write is the working directory.
        foreach (var key in new[] { "ObjectStore__LocalPath", "Exports__PollSeconds" }) psi.Environment.Remove(key);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{string.Join(' ', arguments)}' was still running after 30 s: it started something.");
        }
        return (process.ExitCode, await stdout, await stderr, Directory.GetFileSystemEntries(directory).Select(e => Path.GetFileName(e)).ToArray());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("demo", "-h")]
    public async Task Help_prints_usage_exits_0_and_starts_and_creates_nothing(params string[] arguments)
    {
        var (exitCode, output, error, left) = await RunAsync(arguments);
        Assert.Equal(0, exitCode);
        Assert.Contains("Usage:", output);
        Assert.Contains("--Key=Value", output);
        Assert.Contains("--urls <urls>", output);
        if (arguments is ["--help"])
        {
            Assert.Contains("  demo ", output);
            Assert.Contains("  schema-script <postgres|sqlite> ", output);
        }
        Assert.Equal("", error);
        Assert.Empty(left);
    }

    [Fact]
    public async Task Version_prints_the_version_and_exits_0()
    {
        var (exitCode, output, _, left) = await RunAsync("--version");
        Assert.Equal(0, exitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+\S*\n$", output);
        Assert.Empty(left);
    }

    private const string WeakToken = "Admin:Token is too weak: use at least 32 characters with at least 10 different ones";

    [Theory]
    [InlineData("Database:Provider must be Sqlite or Postgres, not 'PostgreSQL'.", "--Database:Provider=PostgreSQL")]
    [InlineData("ConnectionStrings:RetailTrace is not a Sqlite connection string: Connection string keyword 'host' is not supported.",
        "--ConnectionStrings:RetailTrace=Host=db.example.com")]
    [InlineData("Database:Provider is Postgres but ConnectionStrings:RetailTrace is not set.", "demo", "--Database:Provider=Postgres")]
    [InlineData(WeakToken, "--Admin:Token=change-me")]
    [InlineData(WeakToken, "--Admin:Token=x")]
    [InlineData(WeakToken, "--Admin:Token=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData(WeakToken, "--Admin:Token=0101010101010101010101010101010101010101")]
    [InlineData("Webhooks:PollSeconds must be between 0 and 3600.", "--Webhooks:PollSeconds=-1")]
    [InlineData("the database cannot be reached (", "--Database:Provider=Postgres", "--ConnectionStrings:RetailTrace=Host=127.0.0.1;Port=1;Username=rt;Database=rt")]
    public async Task A_start_that_a_setting_or_the_database_prevents_says_why_in_one_line_and_exits_1(string message, params string[] arguments)
    {
        var (exitCode, _, error, left) = await RunAsync([.. arguments, "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(1, exitCode);
        Assert.StartsWith("RetailTrace cannot start: " + message, error);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain(left, name => name.EndsWith(".db", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Unrecognized command or argument 'serve' (settings are --Key=Value).", "serve")]
    [InlineData("Unrecognized command or argument 'oops' (settings are --Key=Value).", "--port=80", "oops")]
    [InlineData("Unrecognized command or argument '--version' (settings are --Key=Value).", "demo", "--version")]
    [InlineData("Argument 'mysql' not recognized. Must be one of:", "schema-script", "mysql")]
    [InlineData("Required argument missing for option: '--urls'.", "--urls")]
    public async Task Unknown_commands_and_arguments_are_refused_with_exit_code_2(string message, params string[] arguments)
    {
        var (exitCode, output, error, left) = await RunAsync(arguments);
        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith(message + "\n", error);
        Assert.EndsWith("\nRun 'RetailTrace --help' for usage.\n", error);
        Assert.Empty(left);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Schema_script_prints_the_providers_ddl(string provider)
    {
        var (exitCode, output, _, left) = await RunAsync("schema-script", provider);
        Assert.Equal(0, exitCode);
        Assert.Contains(provider == "sqlite" ? "CREATE TABLE \"lucid_items\"" : "CREATE TABLE lucid_items", output);
        Assert.Empty(left);
    }

    /// <summary>
    /// Started from a directory without appsettings.json, with JSON console logging by configuration: every line is a
    /// JSON object, a request is one Information entry with its fields, the database path is logged, and EF Core's
    /// per-statement lines stay off.
    /// </summary>
    [Fact]
    public async Task Json_console_logging_writes_one_entry_per_request_and_no_sql_from_any_directory()
    {
        await using var server = await ServerProcess.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string>
        {
            ["Logging:LogLevel:Default"] = "Information", ["Logging:Console:FormatterName"] = "json",
        });
        using var http = server.Client();
        http.DefaultRequestHeaders.Authorization = new("Bearer", AppFixture.AdminToken);
        var (status, body, _) = await http.SendAsync(HttpMethod.Patch, "/admin/v1/dispensaries/CXc85b4rqinB7s5J52TRYb", new { name = "N" });
        Assert.Equal(404, status);
        var traceId = (string)body!["trace_id"]!;

        var line = await server.WaitForOutputAsync(l => l.Contains(traceId, StringComparison.Ordinal));
        using var entry = JsonDocument.Parse(line);
        var root = entry.RootElement;
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", root.GetProperty("Timestamp").GetString());
        Assert.Equal("Information", root.GetProperty("LogLevel").GetString());
        Assert.Equal("RetailTrace.Requests", root.GetProperty("Category").GetString());
        Assert.Matches($@"^PATCH /admin/v1/dispensaries/CXc85b4rqinB7s5J52TRYb 404 \S+ ms client=admin tenant=- trace={Regex.Escape(traceId)}$", root.GetProperty("Message").GetString());
        var state = root.GetProperty("State");
        Assert.Equal(("PATCH", "/admin/v1/dispensaries/CXc85b4rqinB7s5J52TRYb", 404, "admin", traceId),
            (state.GetProperty("Method").GetString(), state.GetProperty("Path").GetString(), state.GetProperty("StatusCode").GetInt32(),
             state.GetProperty("Client").GetString(), state.GetProperty("TraceId").GetString()));

        var dataSource = server.ConnectionString["Data Source=".Length..];
        Assert.Contains(server.Output, l => l.Contains($"Database: SQLite file {dataSource}", StringComparison.Ordinal));
        Assert.All(server.Output, l => JsonDocument.Parse(l).Dispose());
        Assert.DoesNotContain(server.Output, l => l.Contains("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
    }
}
