using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Admin;

/// <summary>Renaming brands, companies, shops and rooms through the admin API: the create's name rule, 404 for unknown ids.</summary>
public abstract class RenameTests(AppFixture app)
{
    [Fact]
    public async Task Tenants_are_renamed_under_their_create_rule_and_unknown_ids_are_404()
    {
        var admin = app.AdminClient();
        var brand = await app.NewBrandAsync();
        var store = await app.NewStoreAsync();
        var targets = new[]
        {
            ($"/admin/v1/brands/{brand.BrandUuid}", $$"""{"uuid":"{{brand.BrandUuid}}","name":"Renamed"}""", "/admin/v1/brands/2222222222222222222222"),
            ($"/admin/v1/companies/{store.CompanyId}", $$"""{"id":"{{store.CompanyId}}","name":"Renamed"}""", "/admin/v1/companies/65a1b2c3d4e5f6a7b8c9d0e1"),
            ($"/admin/v1/shops/{store.ShopId}", $$"""{"id":"{{store.ShopId}}","company_id":"{{store.CompanyId}}","name":"Renamed"}""", "/admin/v1/shops/x"),
            ($"/admin/v1/inventories/{store.VaultId}", $$"""{"id":"{{store.VaultId}}","company_id":"{{store.CompanyId}}","shop_id":"{{store.ShopId}}","name":"Renamed"}""", "/admin/v1/inventories/x"),
        };
        foreach (var (url, renamed, unknown) in targets)
        {
            var (status, body, _) = await admin.SendAsync(HttpMethod.Patch, url, new { name = "  Renamed " });
            Assert.Equal((200, renamed), (status, body.Json()));
            var (blank, problem, _) = await admin.SendAsync(HttpMethod.Patch, url, new { name = " " });
            Assert.Equal((400, """{"name":["This field is required."]}"""), (blank, problem!["errors"].Json()));
            Assert.Equal(404, (await admin.SendAsync(HttpMethod.Patch, unknown, new { name = "X" })).Status);
        }
    }
}

public sealed class RenameTestsOnSqlite(SqliteApp app) : RenameTests(app), IClassFixture<SqliteApp>;
public sealed class RenameTestsOnPostgres(PostgresApp app) : RenameTests(app), IClassFixture<PostgresApp>;
