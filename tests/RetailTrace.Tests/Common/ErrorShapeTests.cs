using System.Text;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Common;

public abstract class ErrorShapeTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/api/v1.2/no-such-thing/")]
    [InlineData("/api/v1.5/no/such/thing/")]
    public async Task Unknown_lucid_routes_are_drf_404(string url)
    {
        var (status, body, _) = await app.Client().GetJsonAsync(url);
        Assert.Equal(404, status);
        Assert.Equal("""{"detail":"Not found."}""", body.Json());
    }

    [Fact]
    public async Task Unknown_store_route_is_blaze_404()
    {
        var (status, body, _) = await app.Client().GetJsonAsync("/api/v1/partner/store/nothing-here");
        Assert.Equal(404, status);
        Assert.Equal("""{"field":"path","message":"Resource not found.","errorType":"com.fourtwenty.core.exceptions.BlazeNotFoundException","references":null}""", body.Json());
    }

    [Fact]
    public async Task Wrong_method_on_admin_route_is_problem_405()
    {
        var (status, body, _) = await app.AdminClient().SendAsync(HttpMethod.Delete, "/admin/v1/brands");
        Assert.Equal(405, status);
        Assert.Equal(405, (int)body!["status"]!);
    }

    [Theory]
    [InlineData("DELETE", "/api/v1.2/transactions/complete/", "POST", """{"detail":"Method \"DELETE\" not allowed."}""")]
    [InlineData("PUT", "/api/v1.5/batches/create/", "GET, POST", """{"detail":"Method \"PUT\" not allowed."}""")]
    [InlineData("POST", "/api/v1.5/batches/CXc85b4rqinB7s5J52TRYb/update/", "PATCH, PUT", """{"detail":"Method \"POST\" not allowed."}""")]
    [InlineData("DELETE", "/api/v1/partner/store/batches/transferInventory", "POST", """{"field":"request","message":"Method DELETE is not allowed.","errorType":"com.fourtwenty.core.exceptions.BlazeInvalidArgException","references":null}""")]
    public async Task Wrong_method_on_api_route_is_405_with_allow_and_family_body(string method, string url, string allow, string expected)
    {
        using var response = await app.Client().SendAsync(new HttpRequestMessage(new HttpMethod(method), url), Ct);
        Assert.Equal(405, (int)response.StatusCode);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow.Order(StringComparer.Ordinal)));
        Assert.Equal(expected, await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("/api/v1.2/caseids/import/", """{"detail":"Bad request."}""")]
    [InlineData("/api/v1/partner/store/batches", """{"field":"request","message":"Bad request.","errorType":"com.fourtwenty.core.exceptions.BlazeInvalidArgException","references":null}""")]
    [InlineData("/o/token/", """{"error":"invalid_request"}""")]
    public async Task A_host_that_is_not_allowed_is_refused_with_the_familys_body(string url, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Host = "evil.example";
        using var response = await app.Client().SendAsync(request, Ct);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(expected, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_host_that_is_not_allowed_is_refused_on_the_admin_api_with_a_problem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/brands");
        request.Headers.Host = "evil.example";
        using var response = await app.AdminClient().SendAsync(request, Ct);
        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal((400, "application/problem+json"), ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType));
        Assert.Equal((400, "Bad Request"), ((int)body["status"]!, (string?)body["title"]));
    }

    [Theory]
    [InlineData("/api/v1.2/transactions/complete/", """{"detail":"Request body is too large."}""")]
    [InlineData("/api/v1/partner/store/batches/transferInventory", """{"field":"request","message":"Request body is too large.","errorType":"com.fourtwenty.core.exceptions.BlazeInvalidArgException","references":null}""")]
    public async Task Bodies_over_10_MiB_are_refused_with_413_unread(string url, string expected)
    {
        var big = new string('x', 10 * 1024 * 1024 + 1);
        using var response = await app.Client().PostAsync(url, new StringContent(big, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(413, (int)response.StatusCode);
        Assert.Equal(expected, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Admin_malformed_json_is_problem_400()
    {
        var (status, body, raw) = await app.AdminClient().PostRawAsync("/admin/v1/brands", "{\"name\":");
        Assert.Equal(400, status);
        Assert.Equal(400, (int)body!["status"]!);
        Assert.DoesNotContain("Exception", raw);
    }

    [Fact]
    public async Task Health_endpoints_answer()
    {
        var http = app.Client();
        Assert.Equal((200, """{"status":"ok"}"""), await Get(http, "/healthz"));
        Assert.Equal((200, """{"status":"ready"}"""), await Get(http, "/readyz"));
    }

    [Fact]
    public async Task OpenApi_document_and_docs_page_are_served()
    {
        var http = app.Client();
        var (status, body, _) = await http.GetJsonAsync("/openapi/v1.json");
        Assert.Equal(200, status);
        Assert.NotNull(body!["paths"]!["/o/token/"]!["post"]!["requestBody"]!["content"]!["application/x-www-form-urlencoded"]);
        Assert.NotNull(body["paths"]!["/admin/v1/oauth-clients"]);
        using var docs = await http.GetAsync("/docs/index.html", Ct);
        Assert.Equal(200, (int)docs.StatusCode);
        Assert.Contains("swagger", await docs.Content.ReadAsStringAsync(Ct), StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<(int, string)> Get(HttpClient http, string url)
    {
        var (status, _, raw) = await http.GetJsonAsync(url);
        return (status, raw);
    }
}

public sealed class ErrorShapeTestsOnSqlite(SqliteApp app) : ErrorShapeTests(app), IClassFixture<SqliteApp>;
public sealed class ErrorShapeTestsOnPostgres(PostgresApp app) : ErrorShapeTests(app), IClassFixture<PostgresApp>;
