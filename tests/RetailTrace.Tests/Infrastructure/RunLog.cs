using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace RetailTrace.Tests.Infrastructure;

/// <summary>
/// Every log entry of every host the suite builds (<see cref="AppFixture"/> registers <see cref="Provider"/>) is
/// scanned here for anything shaped like a credential; <c>LogScanTests</c>, the last test of the run, asserts that
/// nothing was found. The shapes: a 256-bit secret as RetailTrace writes them (43 base64url characters: client
/// secrets, tokens, partner and developer keys), a bearer header value, a signature or S3 credential in a URL,
/// and the suite's admin token.
/// </summary>
public static partial class RunLog
{
    private const int KeptLeaks = 20;
    private static readonly ConcurrentQueue<string> Found = new();
    private static long _scanned;

    public static ILoggerProvider Provider { get; } = new ScanningProvider();

    public static long Scanned => Interlocked.Read(ref _scanned);

    public static IReadOnlyCollection<string> Leaks => Found;

    /// <summary>The credential-shaped parts of a log line. A 43-character run counts when it mixes digits and both
    /// cases, as a random secret all but always does and a type name such as RelationalParameterBasedSqlProcessorFactory does not.</summary>
    public static IEnumerable<string> CredentialsIn(string line) =>
        Credential().Matches(line).Select(m => m.Value)
            .Where(v => !v.EndsWith("=REDACTED", StringComparison.OrdinalIgnoreCase))
            .Where(v => v.Length != 43 || (v.Any(char.IsAsciiDigit) && v.Any(char.IsAsciiLetterUpper) && v.Any(char.IsAsciiLetterLower)));

    [GeneratedRegex("""(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])|Bearer\s+[A-Za-z0-9_.~+/-]{8,}|signature=[A-Za-z0-9%._~+/-]+|X-Amz-Credential=[A-Za-z0-9%._~+/-]+|test-admin-token-Qm7Vx2Lp9Rk4Wz8Nc3Jd""", RegexOptions.IgnoreCase)]
    private static partial Regex Credential();

    private static void Scan(string category, string text)
    {
        Interlocked.Increment(ref _scanned);
        foreach (var credential in CredentialsIn(text))
            if (Found.Count < KeptLeaks) Found.Enqueue($"{category}: '{credential}' in: {text}");
    }

    private sealed class ScanningProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Scanner(categoryName);

        public void Dispose() { } // shared by every host: each disposes it with its logger factory
    }

    private sealed class Scanner(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Scan(category, $"{formatter(state, exception)} {exception}");
    }
}
