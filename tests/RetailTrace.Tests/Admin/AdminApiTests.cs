using System.Net.Http.Json;
using System.Text.Json.Nodes;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Admin;

public abstract class AdminApiTests(AppFixture app)
{
    [Fact]
    public async Task Creates_a_dispensary_with_defaults_and_patches_its_export_settings()
    {
        var admin = app.AdminClient();
        var created = await Tenants.Created(admin, "/admin/v1/dispensaries", new { name = "Green Door" });
        var uuid = (string)created["uuid"]!;
        Assert.Matches("^[2-9A-HJ-NP-Za-km-z]{22}$", uuid);
        Assert.Equal($$"""{"uuid":"{{uuid}}","name":"Green Door","time_zone":"UTC","package_uid_export_enabled":false,"export_time":"02:00"}""", created.Json());

        var (status, body, _) = await admin.SendAsync(HttpMethod.Patch, $"/admin/v1/dispensaries/{uuid}",
            new { package_uid_export_enabled = true, time_zone = "America/Los_Angeles", export_time = "03:30" });
        Assert.Equal(200, status);
        Assert.Equal($$"""{"uuid":"{{uuid}}","name":"Green Door","time_zone":"America/Los_Angeles","package_uid_export_enabled":true,"export_time":"03:30"}""", body.Json());
    }

    [Fact]
    public async Task Rejects_bad_dispensary_settings_with_a_validation_problem()
    {
        var (status, body, _) = await app.AdminClient().PostJsonAsync("/admin/v1/dispensaries", new { name = "", time_zone = "Mars/Olympus", export_time = "25:00" });
        Assert.Equal(400, status);
        var errors = body!["errors"]!.AsObject();
        Assert.Equal(["name", "time_zone", "export_time"], errors.Select(e => e.Key));
    }

    [Theory]
    [InlineData("7:30")]
    [InlineData("07:3")]
    [InlineData("0730")]
    [InlineData("24:00")]
    public async Task Export_time_is_exactly_HH_MM_on_create_and_update(string exportTime)
    {
        var admin = app.AdminClient();
        var (status, body, _) = await admin.PostJsonAsync("/admin/v1/dispensaries", new { name = "D", export_time = exportTime });
        Assert.Equal(400, status);
        Assert.Equal("""{"export_time":["Use HH:MM (24-hour, local time)."]}""", body!["errors"].Json());

        var uuid = (string)(await Tenants.Created(admin, "/admin/v1/dispensaries", new { name = "D", export_time = "07:30" }))["uuid"]!;
        (status, body, _) = await admin.SendAsync(HttpMethod.Patch, $"/admin/v1/dispensaries/{uuid}", new { export_time = exportTime });
        Assert.Equal(400, status);
        Assert.Equal("""{"export_time":["Use HH:MM (24-hour, local time)."]}""", body!["errors"].Json());
    }

