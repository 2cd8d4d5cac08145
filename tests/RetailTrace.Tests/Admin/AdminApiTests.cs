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

        var (status, body, _) = await admin.PostJsonAsync("/admin/v1/oauth-clients", new { name = "ERP", brand_uuids = new[] { b1 }, default_brand_uuid = b2 });
        Assert.Equal(400, status);
        Assert.NotNull(body!["errors"]!["default_brand_uuid"]);
        (status, body, _) = await admin.PostJsonAsync("/admin/v1/oauth-clients", new { name = "ERP", dispensary_uuid = "2222222222222222222222" });
        Assert.Equal(400, status);
        Assert.NotNull(body!["errors"]!["dispensary_uuid"]);
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
