using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Auth;

public abstract class AuthTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private async Task<(int Status, string Body, HttpResponseMessage Response)> TokenAsync(Dictionary<string, string> form, AuthenticationHeaderValue? auth = null)
    {
        var http = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/o/token/") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = auth;
        var response = await http.SendAsync(request, Ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response);
    }

    [Fact]
    public async Task Client_credentials_in_the_form_issue_a_bearer_token()
    {
        var d = await app.NewDispensaryAsync();
        var (status, body, _) = await TokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = d.ClientId, ["client_secret"] = d.ClientSecret });
        Assert.Equal(200, status);
        var json = JsonNode.Parse(body)!.AsObject();
        Assert.Equal(["access_token", "token_type", "expires_in", "scope"], json.Select(p => p.Key));
        Assert.Equal("Bearer", (string)json["token_type"]!);
        Assert.Equal(36000, (int)json["expires_in"]!);
        Assert.Equal("read write", (string)json["scope"]!);
        Assert.True(((string)json["access_token"]!).Length >= 32);
    }

    [Fact]
    public async Task Client_credentials_via_http_basic_issue_a_token()
    {
        var b = await app.NewBrandAsync();
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{b.ClientId}:{b.ClientSecret}")));
        var (status, body, _) = await TokenAsync(new() { ["grant_type"] = "client_credentials" }, basic);
        Assert.Equal(200, status);
        Assert.NotNull(JsonNode.Parse(body)!["access_token"]);
    }

    [Fact]
    public async Task Wrong_secret_is_invalid_client()
    {
        var d = await app.NewDispensaryAsync();
        var (status, body, _) = await TokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = d.ClientId, ["client_secret"] = "nope" });
        Assert.Equal(401, status);
        Assert.Equal("""{"error":"invalid_client"}""", body);
    }

    [Fact]
    public async Task Unknown_client_is_invalid_client()
    {
        var (status, body, response) = await TokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = "ghost", ["client_secret"] = "x" });
        Assert.Equal(401, status);
        Assert.Equal("""{"error":"invalid_client"}""", body);
        Assert.Equal("Basic realm=\"api\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task A_wrong_secret_over_http_basic_is_answered_with_the_basic_challenge()
    {
        // RFC 6749 §5.2: a client that authenticated with the Authorization header gets 401 with WWW-Authenticate for its scheme.
        var d = await app.NewDispensaryAsync();
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{d.ClientId}:wrong")));
        var (status, body, response) = await TokenAsync(new() { ["grant_type"] = "client_credentials" }, basic);
        Assert.Equal((401, """{"error":"invalid_client"}"""), (status, body));
        Assert.Equal("Basic realm=\"api\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Another_authorization_scheme_on_the_apis_is_no_credentials_as_in_drf()
    {
        var d = await app.NewDispensaryAsync();
        var http = app.Client();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{d.ClientId}:{d.ClientSecret}")));
        using var response = await http.GetAsync("/api/v1.2/lucidids/CXc85b4rqinB7s5J52TRYb/", Ct);
        Assert.Equal((401, """{"detail":"Authentication credentials were not provided."}"""), ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct)));
        Assert.Equal("Bearer realm=\"api\"", response.Headers.WwwAuthenticate.ToString());
        // "Bearer" with no token is a token sent wrong.
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer");
        using var empty = await http.GetAsync("/api/v1.5/batches/", Ct);
        Assert.Equal((401, """{"detail":"Invalid token."}"""), ((int)empty.StatusCode, await empty.Content.ReadAsStringAsync(Ct)));
    }

    [Fact]
    public async Task Other_grant_types_are_unsupported()
    {
        var d = await app.NewDispensaryAsync();
        var (status, body, _) = await TokenAsync(new() { ["grant_type"] = "password", ["client_id"] = d.ClientId, ["client_secret"] = d.ClientSecret });
        Assert.Equal(400, status);
        Assert.Equal("""{"error":"unsupported_grant_type"}""", body);
    }

    [Fact]
    public async Task A_json_token_request_is_invalid_request()
    {
        var (status, body, _) = await app.Client().PostJsonAsync("/o/token/", new { grant_type = "client_credentials" });
        Assert.Equal(400, status);
        Assert.Equal("invalid_request", (string)body!["error"]!);
    }

    [Fact]
    public async Task Revoked_client_gets_no_new_tokens()
    {
        var b = await app.NewBrandAsync();
        var (status, _, _) = await app.AdminClient().PostJsonAsync($"/admin/v1/oauth-clients/{b.ClientId}/revoke");
        Assert.Equal(204, status);
        var (tokenStatus, _, _) = await TokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = b.ClientId, ["client_secret"] = b.ClientSecret });
        Assert.Equal(401, tokenStatus);
    }

    [Fact]
    public async Task Admin_api_requires_the_admin_token()
    {
        var http = app.Client();
        var (status, body, _) = await http.PostJsonAsync("/admin/v1/brands", new { name = "x" });
        Assert.Equal(401, status);
        Assert.Equal(401, (int)body!["status"]!);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
        (status, _, _) = await http.PostJsonAsync("/admin/v1/brands", new { name = "x" });
        Assert.Equal(401, status);
    }
}

public sealed class AuthTestsOnSqlite(SqliteApp app) : AuthTests(app), IClassFixture<SqliteApp>;
public sealed class AuthTestsOnPostgres(PostgresApp app) : AuthTests(app), IClassFixture<PostgresApp>;
