using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Dispensary;

/// <summary>Shorthands the dispensary suites share: import a case part, build transaction bodies.</summary>
internal static class DispensaryKit
{
    public const string PerformedAt = "2024-05-01T10:00:00Z";

    public static object Import(MintedCase c, int part, string packageUid, string posProductId = "POS-P1", string? sku = null) => sku is null
        ? new { case_uuid = c.CaseUuid, packaged_product_uuid = c.Parts[part].PackagedProductUuid, pos_product_id = posProductId, pos_inventory_id = "INV-" + packageUid, package_uid = packageUid }
        : new { case_uuid = c.CaseUuid, packaged_product_uuid = c.Parts[part].PackagedProductUuid, pos_product_id = posProductId, pos_inventory_id = "INV-" + packageUid, package_uid = packageUid, sku };

    public static async Task ImportAsync(this HttpClient dispensary, MintedCase c, int part, string packageUid)
    {
        var (status, _, raw) = await dispensary.PostJsonAsync("/api/v1.2/caseids/import/", Import(c, part, packageUid));
        Assert.True(status == 200, $"import → {status}: {raw}");
    }

    public static HttpContent EmptyJson() => new StringContent("{}", System.Text.Encoding.UTF8, "application/json");

    /// <summary>
    /// The v1.2 auth answers: no token → 401, bogus token → 401 "Invalid token.", brand client → 403
    /// (each on its own endpoint of the suite, so several routes are covered).
    /// </summary>
    public static async Task AssertDispensaryOnlyAsync(AppFixture app, string anonymousUrl, string bogusTokenUrl, string brandUrl)
    {
        var ct = TestContext.Current.CancellationToken;
        var http = app.Client();
        await Http.AssertDrfUnauthorizedAsync(await http.PostAsync(anonymousUrl, EmptyJson(), ct), "Authentication credentials were not provided.");
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "bogus");
        await Http.AssertDrfUnauthorizedAsync(await http.PostAsync(bogusTokenUrl, EmptyJson(), ct), "Invalid token.");
        var brand = await app.NewBrandAsync();
        var (status, raw) = await brand.Client.PostAsync(brandUrl, new { });
        Assert.Equal(403, status);
        Assert.Equal("""{"detail":"You do not have permission to perform this action."}""", raw);
    }

    public static object Sale(string orderId, params string[] items) => new { performed_at = PerformedAt, items, order_id = orderId };

    public static object Void(string orderId) => new { performed_at = PerformedAt, order_id = orderId };

    public static async Task<(int Status, string Raw)> PostAsync(this HttpClient client, string url, object body)
    {
        var (status, _, raw) = await client.PostJsonAsync(url, body);
        return (status, raw);
    }

    public static async Task<string> StateAsync(this HttpClient dispensary, string lucidId)
    {
        var (status, body, raw) = await dispensary.GetJsonAsync($"/api/v1.2/lucidids/{lucidId}/");
        Assert.True(status == 200, $"trace → {status}: {raw}");
        return (string)body!["state"]!;
    }
}

/// <summary>
/// The app on Kestrel at a free loopback port, over the same database as <paramref name="app"/>,
/// for tests that need truly parallel requests (the in-memory TestServer is not a real server).
/// Tokens issued through the fixture's app are valid here: they live in the shared database.
/// </summary>
internal sealed class LiveServer : WebApplicationFactory<Program>
{
    private readonly AppFixture _app;

    public LiveServer(AppFixture app)
    {
        _app = app;
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        AppFixture.UseTestSettings(builder, _app.Provider, _app.ConnectionString);
    }

    public HttpClient BearerClient(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
