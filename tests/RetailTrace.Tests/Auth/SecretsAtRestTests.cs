using System.Data.Common;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Auth;

/// <summary>
/// After every flow that issues a credential (OAuth2 clients and their tokens by form and Basic, partner and developer
/// keys created and rotated, webhook secrets of each family created and rotated, each write retried with an
/// Idempotency-Key), no text or binary column of any table holds one of those credentials or the admin token.
/// </summary>
public abstract class SecretsAtRestTests(AppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Hook = "https://hooks.example.com/at-rest";

    [Fact]
    public async Task No_table_holds_a_client_secret_key_token_or_webhook_secret_in_clear()
    {
        var secrets = new List<string> { AppFixture.AdminToken };
        var admin = app.AdminClient();
        var marker = "At rest " + Guid.NewGuid().ToString("N")[..8];

        async Task<JsonNode> Issue(HttpClient client, string path, object body, string field, int status = 201)
        {
            // Each secret-showing write that takes Idempotency-Key elsewhere (admin, store) is first tried with one
            // (refused), then without; the LucidGreen families take no such key.
            if (!path.StartsWith("/api/v1.", StringComparison.Ordinal))
                using (var keyed = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, body.GetType()), Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } } })
                    Assert.Equal(400, (int)(await client.SendAsync(keyed, Ct)).StatusCode);
            var (got, json, raw) = await client.PostJsonAsync(path, body);
            Assert.True(got == status, raw);
            secrets.Add((string)json![field]!);
            return json;
        }

        var brand = await Tenants.Created(admin, "/admin/v1/brands", new { name = marker });
        var dispensary = await Tenants.Created(admin, "/admin/v1/dispensaries", new { name = "D" });
        var posClient = await Issue(admin, "/admin/v1/oauth-clients", new { name = "POS", dispensary_uuid = (string)dispensary["uuid"]! }, "client_secret");
        var erpClient = await Issue(admin, "/admin/v1/oauth-clients", new { name = "ERP", brand_uuids = new[] { (string)brand["uuid"]! }, default_brand_uuid = (string)brand["uuid"]! }, "client_secret");

        var http = app.Client();
        async Task<string> Token(string clientId, string secret, bool basic)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/o/token/");
            var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
            if (basic) request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{secret}")));
            else { form["client_id"] = clientId; form["client_secret"] = secret; }
            request.Content = new FormUrlEncodedContent(form);
            using var response = await http.SendAsync(request, Ct);
            var token = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["access_token"]!;
            secrets.Add(token);
            return token;
        }
        var posToken = await Token((string)posClient["client_id"]!, (string)posClient["client_secret"]!, basic: false);
        var erpToken = await Token((string)erpClient["client_id"]!, (string)erpClient["client_secret"]!, basic: true);

        var company = (string)(await Tenants.Created(admin, "/admin/v1/companies", new { name = "C" }))["id"]!;
        var shop = (string)(await Tenants.Created(admin, "/admin/v1/shops", new { company_id = company, name = "S" }))["id"]!;
        var partner = await Issue(admin, "/admin/v1/partners", new { name = "P" }, "partner_key");
        var developer = await Issue(admin, "/admin/v1/developer-keys", new { shop_id = shop }, "developer_key");
        var partnerKey = (string)(await Issue(admin, $"/admin/v1/partners/{partner["id"]}/rotate", new { }, "partner_key", 200))["partner_key"]!;
        var developerKey = (string)(await Issue(admin, $"/admin/v1/developer-keys/{developer["id"]}/rotate", new { }, "developer_key", 200))["developer_key"]!;

        var adminHook = await Issue(admin, "/admin/v1/webhook-endpoints", new { url = Hook, events = new[] { "lucidid.sold" }, dispensary_uuid = (string)dispensary["uuid"]! }, "secret");
        await Issue(admin, $"/admin/v1/webhook-endpoints/{adminHook["id"]}/rotate-secret", new { }, "secret", 200);
        var pos = app.Client();
        pos.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", posToken);
        var posHook = await Issue(pos, "/api/v1.2/webhook-endpoints/", new { url = Hook, events = new[] { "lucidid.sold" } }, "secret");
        await Issue(pos, $"/api/v1.2/webhook-endpoints/{posHook["id"]}/rotate-secret/", new { }, "secret", 200);
        var erp = app.Client();
        erp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", erpToken);
        await Issue(erp, "/api/v1.5/webhook-endpoints/", new { url = Hook, events = new[] { "lucidid.minted" } }, "secret");
        var store = app.Client();
        store.DefaultRequestHeaders.Add("partner_key", partnerKey);
        store.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", developerKey);
        var storeHook = await Issue(store, "/api/v1/partner/store/webhookEndpoints/", new { url = Hook, events = new[] { "transfer.completed" } }, "secret", 200);
        await Issue(store, $"/api/v1/partner/store/webhookEndpoints/{storeHook["id"]}/rotateSecret", new { }, "secret", 200);

        // An idempotent admin write without a secret is stored for its replays, as the control below shows.
        using (var keyed = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/brands") { Content = JsonContent.Create(new { name = marker + " replayed" }), Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } } })
            Assert.Equal(201, (int)(await admin.SendAsync(keyed, Ct)).StatusCode);
        Assert.Equal(200, (await pos.GetJsonAsync("/api/v1.2/webhook-endpoints/")).Status);
        Assert.Equal(200, (await store.GetJsonAsync("/api/v1/partner/store/batches")).Status);
        // Webhook secrets travel as whsec_<base64>; the base64 part alone must not be stored either.
        secrets.AddRange(secrets.Where(s => s.StartsWith("whsec_", StringComparison.Ordinal)).Select(s => s["whsec_".Length..]).ToList());
        Assert.Equal(2 + 2 + 4 + 2 * 7 + 1, secrets.Count);

        var values = await app.WithDbAsync(ReadEveryTextAsync);
        // The scan sees the data: the brand's name, and the replayable answer of the keyed write.
        Assert.Contains(values, v => v.Value.Contains(marker, StringComparison.Ordinal) && v.Where.StartsWith("brands.", StringComparison.Ordinal));
        Assert.Contains(values, v => v.Value.Contains(marker + " replayed", StringComparison.Ordinal) && v.Where.StartsWith("idempotency_records.", StringComparison.Ordinal));
        var leaks = values.SelectMany(v => secrets.Where(s => v.Value.Contains(s, StringComparison.Ordinal)).Select(s => $"{v.Where}: {s[..6]}…")).ToList();
        Assert.Empty(leaks);
    }

    /// <summary>Every text and binary value of every table (binary read as UTF-8), with its table and column.</summary>
    private static async Task<List<(string Where, string Value)>> ReadEveryTextAsync(AppDb db)
    {
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(Ct);
        var columns = new List<(string Table, string Column)>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = db.Database.IsNpgsql()
                ? """
                  SELECT table_name, column_name FROM information_schema.columns
                  WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'character', 'bytea', 'json', 'jsonb')
                  """
                : """
                  SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
                  WHERE m.type = 'table' AND (p.type IN ('TEXT', 'BLOB', '') OR p.type LIKE '%CHAR%')
                  """;
            await using var reader = await list.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct)) columns.Add((reader.GetString(0), reader.GetString(1)));
        }
        Assert.Contains(("idempotency_records", "response_body"), columns);
        var values = new List<(string, string)>();
        foreach (var (table, column) in columns)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT \"{column}\" FROM \"{table}\"";
            await using var reader = await select.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                if (reader.IsDBNull(0)) continue;
                var value = reader.GetValue(0) switch { byte[] bytes => Encoding.UTF8.GetString(bytes), var other => Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture)! };
                values.Add(($"{table}.{column}", value));
            }
        }
        return values;
    }
}

public sealed class SecretsAtRestTestsOnSqlite(SqliteApp app) : SecretsAtRestTests(app), IClassFixture<SqliteApp>;
public sealed class SecretsAtRestTestsOnPostgres(PostgresApp app) : SecretsAtRestTests(app), IClassFixture<PostgresApp>;
