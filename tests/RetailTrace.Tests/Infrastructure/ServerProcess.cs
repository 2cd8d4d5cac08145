using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RetailTrace.Data;

namespace RetailTrace.Tests.Infrastructure;

/// <summary>
/// The real server as a separate OS process on 127.0.0.1 (the built src/RetailTrace output), for
/// tests that must kill it (-9) mid-work and start it again on the same database.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;
    private readonly string[] _arguments;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    public string BaseUrl { get; }
    public DatabaseProvider Provider { get; }
    public string ConnectionString { get; }

    /// <summary>Every line the process wrote to stdout and stderr, in order, across its starts.</summary>
    public IReadOnlyCollection<string> Output => _output;

    private ServerProcess(Dictionary<string, string> environment, string[] arguments, int port, DatabaseProvider provider, string connectionString)
    {
        _environment = environment;
        _arguments = arguments;
        BaseUrl = $"http://127.0.0.1:{port}";
        Provider = provider;
        ConnectionString = connectionString;
    }

    /// <summary>A DbContext on the server's database (from the test process), to arrange bulk data and assert durable state.</summary>
    public async Task<T> WithDbAsync<T>(Func<AppDb, Task<T>> work)
    {
        var options = new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder<AppDb>();
        Database.Configure(options, Provider, ConnectionString);
        await using var db = new AppDb(options.Options);
        return await work(db);
    }

    /// <summary>A fresh database of the provider (skipping the test when PostgreSQL is unavailable) and a started server on it;
    /// with <paramref name="connectionString"/>, a further server on that database (multi-process tests).
    /// <paramref name="arguments"/> go before <c>--urls</c> (e.g. the <c>demo</c> command).</summary>
    public static async Task<ServerProcess> StartAsync(DatabaseProvider provider, IDictionary<string, string>? settings = null,
        string? connectionString = null, string[]? arguments = null)
    {
        connectionString ??= provider == DatabaseProvider.Postgres
            ? await PostgresServer.NewDatabaseOrSkipAsync()
            : $"Data Source={Path.Combine(TempDirs.New("proc-"), "rt.db")}";

        var env = new Dictionary<string, string>
        {
            ["Database__Provider"] = provider.ToString(),
            ["ConnectionStrings__RetailTrace"] = connectionString,
            ["Admin__Token"] = AppFixture.AdminToken,
            ["RateLimit__PermitsPerSecond"] = "1000000",
            ["RateLimit__Burst"] = "1000000",
            ["RateLimit__FailedAuthPerMinute"] = "1000000",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) env[k.Replace(":", "__")] = v;
        var server = new ServerProcess(env, arguments ?? [], FreePort(), provider, connectionString);
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo("dotnet", [ServerDll(), .. _arguments, "--urls", BaseUrl])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var (k, v) in _environment) psi.Environment[k] = v;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"Server exited with {_process.ExitCode} during start.");
            try
            {
                using var response = await http.GetAsync(BaseUrl + "/readyz");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException("Server did not become ready within 60 s.");
    }

    /// <summary>Waits (up to 30 s) for an output line that satisfies <paramref name="match"/>.</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_output.FirstOrDefault(match) is { } line) return line;
            await Task.Delay(50);
        }
        throw new TimeoutException("No such output line within 30 s:\n" + string.Join("\n", _output));
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing — a crash.</summary>
    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Changes a setting for the next <see cref="StartAsync()"/> (e.g. turn a background worker on after a crash).</summary>
    public void Set(string key, string value) => _environment[key.Replace(":", "__")] = value;

    public HttpClient Client() => new() { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    public static string ServerDll()
    {
        // The test binary sits in tests/RetailTrace.Tests/bin/<Configuration>/net10.0/; the server in src/RetailTrace/bin/<same>.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = testBin.Parent!.Name;
        var dir = testBin;
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RetailTrace.slnx"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("Repository root not found.");
        var dll = Path.Combine(dir.FullName, "src", "RetailTrace", "bin", configuration, "net10.0", "RetailTrace.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the server first.", dll);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
