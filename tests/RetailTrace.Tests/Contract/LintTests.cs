using System.Diagnostics;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Contract;

/// <summary>
/// Every family document, and the combined one, lints with 0 errors under Redocly CLI (recommended) and Spectral
/// (spectral:oas), with the configurations in tools/lint (only the trailing-slash path rule is off). The linters come
/// from npm (<c>npm ci --prefix tools/lint</c>); without them the tests skip with the reason, or fail when
/// <c>RETAILTRACE_REQUIRE_LINT=1</c> (CI).
/// </summary>
public sealed class LintTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    public static TheoryData<string> Documents => [.. ContractDocuments.Families, "v1"];

    [Theory]
    [MemberData(nameof(Documents))]
    public async Task Document_lints_without_errors_under_redocly(string document) =>
        await LintAsync(document, "redocly", tools => ["lint", "--config", Path.Combine(tools, "redocly.yaml"), "--format", "stylish"]);

    [Theory]
    [MemberData(nameof(Documents))]
    public async Task Document_lints_without_errors_under_spectral(string document) =>
        await LintAsync(document, "spectral", tools => ["lint", "--ruleset", Path.Combine(tools, ".spectral.yaml"), "--fail-severity", "error"]);

    private async Task LintAsync(string document, string linter, Func<string, string[]> arguments)
    {
        var tools = LintTools.Folder();
        var file = Path.Combine(Directory.CreateTempSubdirectory("rt-openapi-").FullName, document + ".json");
        await File.WriteAllTextAsync(file, await app.Client().GetStringAsync($"/openapi/{document}.json", TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        var (exit, output) = await LintTools.RunAsync(Path.Combine(tools, "node_modules", ".bin", linter), [.. arguments(tools), file]);
        Assert.True(exit == 0, $"{linter} found errors in /openapi/{document}.json:\n{output}");
    }
}

/// <summary>The npm tools in tools/lint (linters, newman), found from the test binaries up to the repository.</summary>
public static class LintTools
{
    public static bool Required => Environment.GetEnvironmentVariable("RETAILTRACE_REQUIRE_LINT") == "1";

    /// <summary>tools/lint with its node_modules; skips (or fails, when required) the calling test without them.</summary>
    public static string Folder()
    {
        string? reason = null;
        var folder = Enumerable.Empty<string>().Append(AppContext.BaseDirectory)
            .SelectMany(start => Ancestors(new DirectoryInfo(start)))
            .Select(d => Path.Combine(d.FullName, "tools", "lint"))
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "package.json")));
        if (folder is null) reason = "tools/lint not found above the test binaries.";
        else if (!File.Exists(Path.Combine(folder, "node_modules", ".bin", "redocly"))) reason = "The OpenAPI linters are not installed: run `npm ci --prefix tools/lint`.";
        else if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "node"))))
            reason = "node is not installed (needed by the OpenAPI linters and newman).";
        if (reason is null) return folder!;
        if (Required) Assert.Fail(reason);
        Assert.Skip(reason);
        return "";
    }

    private static IEnumerable<DirectoryInfo> Ancestors(DirectoryInfo? dir)
    {
        for (; dir is not null; dir = dir.Parent) yield return dir;
    }

    public static async Task<(int Exit, string Output)> RunAsync(string program, string[] arguments, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["REDOCLY_TELEMETRY"] = "off";
        psi.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        return (process.ExitCode, await stdout + await stderr);
    }
}
