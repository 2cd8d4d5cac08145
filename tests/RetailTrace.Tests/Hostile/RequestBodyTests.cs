using System.Net.Http.Headers;
using System.Text;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Hostile;

/// <summary>The exact answer of each family to each kind of input the request body guard refuses (DECISIONS.md, issue 22 item 5).</summary>
public abstract class RequestBodyTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private const string InvalidArg = "com.fourtwenty.core.exceptions.BlazeInvalidArgException";

    [Theory]
    [InlineData("text/plain", "{}", 415, """{"detail":"Unsupported media type \"text/plain\" in request."}""")]
    [InlineData("application/json", """{"order_id":"a\u0000b"}""", 400, """{"order_id":["Null characters are not allowed."]}""")]
    [InlineData("application/json", """{"order_id":"\ud800"}""", 400, """{"order_id":["Invalid Unicode text (invalid UTF-8 or an unpaired surrogate)."]}""")]
    [InlineData("application/json", """{"order_id":"a","order_id":"b"}""", 400, """{"detail":"JSON parse error - Duplicate key \"order_id\"."}""")]
    [InlineData("application/json", """{"items":[1e400]}""", 400, """{"items":["A number is out of range."]}""")]
    public async Task Lucid_writes_refuse_hostile_bodies_in_drf_shape(string contentType, string body, int status, string expected)
    {
        var client = (await app.NewDispensaryAsync()).Client;
        Assert.Equal((status, expected), await SendAsync(client, HttpMethod.Post, "/api/v1.2/transactions/complete/", body, contentType));
    }

    [Fact]
    public async Task A_string_longer_than_its_family_allows_is_refused_naming_the_field()
    {
        // 32 KiB on the LucidGreen and store APIs, 64 KiB on the admin API; exactly the limit passes the guard to the field's own rule.
        var client = (await app.NewDispensaryAsync()).Client;
        string Sale(int length) => $$"""{"performed_at":"2024-05-01T10:00:00Z","items":["CXc85b4rqinB7s5J52TRYb"],"order_id":"{{new string('x', length)}}"}""";
        Assert.Equal((400, """{"order_id":["A string is longer than 32768 bytes."]}"""),
            await SendAsync(client, HttpMethod.Post, "/api/v1.2/transactions/complete/", Sale(32 * 1024 + 1), "application/json"));
        Assert.Equal((400, """{"order_id":["Ensure this field has no more than 255 characters."]}"""),
            await SendAsync(client, HttpMethod.Post, "/api/v1.2/transactions/complete/", Sale(32 * 1024), "application/json"));

        var (status, raw) = await SendAsync(app.AdminClient(), HttpMethod.Post, "/admin/v1/brands", $$"""{"name":"{{new string('n', 64 * 1024 + 1)}}"}""", "application/json");
        Assert.Equal(400, status);
        Assert.Contains("""
            "errors":{"name":["A string is longer than 65536 bytes."]}
            """, raw);
    }

    [Fact]
    public async Task Lucid_writes_refuse_nesting_deeper_than_16()
    {
        var client = (await app.NewDispensaryAsync()).Client;
        var (status, raw) = await SendAsync(client, HttpMethod.Post, "/api/v1.2/transactions/complete/", "{\"items\":" + new string('[', 16) + new string(']', 16) + "}", "application/json");
        Assert.Equal(400, status);
        Assert.StartsWith("""{"detail":"JSON parse error - The maximum configured depth of 16 has been exceeded.""", raw);
    }

    [Fact]
    public async Task Lucid_writes_refuse_invalid_utf8_naming_the_field()
    {
        var client = (await app.NewDispensaryAsync()).Client;
        byte[] body = [.. "{\"order_id\":\""u8, 0xC3, 0x28, .. "\"}"u8];
        Assert.Equal((400, """{"order_id":["Invalid Unicode text (invalid UTF-8 or an unpaired surrogate)."]}"""),
            await SendAsync(client, HttpMethod.Post, "/api/v1.2/transactions/complete/", body, "application/json"));
    }

    [Theory]
    [InlineData("text/plain", "{}", 415, "request", "Unsupported media type.")]
    [InlineData("application/json", """{"fromInventoryId":"a","fromInventoryId":"b"}""", 400, "request", "Duplicate key \\u0022fromInventoryId\\u0022.")]
    [InlineData("application/json", """{"currentEmployeeId":"\u0000"}""", 400, "currentEmployeeId", "Null characters are not allowed.")]
    [InlineData("application/json", """{"transferLogs":[""", 400, "request", "The request body is not valid JSON.")]
    public async Task Store_writes_refuse_hostile_bodies_in_blaze_shape(string contentType, string body, int status, string field, string message)
    {
        var client = (await app.NewStoreAsync()).Client;
        Assert.Equal((status, $$"""{"field":"{{field}}","message":"{{message}}","errorType":"{{InvalidArg}}","references":null}"""),
            await SendAsync(client, HttpMethod.Post, "/api/v1/partner/store/batches/transferInventory", body, contentType));
    }

    [Fact]
    public async Task Admin_writes_refuse_a_lone_surrogate_as_a_validation_problem()
    {
        var (status, raw) = await SendAsync(app.AdminClient(), HttpMethod.Post, "/admin/v1/brands", """{"name":"\udc00"}""", "application/json");
        Assert.Equal(400, status);
        Assert.Contains("""
            "errors":{"name":["Invalid Unicode text (invalid UTF-8 or an unpaired surrogate)."]}
            """, raw);
    }

    [Fact]
    public async Task Nul_in_a_query_is_refused_in_the_family_shape()
    {
        var brand = (await app.NewBrandAsync()).Client;
        Assert.Equal((400, """{"detail":"Null characters are not allowed."}"""), await SendAsync(brand, HttpMethod.Get, "/api/v1.5/batches/?page=%00", (byte[]?)null, null));
    }

    [Theory]
    // The URL-encoded form reader refuses a decoded NUL itself; a multipart field carries it raw.
    [InlineData("application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=%00&client_secret=x", """{"error":"invalid_request","error_description":"The form body is malformed or has too many fields."}""")]
    [InlineData("multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\na\u0000b\r\n--xyz--\r\n", """{"error":"invalid_request","error_description":"Null characters are not allowed."}""")]
    [InlineData("multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data\r\n\r\nnot a part", """{"error":"invalid_request","error_description":"The form body is malformed or has too many fields."}""")]
    public async Task The_token_endpoint_refuses_hostile_forms_with_an_oauth_error(string contentType, string body, string expected)
    {
        var (status, raw) = await SendAsync(app.Client(), HttpMethod.Post, "/o/token/", body, contentType);
        Assert.Equal(expected, raw);
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task The_token_endpoint_refuses_a_nul_in_http_basic_credentials()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/o/token/")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("a%00b:secret")));
        using var response = await app.Client().SendAsync(request, Ct);
        Assert.Equal((400, """{"error":"invalid_request","error_description":"Null characters are not allowed."}"""),
            ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct)));
    }

    [Fact]
    public async Task The_token_endpoint_refuses_more_than_100_form_fields()
    {
        var body = "grant_type=client_credentials&" + string.Join("&", Enumerable.Range(0, 200).Select(i => $"f{i}=x"));
        Assert.Equal((400, """{"error":"invalid_request","error_description":"The form body is malformed or has too many fields."}"""),
            await SendAsync(app.Client(), HttpMethod.Post, "/o/token/", body, "application/x-www-form-urlencoded"));
    }

    [Fact]
    public async Task A_download_link_with_a_repeated_parameter_is_not_valid()
    {
        var (status, raw) = await SendAsync(app.Client(), HttpMethod.Get, "/exports/some/key.json?expires=1&expires=2&signature=ab&signature=cd", (byte[]?)null, null);
        Assert.Equal(403, status);
        Assert.Contains("This download link is not valid.", raw);
    }

    [Fact]
    public async Task A_lucid_body_over_256_kb_is_refused_with_413_unread()
    {
        var client = (await app.NewDispensaryAsync()).Client;
        var body = "{\"order_id\":\"" + new string('x', 256 * 1024) + "\"}";
        Assert.Equal((413, """{"detail":"Request body is too large."}"""), await SendAsync(client, HttpMethod.Post, "/api/v1.2/transactions/complete/", body, "application/json"));
    }

    private static Task<(int, string)> SendAsync(HttpClient client, HttpMethod method, string url, string? body, string? contentType) =>
        SendAsync(client, method, url, body is null ? null : Encoding.UTF8.GetBytes(body), contentType);

    private static async Task<(int, string)> SendAsync(HttpClient client, HttpMethod method, string url, byte[]? body, string? contentType)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = new ByteArrayContent(body) { Headers = { ContentType = MediaTypeHeaderValue.Parse(contentType!) } };
        using var response = await client.SendAsync(request, Ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }
}

public sealed class RequestBodyTestsOnSqlite(SqliteApp app) : RequestBodyTests(app), IClassFixture<SqliteApp>;
public sealed class RequestBodyTestsOnPostgres(PostgresApp app) : RequestBodyTests(app), IClassFixture<PostgresApp>;
