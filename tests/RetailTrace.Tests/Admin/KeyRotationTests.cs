using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Store;

namespace RetailTrace.Tests.Admin;

/// <summary>
/// Rotating a store's keys through the admin API: the new key is shown once and works, the old one is refused within
/// the key cache's seconds; a revoked key cannot come back by rotation. Answers that show a secret refuse
/// <c>Idempotency-Key</c>, so no such answer is ever stored.
/// </summary>
public abstract class KeyRotationTests(AppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<int> StatusWithin(HttpClient client, int expected)
    {
        var status = 0;
        for (var i = 0; i < 80 && status != expected; i++)
        {
            if (i > 0) await Task.Delay(100, Ct);
            status = (await client.GetJsonAsync("/api/v1/partner/store/batches")).Status;
        }
        return status;
    }

    [Theory]
    [InlineData("partners", "partner_key")]
    [InlineData("developer-keys", "developer_key")]
    public async Task A_rotated_key_is_shown_once_and_works_while_the_old_one_is_refused(string kind, string field)
    {
        var store = await app.NewStoreAsync();
        var id = await app.KeyIdAsync(kind, store);
        var (status, body, raw) = await app.AdminClient().PostJsonAsync($"/admin/v1/{kind}/{id}/rotate");
        Assert.True(status == 200, raw);
        var key = (string)body![field]!;
        Assert.Equal(kind == "partners"
                ? $$"""{"id":"{{id}}","name":"{{body["name"]}}","partner_key":"{{key}}"}"""
                : $$"""{"id":"{{id}}","company_id":"{{store.CompanyId}}","shop_id":"{{store.ShopId}}","developer_key":"{{key}}"}""", raw);
        Assert.NotEqual(kind == "partners" ? store.PartnerKey : store.DeveloperKey, key);

        var rotated = app.Client();
        rotated.DefaultRequestHeaders.Add("partner_key", kind == "partners" ? key : store.PartnerKey);
        rotated.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", kind == "partners" ? store.DeveloperKey : key);
        Assert.Equal(200, (await rotated.GetJsonAsync("/api/v1/partner/store/batches")).Status);
        Assert.Equal(401, await StatusWithin(store.Client, 401));
        Assert.Equal(1, await app.WithDbAsync(db => kind == "partners"
            ? db.Partners.CountAsync(p => p.Id == id && p.KeyHash == Secrets.Hash(key), Ct)
            : db.DeveloperKeys.CountAsync(k => k.Id == id && k.KeyHash == Secrets.Hash(key), Ct)));
    }

    [Theory]
    [InlineData("partners", "Partner")]
    [InlineData("developer-keys", "Developer key")]
    public async Task A_revoked_key_cannot_be_rotated_back_and_an_unknown_one_is_404(string kind, string what)
    {
        var store = await app.NewStoreAsync();
        var id = await app.KeyIdAsync(kind, store);
        var admin = app.AdminClient();
        Assert.Equal(204, (await admin.PostJsonAsync($"/admin/v1/{kind}/{id}/revoke")).Status);
        var (status, problem, _) = await admin.PostJsonAsync($"/admin/v1/{kind}/{id}/rotate");
        Assert.Equal(400, status);
        Assert.Equal("""{"id":["A revoked key cannot be rotated."]}""", problem!["errors"].Json());
        Assert.Equal(1, await app.WithDbAsync(db => kind == "partners"
            ? db.Partners.CountAsync(p => p.Id == id && p.Revoked, Ct)
            : db.DeveloperKeys.CountAsync(k => k.Id == id && k.Revoked, Ct)));

        var (missing, notFound, _) = await admin.PostJsonAsync($"/admin/v1/{kind}/65a1b2c3d4e5f6a7b8c9d0e1/rotate");
        Assert.Equal(404, missing);
        Assert.Equal($"{what} not found.", (string)notFound!["detail"]!);
    }

    [Fact]
    public async Task Every_admin_write_that_shows_a_secret_refuses_an_idempotency_key_and_stores_nothing()
    {
        var store = await app.NewStoreAsync();
        var dispensary = await app.NewDispensaryAsync();
        var partnerId = await app.KeyIdAsync("partners", store);
        var developerKeyId = await app.KeyIdAsync("developer-keys", store);
        var writes = new (string Path, object Body)[]
        {
            ("/admin/v1/oauth-clients", new { name = "POS", dispensary_uuid = dispensary.Uuid }),
            ("/admin/v1/partners", new { name = "P" }),
            ("/admin/v1/developer-keys", new { shop_id = store.ShopId }),
            ($"/admin/v1/partners/{partnerId}/rotate", new { }),
            ($"/admin/v1/developer-keys/{developerKeyId}/rotate", new { }),
            ("/admin/v1/webhook-endpoints", new { url = "https://hooks.example.com/rt", events = new[] { "lucidid.sold" }, dispensary_uuid = dispensary.Uuid }),
        };
        var key = "secret-write-" + Guid.NewGuid();
        foreach (var (path, body) in writes)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, body.GetType()), Headers = { { "Idempotency-Key", key } } };
            using var response = await app.AdminClient().SendAsync(request, Ct);
            var problem = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
            Assert.Equal((400, "Idempotency-Key is not accepted here: the answer shows a secret once, and stored answers are kept in clear."),
                ((int)response.StatusCode, (string)problem["detail"]!));
        }
        Assert.Equal(0, await app.WithDbAsync(db => db.IdempotencyRecords.CountAsync(r => r.Key == key, Ct)));
        // Refused before the write: the old keys still work.
        Assert.Equal(200, (await store.Client.GetJsonAsync("/api/v1/partner/store/batches")).Status);
    }
}

public sealed class KeyRotationTestsOnSqlite(SqliteApp app) : KeyRotationTests(app), IClassFixture<SqliteApp>;
public sealed class KeyRotationTestsOnPostgres(PostgresApp app) : KeyRotationTests(app), IClassFixture<PostgresApp>;
