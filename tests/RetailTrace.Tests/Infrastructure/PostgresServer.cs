using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace RetailTrace.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the suite runs against: <c>RETAILTRACE_TEST_POSTGRES</c> (a connection
/// string) when set; otherwise a throwaway cluster started from the installed server binaries (the newest
/// <c>/usr/lib/postgresql/*/bin</c>, or <c>RETAILTRACE_POSTGRES_BIN</c>) on a free loopback port and removed
/// at exit; otherwise unavailable, with the reason (tests then skip, or fail when
/// <c>RETAILTRACE_REQUIRE_POSTGRES=1</c>, as in CI).
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<Task<(string? ConnectionString, string? Reason)>> Server = new(StartAsync);

    public static Task<(string? ConnectionString, string? Reason)> GetAsync() => Server.Value;

    public static bool Required => Environment.GetEnvironmentVariable("RETAILTRACE_REQUIRE_POSTGRES") == "1";

    /// <summary>
    /// A new empty database for a test that needs PostgreSQL itself: the test fails when PostgreSQL is
    /// required (CI) and unavailable, and is skipped with the reason otherwise.
    /// </summary>
    public static async Task<string> NewDatabaseOrSkipAsync()
    {
        var (server, reason) = await GetAsync();
        if (server is null)
        {
            if (Required) Assert.Fail(reason);
            Assert.Skip(reason!);
        }
        return await CreateDatabaseAsync(server);
    }

    /// <summary>A new empty database on the server, for one fixture.</summary>
    public static async Task<string> CreateDatabaseAsync(string adminConnectionString)
    {
        var name = "rt_" + Guid.NewGuid().ToString("N")[..16];
        await using var conn = new NpgsqlConnection(adminConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
        await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString;
    }

    private static async Task<(string?, string?)> StartAsync()
    {
        var given = Environment.GetEnvironmentVariable("RETAILTRACE_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(given)) return (given, null);

        var bin = Environment.GetEnvironmentVariable("RETAILTRACE_POSTGRES_BIN") is { Length: > 0 } chosen ? chosen
            : Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(HasServer)
                    .OrderByDescending(d => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(d)) + ".0", out var v) ? v : new Version()).FirstOrDefault()
                : null;
        if (bin is null || !HasServer(bin))
            return (null, "PostgreSQL is not available: set RETAILTRACE_TEST_POSTGRES to a connection string, or install the server " +
                          $"(apt-get install postgresql; initdb and pg_ctl are looked for in {bin ?? "/usr/lib/postgresql/*/bin"}, or RETAILTRACE_POSTGRES_BIN).");

        var dir = Path.Combine(Path.GetTempPath(), "rt-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var port = FreePort();
        // initdb refuses to run as root; run the cluster as the postgres system user then.
        var asRoot = Environment.UserName == "root";
        if (asRoot) await RunAsync("chown", $"postgres:postgres {dir}");
        await RunAsync(Path.Combine(bin, "initdb"), $"-D {dir}/data -U postgres -A trust --no-sync -E UTF8", asRoot);
        await RunAsync(Path.Combine(bin, "pg_ctl"),
            $"-D {dir}/data -l {dir}/log -w -t 60 -o \"-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" start", asRoot);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Run(Path.Combine(bin, "pg_ctl"), $"-D {dir}/data -m immediate stop", asRoot).WaitForExit(20_000);
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception) { /* best effort cleanup of a temp cluster */ }
        };
        return ($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50", null);
    }

    private static bool HasServer(string bin) => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl"));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Process Run(string file, string arguments, bool asPostgres = false)
    {
        var psi = asPostgres
            ? new ProcessStartInfo("runuser", $"-u postgres -- {file} {arguments}")
            : new ProcessStartInfo(file, arguments);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        return Process.Start(psi)!;
    }

    private static async Task RunAsync(string file, string arguments, bool asPostgres = false)
    {
        using var p = Run(file, arguments, asPostgres);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments} failed ({p.ExitCode}): {await stdout} {await stderr}");
    }
}
