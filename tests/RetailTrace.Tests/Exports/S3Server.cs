using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RetailTrace.Tests.Exports;

/// <summary>
/// A real S3-compatible server for the S3 object store tests: the npm package <c>s3rver</c> installed
/// in <c>tests/s3rver</c> (<c>npm ci --prefix tests/s3rver</c>), started with <c>node</c> on a free
/// loopback port for the test run. Without node or the package the tests skip with the reason, or
/// fail when <c>RETAILTRACE_REQUIRE_S3=1</c> or <c>RETAILTRACE_REQUIRE_POSTGRES=1</c> (CI).
/// </summary>
public static class S3Server
{
    public const string Bucket = "exports";
    public const string AccessKey = "S3RVER"; // s3rver's built-in credentials
    public const string SecretKey = "S3RVER";

    private static readonly Lazy<Task<(string? ServiceUrl, string? Reason)>> Server = new(StartAsync);

    public static bool Required =>
        Environment.GetEnvironmentVariable("RETAILTRACE_REQUIRE_S3") == "1" || Environment.GetEnvironmentVariable("RETAILTRACE_REQUIRE_POSTGRES") == "1";

    /// <summary>The server's URL; skips (or fails, when required) the calling test without one.</summary>
    public static async Task<string> UrlAsync()
    {
        var (url, reason) = await Server.Value;
        if (url is not null) return url;
        if (Required) Assert.Fail(reason);
        Assert.Skip(reason!);
        return "";
    }

    private static async Task<(string?, string?)> StartAsync()
    {
        var folder = FindSupportFolder();
        if (folder is null) return (null, "tests/s3rver not found next to the test binaries.");
        if (!File.Exists(Path.Combine(folder, "node_modules", "s3rver", "package.json")))
            return (null, "s3rver is not installed: run `npm ci --prefix tests/s3rver`.");
        var node = FindOnPath("node");
        if (node is null) return (null, "node is not installed (needed to run s3rver for the S3 tests).");

        var port = FreePort();
        var data = Directory.CreateTempSubdirectory("rt-s3rver-").FullName;
        var psi = new ProcessStartInfo(node)
        {
            WorkingDirectory = folder, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var arg in new[] { "server.js", port.ToString(), data, Bucket }) psi.ArgumentList.Add(arg);
        var process = Process.Start(psi)!;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                process.StandardInput.Close(); // server.js exits when its stdin closes
                if (!process.WaitForExit(5_000)) process.Kill();
                Directory.Delete(data, recursive: true);
            }
            catch (Exception) { /* best effort cleanup of a test server */ }
        };
        var ready = process.StandardOutput.ReadLineAsync();
        if (await Task.WhenAny(ready, Task.Delay(TimeSpan.FromSeconds(30))) != ready || await ready != "ready")
            return (null, "s3rver did not start: " + await process.StandardError.ReadToEndAsync());
        return ($"http://127.0.0.1:{port}", null);
    }

    private static string? FindSupportFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "s3rver");
            if (File.Exists(Path.Combine(candidate, "server.js"))) return candidate;
        }
        return null;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