    [Theory]
    [InlineData("POST", "/admin/v1/brands", """{"name":5}""", "name", "Must be a string.")]
    [InlineData("POST", "/admin/v1/dispensaries", """{"name":"D","package_uid_export_enabled":"yes"}""", "package_uid_export_enabled", "Must be true or false.")]
    [InlineData("POST", "/admin/v1/oauth-clients", """{"name":"C","brand_uuids":"B"}""", "brand_uuids", "Must be an array.")]
    [InlineData("POST", "/admin/v1/webhook-endpoints/", """{"url":"https://example.com/hook","events":["x",2]}""", "events[1]", "Must be a string.")]
    [InlineData("PUT", "/admin/v1/store/batch-quantities", """{"quantity":"52"}""", "quantity", "Must be a number.")]
    public async Task A_body_field_of_the_wrong_JSON_type_is_named_with_the_type_it_wants(string method, string url, string body, string field, string message)
    {
        var (status, problem, raw) = await app.AdminClient().SendAsync(new HttpMethod(method), url, rawBody: body);
        Assert.Equal(400, status);
        Assert.Equal($$"""{"{{field}}":["{{message}}"]}""", problem!["errors"].Json());
        Assert.Empty((await app.ContractAsync()).Check(method, url, 400, "application/problem+json", raw));
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"Brand\"")]
    public async Task A_body_that_is_not_an_object_is_refused_saying_so(string body)
    {
        var (status, problem, _) = await app.AdminClient().SendAsync(HttpMethod.Post, "/admin/v1/brands", rawBody: body);
        Assert.Equal(400, status);
        problem!.AsObject().Remove("trace_id");
        Assert.Equal("""{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"Bad Request","status":400,"detail":"The request body must be a JSON object."}""", problem.Json());
    }

    [Fact]
    public async Task Patching_an_unknown_dispensary_is_404()
    {
        var (status, _, _) = await app.AdminClient().SendAsync(HttpMethod.Patch, "/admin/v1/dispensaries/2222222222222222222222", new { name = "x" });
        Assert.Equal(404, status);
    }

    [Fact]
    public async Task Brand_client_needs_known_brands_and_a_default_among_them()
    {
        var admin = app.AdminClient();
        var b1 = (string)(await Tenants.Created(admin, "/admin/v1/brands", new { name = "B1" }))["uuid"]!;
        var b2 = (string)(await Tenants.Created(admin, "/admin/v1/brands", new { name = "B2" }))["uuid"]!;
        var ok = await Tenants.Created(admin, "/admin/v1/oauth-clients", new { name = "ERP", brand_uuids = new[] { b1, b2 }, default_brand_uuid = b2 });
        Assert.Equal("brand", (string)ok["kind"]!);
        Assert.Equal(b2, (string)ok["default_brand_uuid"]!);
        Assert.NotEmpty((string)ok["client_secret"]!);

        // With one brand the default is that brand; with several it must be named, and be one of them.
        var single = await Tenants.Created(admin, "/admin/v1/oauth-clients", new { name = "ERP", brand_uuids = new[] { b1 } });
        Assert.Equal(b1, (string)single["default_brand_uuid"]!);
        foreach (var refused in new object[] { new { name = "ERP", brand_uuids = new[] { b1 }, default_brand_uuid = b2 }, new { name = "ERP", brand_uuids = new[] { b1, b2 } } })
        {
            var (refusedStatus, refusedBody, _) = await admin.PostJsonAsync("/admin/v1/oauth-clients", refused);
            Assert.Equal(400, refusedStatus);
            Assert.Equal("""{"default_brand_uuid":["The default brand must be one of brand_uuids."]}""", refusedBody!["errors"].Json());
        }
        var (status, body, _) = await admin.PostJsonAsync("/admin/v1/oauth-clients", new { name = "ERP", dispensary_uuid = "2222222222222222222222" });
        Assert.Equal(400, status);
        Assert.Equal("""{"dispensary_uuid":["Unknown dispensary."]}""", body!["errors"].Json());
    }

    [Fact]
    public async Task Store_tenants_chain_company_shop_room_employee_and_keys()
    {
        var s = await app.NewStoreAsync();
        Assert.Matches("^[0-9a-f]{24}$", s.CompanyId);
        Assert.Matches("^[0-9a-f]{24}$", s.ShopId);
        Assert.NotEqual(s.FrontRoomId, s.VaultId);
        Assert.NotEmpty(s.PartnerKey);
        Assert.NotEmpty(s.DeveloperKey);
    }

    [Fact]
    public async Task Store_tenant_references_must_exist()
    {
        var admin = app.AdminClient();
        var (status, body, _) = await admin.PostJsonAsync("/admin/v1/shops", new { company_id = "000000000000000000000000", name = "x" });
        Assert.Equal(400, status);
        Assert.NotNull(body!["errors"]!["company_id"]);
        (status, body, _) = await admin.PostJsonAsync("/admin/v1/developer-keys", new { shop_id = "000000000000000000000000" });
        Assert.Equal(400, status);
        Assert.NotNull(body!["errors"]!["shop_id"]);
    }

    /// <summary>POSTs <paramref name="body"/> and returns where the 201 says the new resource is, with its body.</summary>
    private async Task<(string Location, JsonObject Body)> CreateAsync(HttpClient admin, string url, object body)
    {
        using var response = await admin.PostAsJsonAsync(url, body, TestContext.Current.CancellationToken);
        var raw = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True((int)response.StatusCode == 201, $"POST {url} → {(int)response.StatusCode}: {raw}");
        return (response.Headers.Location!.OriginalString, JsonNode.Parse(raw)!.AsObject());
    }

    [Fact]
    public async Task Every_created_resource_is_read_back_at_its_location_without_its_secret()
    {
        var admin = app.AdminClient();
        var (brand, brandBody) = await CreateAsync(admin, "/admin/v1/brands", new { name = "Bud Co" });
        var (dispensary, dispensaryBody) = await CreateAsync(admin, "/admin/v1/dispensaries", new { name = "Green Door", time_zone = "America/Denver" });
        var (client, clientBody) = await CreateAsync(admin, "/admin/v1/oauth-clients", new { name = "ERP", brand_uuids = new[] { (string)brandBody["uuid"]! } });
        var (company, companyBody) = await CreateAsync(admin, "/admin/v1/companies", new { name = "Company" });
        var (shop, shopBody) = await CreateAsync(admin, "/admin/v1/shops", new { company_id = (string)companyBody["id"]!, name = "Shop" });
        var (room, roomBody) = await CreateAsync(admin, "/admin/v1/inventories", new { shop_id = (string)shopBody["id"]!, name = "Vault" });
        var (employee, employeeBody) = await CreateAsync(admin, "/admin/v1/employees", new { company_id = (string)companyBody["id"]!, first_name = "Ada", last_name = "Lovelace" });
        var (partner, partnerBody) = await CreateAsync(admin, "/admin/v1/partners", new { name = "Partner" });
        var (key, keyBody) = await CreateAsync(admin, "/admin/v1/developer-keys", new { shop_id = (string)shopBody["id"]! });

        Assert.Equal($"/admin/v1/brands/{brandBody["uuid"]}", brand);
        foreach (var (location, created) in new[] { (brand, brandBody), (dispensary, dispensaryBody), (company, companyBody), (shop, shopBody), (room, roomBody), (employee, employeeBody) })
        {
            var (status, _, raw) = await admin.GetJsonAsync(location);
            Assert.Equal((200, created.Json()), (status, raw));
        }
        async Task<string> ReadBackAsync(string location) => (await admin.GetJsonAsync(location)) is (200, _, var raw) ? raw : $"not 200: {location}";
        string Shown(JsonObject created, string secret, bool revoked)
        {
            var shown = created.DeepClone().AsObject();
            shown.Remove(secret);
            shown["revoked"] = revoked;
            return shown.Json();
        }
        Assert.Equal(Shown(clientBody, "client_secret", false), await ReadBackAsync(client));
        Assert.Equal(Shown(partnerBody, "partner_key", false), await ReadBackAsync(partner));
        Assert.Equal(Shown(keyBody, "developer_key", false), await ReadBackAsync(key));

        foreach (var location in new[] { client, partner, key })
            Assert.Equal(204, (await admin.SendAsync(HttpMethod.Post, location + "/revoke")).Status);
        Assert.Equal(Shown(clientBody, "client_secret", true), await ReadBackAsync(client));
        Assert.Equal(Shown(partnerBody, "partner_key", true), await ReadBackAsync(partner));
        Assert.Equal(Shown(keyBody, "developer_key", true), await ReadBackAsync(key));
    }

    [Theory]
    [InlineData("brands/2222222222222222222222", "Brand")]
    [InlineData("brands/not-a-short-uuid", "Brand")]
    [InlineData("dispensaries/2222222222222222222222", "Dispensary")]
    [InlineData("oauth-clients/nobody", "OAuth client")]
    [InlineData("companies/000000000000000000000000", "Company")]
    [InlineData("shops/000000000000000000000000", "Shop")]
    [InlineData("inventories/000000000000000000000000", "Inventory")]
    [InlineData("employees/000000000000000000000000", "Employee")]
    [InlineData("partners/000000000000000000000000", "Partner")]
    [InlineData("developer-keys/000000000000000000000000", "Developer key")]
    public async Task Reading_an_unknown_resource_is_a_404_problem_naming_it(string path, string what)
    {
        var (status, problem, _) = await app.AdminClient().GetJsonAsync("/admin/v1/" + path);
        Assert.Equal(404, status);
        problem!.AsObject().Remove("trace_id");
        Assert.Equal($$"""{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.5","title":"Not Found","status":404,"detail":"{{what}} not found."}""", problem.Json());
    }

    [Fact]
    public async Task Secrets_are_stored_only_as_hashes()
    {
        var d = await app.NewDispensaryAsync();
        var s = await app.NewStoreAsync();
        await app.WithDbAsync(async db =>
        {
            var client = db.OAuthClients.Single(c => c.ClientId == d.ClientId);
            Assert.NotEqual(d.ClientSecret, client.SecretHash);
            Assert.Equal(RetailTrace.Common.Secrets.Hash(d.ClientSecret), client.SecretHash);
            Assert.DoesNotContain(db.DeveloperKeys, k => k.KeyHash == s.DeveloperKey);
            Assert.Contains(db.DeveloperKeys, k => k.KeyHash == RetailTrace.Common.Secrets.Hash(s.DeveloperKey));
            await Task.CompletedTask;
        });
    }
}

public sealed class AdminApiTestsOnSqlite(SqliteApp app) : AdminApiTests(app), IClassFixture<SqliteApp>;
public sealed class AdminApiTestsOnPostgres(PostgresApp app) : AdminApiTests(app), IClassFixture<PostgresApp>;
