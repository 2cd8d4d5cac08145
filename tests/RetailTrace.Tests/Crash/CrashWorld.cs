using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Crash;

/// <summary>Tenants and stock arranged through the HTTP API of a real server process.</summary>
public static class CrashWorld
{
    public static HttpClient Admin(this ServerProcess server)
    {
        var http = server.Client();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AppFixture.AdminToken);
        return http;
    }

    public static async Task<JsonNode> CreatedAsync(this HttpClient http, string url, object body)
    {
        var (status, json, raw) = await http.PostJsonAsync(url, body);
        Assert.True(status is 200 or 201, $"POST {url} → {status}: {raw}");
        return json!;
    }

    public static async Task<HttpClient> BearerAsync(this ServerProcess server, JsonNode oauthClient)
    {
        var http = server.Client();
        using var response = await http.PostAsync("/o/token/", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = (string)oauthClient["client_id"]!, ["client_secret"] = (string)oauthClient["client_secret"]!,
        }), TestContext.Current.CancellationToken);
        var token = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)token["access_token"]!);
        return http;
    }

    /// <summary>A brand with a minted case of <paramref name="units"/> LucidIDs, imported by a new dispensary under PKG-1.</summary>
    public static async Task<(string Dispensary, HttpClient Pos, List<string> LucidIds)> StockedDispensaryAsync(this ServerProcess server, int units)
    {
        var admin = server.Admin();
        var brand = (string)(await admin.CreatedAsync("/admin/v1/brands", new { name = "Crash Brand" }))["uuid"]!;
        var erp = await server.BearerAsync(await admin.CreatedAsync("/admin/v1/oauth-clients", new { name = "ERP", brand_uuids = new[] { brand }, default_brand_uuid = brand }));
        var product = (string)(await erp.CreatedAsync("/api/v1.5/products/create/", new { name = "Gummies" }))["uuid"]!;
        var batch = (string)(await erp.CreatedAsync("/api/v1.5/batches/create/", new { name = "Batch" }))["uuid"]!;
        var packaged = (string)(await erp.CreatedAsync($"/api/v1.5/batches/{batch}/packaged-products/", new { product_uuid = product }))["uuid"]!;
        var minted = await erp.CreatedAsync("/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = packaged, quantity = units } } });
        var dispensary = (string)(await admin.CreatedAsync("/admin/v1/dispensaries", new { name = "Crash Dispensary" }))["uuid"]!;
        var pos = await server.BearerAsync(await admin.CreatedAsync("/admin/v1/oauth-clients", new { name = "POS", dispensary_uuid = dispensary }));
        await pos.CreatedAsync("/api/v1.2/caseids/import/", new
        {
            case_uuid = (string)minted["case_uuid"]!, packaged_product_uuid = packaged, pos_product_id = "POS-1", pos_inventory_id = "INV-1", package_uid = "PKG-1", sku = "SKU-1",
        });
        return (dispensary, pos, minted["contents"]![0]!["lucid_ids"]!.AsArray().Select(n => (string)n!).ToList());
    }
}
