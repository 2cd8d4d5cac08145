using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Common;

/// <summary>Properties every endpoint of the route table must have, so a new endpoint is checked without a new test.</summary>
public abstract class RouteTableTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    /// <summary>
    /// Without credentials — and without a body or Content-Type, which must not change routing —
    /// every API endpoint answers 401 (signed export downloads and the token endpoint carry their own credentials).
    /// </summary>
    [Fact]
    public async Task Every_api_endpoint_refuses_anonymous_callers_with_401()
    {
        var http = app.Client();
        var endpoints = HostileInputTests.Endpoints(app.Services)
            .Where(e => !e.Pattern.StartsWith("/o/token") && !e.Pattern.StartsWith("/exports"))
            .ToList();
        Assert.NotEmpty(endpoints);
        var wrong = new List<string>();
        foreach (var (method, pattern) in endpoints)
        {
            var url = System.Text.RegularExpressions.Regex.Replace(pattern, @"\{[^}]+\}", "CXc85b4rqinB7s5J52TRYb");
            using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), url), Ct);
            if ((int)response.StatusCode != 401) wrong.Add($"{method} {url} → {(int)response.StatusCode}");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task Every_endpoint_is_described_in_the_openapi_document_with_a_name_and_summary()
    {
        var (_, doc, _) = await app.Client().GetJsonAsync("/openapi/v1.json");
        var missing = new List<string>();
        foreach (var (method, pattern) in HostileInputTests.Endpoints(app.Services))
        {
            var operation = doc!["paths"]?[pattern]?[method.ToLowerInvariant()];
            if (operation is null) missing.Add($"{method} {pattern}: not documented");
            else if (operation["operationId"] is null || operation["summary"] is null) missing.Add($"{method} {pattern}: no name or summary");
        }
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }
}

public sealed class RouteTableTestsOnSqlite(SqliteApp app) : RouteTableTests(app), IClassFixture<SqliteApp>;
public sealed class RouteTableTestsOnPostgres(PostgresApp app) : RouteTableTests(app), IClassFixture<PostgresApp>;
