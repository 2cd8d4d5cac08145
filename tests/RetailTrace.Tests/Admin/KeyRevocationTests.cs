using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Store;

namespace RetailTrace.Tests.Admin;

/// <summary>
/// Revoking a store's keys through the admin API (the rules the console shares): the store API refuses them within
/// the key cache's seconds, a repeat is harmless, an unknown id is a 404 problem; names refuse control characters.
/// </summary>
public abstract class KeyRevocationTests(AppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("partners")]
    [InlineData("developer-keys")]
    public async Task A_revoked_key_is_refused_by_the_store_API_and_revoking_again_changes_nothing(string kind)
    {
        var store = await app.NewStoreAsync();
        var admin = app.AdminClient();
        var id = await app.KeyIdAsync(kind, store);
        Assert.Equal(200, (await store.Client.GetJsonAsync("/api/v1/partner/store/batches")).Status);

        Assert.Equal(204, (await admin.PostJsonAsync($"/admin/v1/{kind}/{id}/revoke")).Status);
        Assert.Equal(204, (await admin.PostJsonAsync($"/admin/v1/{kind}/{id}/revoke")).Status);
        var status = 200;
        for (var i = 0; i < 80 && status != 401; i++)
        {
            if (i > 0) await Task.Delay(100, Ct);
            status = (await store.Client.GetJsonAsync("/api/v1/partner/store/batches")).Status;
        }
        Assert.Equal(401, status);

        var (missing, problem, _) = await admin.PostJsonAsync($"/admin/v1/{kind}/65a1b2c3d4e5f6a7b8c9d0e1/revoke");
        Assert.Equal(404, missing);
        Assert.Equal(kind == "partners" ? "Partner not found." : "Developer key not found.", (string)problem!["detail"]!);
    }

    [Fact]
    public async Task Names_with_control_characters_are_refused_before_the_write()
    {
        var (status, body, _) = await app.AdminClient().PostJsonAsync("/admin/v1/brands", new { name = "Nul\u0000Brand" });
        Assert.Equal(400, status);
        Assert.Equal("""{"name":["Control characters (such as line breaks or NUL) are not allowed."]}""", body!["errors"].Json());
    }
}

public sealed class KeyRevocationTestsOnSqlite(SqliteApp app) : KeyRevocationTests(app), IClassFixture<SqliteApp>;
public sealed class KeyRevocationTestsOnPostgres(PostgresApp app) : KeyRevocationTests(app), IClassFixture<PostgresApp>;
