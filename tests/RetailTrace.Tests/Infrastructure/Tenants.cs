using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace RetailTrace.Tests.Infrastructure;

public sealed record DispensaryTenant(string Uuid, string ClientId, string ClientSecret, HttpClient Client);
public sealed record BrandTenant(string BrandUuid, string ClientId, string ClientSecret, HttpClient Client);
public sealed record StoreTenant(string CompanyId, string ShopId, string FrontRoomId, string VaultId, string EmployeeId,
    string PartnerKey, string DeveloperKey, HttpClient Client);

/// <summary>Creates tenants through the admin API, with an authenticated client for each.</summary>
public static class Tenants
{
    public static async Task<DispensaryTenant> NewDispensaryAsync(this AppFixture app, bool exportEnabled = false, string timeZone = "UTC", string exportTime = "02:00")
    {
        var admin = app.AdminClient();
        var d = await Created(admin, "/admin/v1/dispensaries", new { name = "Dispensary " + Guid.NewGuid().ToString("N")[..6], time_zone = timeZone, export_time = exportTime, package_uid_export_enabled = exportEnabled });
        var c = await Created(admin, "/admin/v1/oauth-clients", new { name = "POS", dispensary_uuid = (string)d["uuid"]! });
        var client = await BearerClientAsync(app, (string)c["client_id"]!, (string)c["client_secret"]!);
        return new DispensaryTenant((string)d["uuid"]!, (string)c["client_id"]!, (string)c["client_secret"]!, client);
    }

    public static async Task<BrandTenant> NewBrandAsync(this AppFixture app)
    {
        var admin = app.AdminClient();
        var b = await Created(admin, "/admin/v1/brands", new { name = "Brand " + Guid.NewGuid().ToString("N")[..6] });
        var uuid = (string)b["uuid"]!;
        var c = await Created(admin, "/admin/v1/oauth-clients", new { name = "ERP", brand_uuids = new[] { uuid }, default_brand_uuid = uuid });
        var client = await BearerClientAsync(app, (string)c["client_id"]!, (string)c["client_secret"]!);
        return new BrandTenant(uuid, (string)c["client_id"]!, (string)c["client_secret"]!, client);
    }

    public static async Task<StoreTenant> NewStoreAsync(this AppFixture app, string? companyId = null)
    {
        var admin = app.AdminClient();
        companyId ??= (string)(await Created(admin, "/admin/v1/companies", new { name = "Company" }))["id"]!;
        var shopId = (string)(await Created(admin, "/admin/v1/shops", new { company_id = companyId, name = "Shop" }))["id"]!;
        var front = (string)(await Created(admin, "/admin/v1/inventories", new { shop_id = shopId, name = "Front Room" }))["id"]!;
        var vault = (string)(await Created(admin, "/admin/v1/inventories", new { shop_id = shopId, name = "Vault" }))["id"]!;
        var employee = (string)(await Created(admin, "/admin/v1/employees", new { company_id = companyId, first_name = "Ada", last_name = "Budtender" }))["id"]!;
        var partnerKey = (string)(await Created(admin, "/admin/v1/partners", new { name = "Partner" }))["partner_key"]!;
        var devKey = (string)(await Created(admin, "/admin/v1/developer-keys", new { shop_id = shopId }))["developer_key"]!;
        var client = app.Client();
        client.DefaultRequestHeaders.Add("partner_key", partnerKey);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", devKey);
        return new StoreTenant(companyId, shopId, front, vault, employee, partnerKey, devKey, client);
    }

    public static async Task<string> TokenAsync(AppFixture app, string clientId, string secret)
    {
        var http = app.Client();
        using var response = await http.PostAsync("/o/token/", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
        }), TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        return (string)body["access_token"]!;
    }

    public static async Task<HttpClient> BearerClientAsync(AppFixture app, string clientId, string secret)
    {
        var client = app.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(app, clientId, secret));
        return client;
    }

    public static async Task<JsonNode> Created(HttpClient admin, string url, object body)
    {
        var (status, json, raw) = await admin.PostJsonAsync(url, body);
        Assert.True(status == 201, $"POST {url} → {status}: {raw}");
        return json!;
    }
}
