using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.OperatorConsole;

/// <summary>
/// Debian's chromium, driven by Playwright through its executable path (Playwright's own browser download is not
/// used). <c>RETAILTRACE_CHROMIUM</c> names another executable. Where none exists the browser tests skip with the
/// reason, unless <c>RETAILTRACE_REQUIRE_CHROMIUM=1</c> (CI), where they fail.
/// </summary>
public static class ConsoleBrowser
{
    /// <summary>Headless, and quiet on a machine without network: no sync, updates or background fetches.</summary>
    private static readonly string[] Flags =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    public static bool Required => Environment.GetEnvironmentVariable("RETAILTRACE_REQUIRE_CHROMIUM") == "1";

    public static string ExecutableOrSkip()
    {
        var path = Environment.GetEnvironmentVariable("RETAILTRACE_CHROMIUM") is { Length: > 0 } given ? given : "/usr/bin/chromium";
        if (File.Exists(path)) return path;
        var reason = $"Chromium is not installed at {path} (apt-get install -y chromium, or set RETAILTRACE_CHROMIUM): browser tests skipped.";
        if (Required) Assert.Fail(reason);
        Assert.Skip(reason);
        return path;
    }

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var executable = ExecutableOrSkip();
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = executable, Headless = true, Args = Flags });
        return (playwright, browser);
    }

    /// <summary>Screenshots go to the test run's output directory (<c>console-screenshots/&lt;provider&gt;/</c>), a test artifact.</summary>
    public static string ScreenshotDirectory(string provider)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "console-screenshots", provider);
        Directory.CreateDirectory(dir);
        return dir;
    }
}

/// <summary>
/// The app on Kestrel at a free loopback port over the fixture's database, as a browser reaches a real server: its
/// own export directory, no background loops (the test runs exports from the console), and a sign-in budget for tests.
/// </summary>
public sealed class ConsoleLiveServer : WebApplicationFactory<Program>
{
    private readonly AppFixture _app;
    private readonly string _exportDir = TempDirs.New("console-exports-");

    public ConsoleLiveServer(AppFixture app)
    {
        _app = app;
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
    }

    public string BaseUrl => Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        AppFixture.UseTestSettings(builder, _app.Provider, _app.ConnectionString);
        builder.UseSetting("ObjectStore:LocalPath", _exportDir);
        builder.UseSetting("Exports:PollSeconds", "0");
        builder.UseSetting("RateLimit:SignInPerMinute", "100000");
        builder.ConfigureLogging(logging => logging.AddProvider(new ErrorFileLogger(Path.Combine(AppContext.BaseDirectory, "console-screenshots", "server-errors.log"))));
    }

    /// <summary>Errors the server logs during the browser tests, kept beside the screenshots: a failed page says only "Server error".</summary>
    private sealed class ErrorFileLogger(string path) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            lock (this) File.AppendAllText(path, $"{DateTime.UtcNow:O} {formatter(state, exception)}\n{exception}\n\n");
        }

        public void Dispose() { }
    }

    public HttpClient ApiClient(string? bearer = null)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        if (bearer is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }
}
