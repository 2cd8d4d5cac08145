using System.Diagnostics;
using System.Text.RegularExpressions;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Demo;

/// <summary>
/// <c>demo</c> as a newcomer meets it: started twice on one database, every line its banner prints is pasted into
/// bash in order and answers 2xx both times, the export file lists the case the examples imported, and what the
/// first start printed no longer works after the second.
/// </summary>
public abstract partial class DemoTests(DatabaseProvider provider)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_printed_example_answers_2xx_on_every_start_and_the_previous_credentials_are_revoked()
    {
        if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "curl"))))
        {
            if (PostgresServer.Required) Assert.Fail("curl is not installed (the demo's examples are curl commands).");
            Assert.Skip("curl is not installed (the demo's examples are curl commands).");
        }
        await using var demo = await ServerProcess.StartAsync(provider, new Dictionary<string, string>
        {
            ["Admin:Token"] = "", ["ObjectStore:LocalPath"] = TempDirs.New("demo-exports-"),
        }, arguments: ["demo"]);

        var first = await BannerAsync(demo, 1);
        var firstRun = await RunExamplesAsync(first);
        AssertExportListsTheImportedCase(first, firstRun);

        await demo.KillAsync();
        await demo.StartAsync();
        var second = await BannerAsync(demo, 2);
        Assert.NotEqual(Credential(first, "client_secret"), Credential(second, "client_secret"));
        var secondRun = await RunExamplesAsync(second);
        AssertExportListsTheImportedCase(second, secondRun);

        using var http = demo.Client();
        using (var token = await http.PostAsync("/o/token/", new FormUrlEncodedContent(new Dictionary<string, string>
               {
                   ["grant_type"] = "client_credentials", ["client_id"] = Credential(first, "client_id"), ["client_secret"] = Credential(first, "client_secret"),
               }), Ct))
            Assert.Equal(("""{"error":"invalid_client"}""", 401), (await token.Content.ReadAsStringAsync(Ct), (int)token.StatusCode));
        Assert.Equal(401, await StatusAsync(http, "/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/", ("Authorization", "Bearer " + Line(firstRun, "DTOKEN="))));
        Assert.Equal(401, await StatusAsync(http, "/api/v1/partner/store/batches",
            ("partner_key", Credential(first, "partner_key")), ("Authorization", Credential(first, "developer key (Authorization)"))));
        Assert.Equal(401, await StatusAsync(http, "/admin/v1/dispensaries/CXc85b4rqinB7s5J52TRYb/package-uid-exports", ("Authorization", "Bearer " + Credential(first, "Admin token:"))));
        Assert.Equal(200, await StatusAsync(http, "/api/v1/partner/store/batches",
            ("partner_key", Credential(second, "partner_key")), ("Authorization", Credential(second, "developer key (Authorization)"))));
    }

    /// <summary>The <paramref name="nth"/> banner the process printed, from its first line to its closing rule.</summary>
    private static async Task<List<string>> BannerAsync(ServerProcess demo, int nth)
    {
        await demo.WaitForOutputAsync(_ => demo.Output.Count(IsClosingRule) >= nth);
        var starts = demo.Output.Select((line, i) => (line, i)).Where(x => x.line.StartsWith("================ RetailTrace demo", StringComparison.Ordinal)).ToList();
        return demo.Output.Skip(starts[nth - 1].i).TakeWhile(line => !IsClosingRule(line)).ToList();
    }

    private static bool IsClosingRule(string line) => line.Length > 10 && line.All(c => c == '=');

    /// <summary>Runs the banner's "Try it" lines in bash, stopping at the first failing command or non-2xx answer.</summary>
    private static async Task<string> RunExamplesAsync(List<string> banner)
    {
        var examples = banner.SkipWhile(l => !l.StartsWith("Try it", StringComparison.Ordinal)).Skip(1).Select(l => l[2..]).ToList();
        Assert.True(examples.Count > 15, string.Join('\n', banner));
        var script = string.Join('\n', [
            "set -euo pipefail",
            "curl() { command curl --fail-with-body --max-time 20 \"$@\"; }",
            .. examples.Select((line, i) => $"echo; echo '### {i + 1}'\n{line}"),
            "echo; echo \"DTOKEN=$DTOKEN\"",
        ]);
        var psi = new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var bash = Process.Start(psi)!;
        var stdout = bash.StandardOutput.ReadToEndAsync(Ct);
        var stderr = bash.StandardError.ReadToEndAsync(Ct);
        await bash.WaitForExitAsync(Ct);
        var output = await stdout;
        var failedAt = Regex.Matches(output, "### ([0-9]+)").LastOrDefault()?.Groups[1].Value;
        Assert.True(bash.ExitCode == 0, $"Example {failedAt} failed ({bash.ExitCode}): {(failedAt is null ? "" : examples[int.Parse(failedAt) - 1])}\n{output}\n{await stderr}");
        return output;
    }

    private static void AssertExportListsTheImportedCase(List<string> banner, string output)
    {
        var text = string.Join('\n', banner);
        var caseUuid = CaseOfExamples().Match(text).Groups[1].Value;
        var packageUid = PackageOfExamples().Match(text).Groups[1].Value;
        Assert.Matches("^[A-Za-z0-9]{22}$", caseUuid);
        Assert.Contains($"\"{packageUid}\":{{\"{caseUuid}\":[\"", output);
    }

    [GeneratedRegex(@"/api/v1\.5/cases/([A-Za-z0-9]{22})/")]
    private static partial Regex CaseOfExamples();

    [GeneratedRegex("\"package_uid\":\"([^\"]+)\"")]
    private static partial Regex PackageOfExamples();

    /// <summary>A value the banner prints after <paramref name="label"/> (<c>label=value</c> or <c>label value</c>).</summary>
    private static string Credential(List<string> banner, string label)
    {
        var line = banner.First(l => l.Contains(label, StringComparison.Ordinal));
        var rest = line[(line.IndexOf(label, StringComparison.Ordinal) + label.Length)..].TrimStart('=', ' ');
        return rest.Split(' ')[0];
    }

    private static string Line(string output, string prefix) => output.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..];

    private static async Task<int> StatusAsync(HttpClient http, string url, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await http.SendAsync(request, Ct);
        return (int)response.StatusCode;
    }
}

public sealed class DemoTestsOnSqlite() : DemoTests(DatabaseProvider.Sqlite);
public sealed class DemoTestsOnPostgres() : DemoTests(DatabaseProvider.Postgres);
