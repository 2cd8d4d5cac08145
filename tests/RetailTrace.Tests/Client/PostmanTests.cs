using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RetailTrace.Data;
using RetailTrace.Tests.Contract;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Client;

/// <summary>
/// The Postman collection (clients/postman) is what its generator makes from the committed documents, and it runs
/// green under newman against a demo server, with the credentials the demo prints in the collection's environment.
/// node and newman come from npm (<c>npm ci --prefix tools/lint</c>); without them the tests skip, or fail when
/// <c>RETAILTRACE_REQUIRE_LINT=1</c> (CI).
/// </summary>
public abstract partial class PostmanTests(DatabaseProvider provider)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static string Postman => Path.Combine(Repository.Folder(), "clients", "postman");

    [Fact]
    public async Task Collection_is_what_the_generator_makes_from_the_documents()
    {
        LintTools.Folder();
        var (exit, output) = await LintTools.RunAsync("node", [Path.Combine(Postman, "generate.mjs"), "--check"]);
        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task Collection_runs_green_under_newman_against_the_demo()
    {
        var newman = Path.Combine(LintTools.Folder(), "node_modules", ".bin", "newman");
        await using var demo = await ServerProcess.StartAsync(provider, new Dictionary<string, string>
        {
            ["Admin:Token"] = "", ["ObjectStore:LocalPath"] = TempDirs.New("postman-exports-"),
        }, arguments: ["demo"]);
        await demo.WaitForOutputAsync(line => line.Length > 10 && line.All(c => c == '='));
        var banner = string.Join('\n', demo.Output);

        var environment = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Postman, "demo.postman_environment.json"), Ct))!;
        var values = Credentials(banner, demo.BaseUrl);
        foreach (var variable in environment["values"]!.AsArray())
            variable!["value"] = values[(string)variable["key"]!];
        var file = Path.Combine(TempDirs.New("postman-"), "demo.postman_environment.json");
        await File.WriteAllTextAsync(file, environment.ToJsonString(), Ct);

        var (exit, output) = await LintTools.RunAsync(newman,
            ["run", Path.Combine(Postman, "retailtrace.postman_collection.json"), "--environment", file, "--reporters", "cli", "--color", "off"]);
        Assert.True(exit == 0, $"newman exited with {exit}:\n{output}");
        Assert.Matches(@"│\s+assertions\s+│\s+[1-9][0-9]*\s+│\s+0\s+│", output);
    }

    /// <summary>The environment's values, read off the demo's banner (see DemoCommand).</summary>
    private static Dictionary<string, string> Credentials(string banner, string baseUrl)
    {
        string Match(string pattern) => Regex.Match(banner, pattern, RegexOptions.Multiline) is { Success: true } m ? m.Groups[1].Value
            : throw new InvalidOperationException($"The demo's banner has no match for {pattern}:\n{banner}");
        return new()
        {
            ["baseUrl"] = baseUrl,
            ["adminToken"] = Match(@"^Admin token:\s+(\S+)"),
            ["dispensaryUuid"] = Match(@"^Dispensary ""[^""]*"" \((\w+)\)"),
            ["dispensaryClientId"] = Match(@"^Dispensary .*\n\s+client_id=(\S+)"),
            ["dispensaryClientSecret"] = Match(@"^Dispensary .*\n\s+client_id=\S+\s+client_secret=(\S+)"),
            ["brandClientId"] = Match(@"^Brand .*\n\s+client_id=(\S+)"),
            ["brandClientSecret"] = Match(@"^Brand .*\n\s+client_id=\S+\s+client_secret=(\S+)"),
            ["partnerKey"] = Match(@"^\s+partner_key=(\S+)"),
            ["developerKey"] = Match(@"^\s+developer key \(Authorization\)=(\S+)"),
            ["frontRoomId"] = Match(@"Front Room (\w+)"),
            ["vaultId"] = Match(@"Vault (\w+)"),
            ["employeeId"] = Match(@"employee (\w+)"),
        };
    }
}

public sealed class PostmanTestsOnSqlite() : PostmanTests(DatabaseProvider.Sqlite);
public sealed class PostmanTestsOnPostgres() : PostmanTests(DatabaseProvider.Postgres);
