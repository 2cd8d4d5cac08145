using System.Text.Json.Nodes;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Store;

namespace RetailTrace.Tests.Webhooks;

/// <summary>Managing endpoints in each family's wire conventions: exact bodies, validation, 404s, the one-time secret.</summary>
public abstract class WebhookEndpointsApiTests(AppFixture app)
{
    private const string Hook = "https://hooks.example.com/retailtrace";

    private static string Drf(JsonNode e, string? brand = null, bool secret = false) =>
        $$$"""{"id":"{{{e["id"]}}}",{{{(brand is null ? "" : $"\"brand_uuid\":\"{brand}\",")}}}"url":"{{{e["url"]}}}","description":"{{{e["description"]}}}","events":{{{e["events"].Json()}}},"enabled":{{{e["enabled"].Json()}}},"disabled_reason":null,"created_at":"{{{e["created_at"]}}}","updated_at":"{{{e["updated_at"]}}}"{{{(secret ? $",\"secret\":\"{e["secret"]}\"" : "")}}}}""";

    [Fact]
    public async Task A_dispensary_creates_reads_changes_rotates_and_deletes_its_endpoint()
    {
        var pos = (await app.NewDispensaryAsync()).Client;
        var (status, created, raw) = await pos.PostJsonAsync("/api/v1.2/webhook-endpoints/", new { url = Hook, events = new[] { "lucidid.sold", "export.ready", "lucidid.sold" }, description = "POS" });
        Assert.Equal(201, status);
        Assert.Equal(Drf(created!, secret: true), raw);
        Assert.Equal("""["lucidid.sold","export.ready"]""", created!["events"].Json());
        Assert.Equal("POS", (string)created["description"]!);
        Assert.Matches("^whsec_[A-Za-z0-9+/]{43}=$", (string)created["secret"]!);
        Assert.Equal(created["created_at"].Json(), created["updated_at"].Json());
        BrandApi.BrandCatalog.AssertDrfDateTime(created["created_at"]);
        var id = (string)created["id"]!;
        Assert.Equal(22, id.Length);

        var (_, one, oneRaw) = await pos.GetJsonAsync($"/api/v1.2/webhook-endpoints/{id}/");
        Assert.Equal(Drf(created), oneRaw);
        var (_, _, listRaw) = await pos.GetJsonAsync("/api/v1.2/webhook-endpoints/");
        Assert.Equal("[" + Drf(created) + "]", listRaw);

        var (patched, changed, changedRaw) = await pos.SendAsync(HttpMethod.Patch, $"/api/v1.2/webhook-endpoints/{id}/", new { events = new[] { "case.imported" }, enabled = false });
        Assert.Equal(200, patched);
        Assert.Equal(Drf(changed!), changedRaw);
        Assert.Equal(("""["case.imported"]""", false, Hook, "POS"), (changed!["events"].Json(), (bool)changed["enabled"]!, (string)changed["url"]!, (string)changed["description"]!));

        var (rotated, withSecret, rotatedRaw) = await pos.PostJsonAsync($"/api/v1.2/webhook-endpoints/{id}/rotate-secret/");
        Assert.Equal(200, rotated);
        Assert.Equal(Drf(withSecret!, secret: true), rotatedRaw);
        Assert.NotEqual((string)created["secret"]!, (string)withSecret!["secret"]!);

        var (deleted, _, deletedRaw) = await pos.SendAsync(HttpMethod.Delete, $"/api/v1.2/webhook-endpoints/{id}/");
        Assert.Equal((204, ""), (deleted, deletedRaw));
        foreach (var (method, url) in new[] { (HttpMethod.Get, $"/api/v1.2/webhook-endpoints/{id}/"), (HttpMethod.Patch, $"/api/v1.2/webhook-endpoints/{id}/"),
                     (HttpMethod.Delete, $"/api/v1.2/webhook-endpoints/{id}/"), (HttpMethod.Post, $"/api/v1.2/webhook-endpoints/{id}/rotate-secret/") })
        {
            var (gone, _, goneRaw) = await pos.SendAsync(method, url, method == HttpMethod.Patch ? new { enabled = true } : null);
            Assert.Equal((404, """{"detail":"Not found."}"""), (gone, goneRaw));
        }
    }

    [Fact]
    public async Task Invalid_endpoints_answer_drf_field_errors()
    {
        var pos = (await app.NewDispensaryAsync()).Client;
        async Task Refused(object body, string errors)
        {
            var (status, _, raw) = await pos.PostJsonAsync("/api/v1.2/webhook-endpoints/", body);
            Assert.Equal((400, errors), (status, raw));
        }
        await Refused(new { }, """{"url":["This field is required."],"events":["This field is required."]}""");
        await Refused(new { url = "not a url", events = new[] { "lucidid.sold" } }, """{"url":["Enter a valid URL."]}""");
        await Refused(new { url = "ftp://hooks.example.com/", events = new string[0] }, """{"url":["Enter a valid URL."],"events":["This list may not be empty."]}""");
        await Refused(new { url = "https://hooks.example.com/x#part", events = new[] { "lucidid.sold" } }, """{"url":["Enter a valid URL."]}""");
        await Refused(new { url = Hook, events = "lucidid.sold" }, """{"events":["Expected a list of items but got type \"str\"."]}""");
        await Refused(new { url = Hook, events = new[] { "transfer.created" } }, """{"events":["\"transfer.created\" is not a valid choice."]}""");
        await Refused(new { url = Hook, events = new[] { "lucidid.sold" }, enabled = "maybe" }, """{"enabled":["Must be a valid boolean."]}""");
    }

    [Fact]
    public async Task Only_https_to_public_addresses_is_accepted_without_AllowPrivateTargets()
    {
        await using var strict = new WebhookHost(app, null, ("Webhooks:AllowPrivateTargets", "false"));
        var pos = strict.Client((await app.NewDispensaryAsync()).Client);
        foreach (var (url, error) in new[]
        {
            ("http://hooks.example.com/x", "The URL must use https."),
            ("https://127.0.0.1/x", "The URL must not point to a private, loopback or link-local address."),
            ("https://localhost:8443/x", "The URL must not point to a private, loopback or link-local address."),
            ("https://hooks.localhost/x", "The URL must not point to a private, loopback or link-local address."),
            ("https://10.1.2.3/x", "The URL must not point to a private, loopback or link-local address."),
            ("https://169.254.169.254/latest/meta-data", "The URL must not point to a private, loopback or link-local address."),
            ("https://[::1]/x", "The URL must not point to a private, loopback or link-local address."),
            ("https://[fd00:ec2::254]/x", "The URL must not point to a private, loopback or link-local address."),
            ("https://intranet/x", "The URL must not point to a private, loopback or link-local address."),
            ("https://user:pw@hooks.example.com/x", "Enter a valid URL."),
        })
        {
            var (status, _, raw) = await pos.PostJsonAsync("/api/v1.2/webhook-endpoints/", new { url, events = new[] { "lucidid.sold" } });
            Assert.Equal((400, $$"""{"url":["{{error}}"]}"""), (status, raw));
        }
        var (ok, _, okRaw) = await pos.PostJsonAsync("/api/v1.2/webhook-endpoints/", new { url = "https://93.184.215.14/x", events = new[] { "lucidid.sold" } });
        Assert.True(ok == 201, okRaw);
    }

    [Fact]
    public async Task A_brand_client_manages_the_endpoints_of_its_brands_and_names_the_brand()
    {
        var brand = await app.NewBrandAsync();
        var other = await app.NewBrandAsync();
        var (status, created, raw) = await brand.Client.PostJsonAsync("/api/v1.5/webhook-endpoints/", new { url = Hook, events = new[] { "lucidid.minted" } });
        Assert.Equal(201, status);
        Assert.Equal(Drf(created!, brand.BrandUuid, secret: true), raw);
        var (refused, _, refusedRaw) = await brand.Client.PostJsonAsync("/api/v1.5/webhook-endpoints/", new { url = Hook, events = new[] { "lucidid.minted" }, brand_uuid = other.BrandUuid });
        Assert.Equal((400, """{"brand_uuid":["Invalid brand."]}"""), (refused, refusedRaw));
        var (_, _, listRaw) = await brand.Client.GetJsonAsync("/api/v1.5/webhook-endpoints/");
        Assert.Equal("[" + Drf(created!, brand.BrandUuid) + "]", listRaw);
        var (_, _, othersRaw) = await other.Client.GetJsonAsync("/api/v1.5/webhook-endpoints/");
        Assert.Equal("[]", othersRaw);
        var (foreign, _, foreignRaw) = await other.Client.GetJsonAsync($"/api/v1.5/webhook-endpoints/{created!["id"]}/");
        Assert.Equal((404, """{"detail":"Not found."}"""), (foreign, foreignRaw));
    }

    [Fact]
    public async Task A_store_manages_its_endpoints_in_blaze_conventions()
    {
        var store = await app.NewStoreAsync();
        var (status, created, raw) = await store.Client.PostJsonAsync("/api/v1/partner/store/webhookEndpoints/", new { url = Hook, events = new[] { "transfer.completed" } });
        Assert.Equal(200, status);
        var id = (string)created!["id"]!;
        Assert.Matches("^[0-9a-f]{24}$", id);
        string Blaze(JsonNode e, bool secret) =>
            $$$"""{"id":"{{{id}}}","shopId":"{{{store.ShopId}}}","url":"{{{Hook}}}","description":"","events":{{{e["events"].Json()}}},"enabled":{{{e["enabled"].Json()}}},"disabledReason":null,"created":{{{e["created"]}}},"modified":{{{e["modified"]}}}{{{(secret ? ",\"secret\":" + e["secret"].Json() : "")}}}}""";
        Assert.Equal(Blaze(created, secret: true), raw);
        Assert.InRange((long)created["created"]!, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        var (_, _, listRaw) = await store.Client.GetJsonAsync("/api/v1/partner/store/webhookEndpoints/");
        Assert.Equal($$"""{"values":[{{Blaze(created, secret: false)}}],"skip":0,"limit":100,"total":1}""", listRaw);
        var (invalid, error, _) = await store.Client.SendAsync(HttpMethod.Patch, $"/api/v1/partner/store/webhookEndpoints/{id}", new { events = new[] { "lucidid.sold" } });
        Assert.Equal((400, "events", "\"lucidid.sold\" is not a valid choice."), (invalid, (string)error!["field"]!, (string)error["message"]!));
        var (missing, _, missingRaw) = await store.Client.PostJsonAsync("/api/v1/partner/store/webhookEndpoints/", new { events = new[] { "transfer.created" } });
        Assert.Equal((400, StoreArrange.Error("url", "url is required.")), (missing, missingRaw));

        var neighbour = await app.NewStoreAsync(store.CompanyId);
        var (foreign, _, foreignRaw) = await neighbour.Client.GetJsonAsync($"/api/v1/partner/store/webhookEndpoints/{id}");
        Assert.Equal((404, StoreArrange.Error("endpointId", "Webhook endpoint not found.", "com.fourtwenty.core.exceptions.BlazeNotFoundException")), (foreign, foreignRaw));
    }

    [Theory]
    [InlineData("""{"url":5,"events":["transfer.created"]}""", "url", "url must be a string.")]
    [InlineData("""{"url":"https://example.com/hook","events":"transfer.created"}""", "events", "events must be an array of strings.")]
    [InlineData("""{"url":"https://example.com/hook","events":["transfer.created"],"enabled":"yes"}""", "enabled", "enabled must be a boolean.")]
    [InlineData("""{"url":"https://example.com/hook","events":["transfer.created"],"description":["x"]}""", "description", "description must be a string.")]
    [InlineData("[]", "request", "The request body must be a JSON object.")]
    public async Task A_store_endpoint_field_of_the_wrong_type_is_named_in_the_blaze_error(string body, string field, string message)
    {
        var store = await app.NewStoreAsync();
        var (status, _, raw) = await store.Client.PostRawAsync("/api/v1/partner/store/webhookEndpoints/", body);
        Assert.Equal((400, StoreArrange.Error(field, message)), (status, raw));
    }

    [Fact]
    public async Task A_store_endpoint_description_over_255_characters_and_a_url_over_2000_are_refused_after_trimming()
    {
        var store = await app.NewStoreAsync();
        var (status, _, raw) = await store.Client.PostJsonAsync("/api/v1/partner/store/webhookEndpoints/",
            new { url = Hook, events = new[] { "transfer.created" }, description = new string('d', 256) });
        Assert.Equal((400, StoreArrange.Error("description", "description must be at most 255 characters.")), (status, raw));
        (status, _, raw) = await store.Client.PostJsonAsync("/api/v1/partner/store/webhookEndpoints/",
            new { url = "https://example.com/" + new string('u', 1981), events = new[] { "transfer.created" } });
        Assert.Equal((400, StoreArrange.Error("url", "url must be at most 2000 characters.")), (status, raw));
        (status, var created, _) = await store.Client.PostJsonAsync("/api/v1/partner/store/webhookEndpoints/",
            new { url = Hook, events = new[] { "transfer.created" }, description = "  " + new string('d', 255) + "  " });
        Assert.Equal((200, new string('d', 255)), (status, (string)created!["description"]!));
    }

    [Fact]
    public async Task The_operator_gets_409_for_an_owners_endpoint_beyond_the_limit()
    {
        var dispensary = await app.NewDispensaryAsync();
        var admin = app.AdminClient();
        for (var i = 0; i < 20; i++)
            Assert.Equal(201, (await admin.PostJsonAsync("/admin/v1/webhook-endpoints", new { url = Hook, events = new[] { "lucidid.sold" }, dispensary_uuid = dispensary.Uuid })).Status);
        var (status, problem, raw) = await admin.PostJsonAsync("/admin/v1/webhook-endpoints", new { url = Hook, events = new[] { "lucidid.sold" }, dispensary_uuid = dispensary.Uuid });
        Assert.Equal((409, "An owner can have at most 20 webhook endpoints."), (status, (string?)problem!["detail"]));
        Assert.Empty((await app.ContractAsync()).Check("POST", "/admin/v1/webhook-endpoints/", 409, "application/problem+json", raw));
    }

    [Fact]
    public async Task The_operator_manages_any_owners_endpoints_and_a_secret_is_never_stored_for_an_idempotent_replay()
    {
        var dispensary = await app.NewDispensaryAsync();
        var admin = app.AdminClient();
        var (missingOwner, problem, _) = await admin.PostJsonAsync("/admin/v1/webhook-endpoints", new { url = Hook, events = new[] { "lucidid.sold" } });
        Assert.Equal(400, missingOwner);
        Assert.Equal("""["Give exactly one owner: dispensary_uuid, brand_uuid or shop_id."]""", problem!["errors"]!["dispensary_uuid"].Json());

        var (status, created, raw) = await admin.PostJsonAsync("/admin/v1/webhook-endpoints", new { url = Hook, events = new[] { "lucidid.sold" }, dispensary_uuid = dispensary.Uuid });
        Assert.True(status == 201, raw);
        var id = (string)created!["id"]!;
        Assert.Equal(dispensary.Uuid, (string)created["dispensary_uuid"]!);
        Assert.Null(created["brand_uuid"]);
        Assert.StartsWith("whsec_", (string)created["secret"]!);
        var (_, _, tenantRaw) = await dispensary.Client.GetJsonAsync("/api/v1.2/webhook-endpoints/");
        Assert.Contains(id, tenantRaw);
        var (_, listed, _) = await admin.GetJsonAsync($"/admin/v1/webhook-endpoints?dispensary_uuid={dispensary.Uuid}");
        Assert.Equal([id], listed!.AsArray().Select(e => (string)e!["id"]!));

        using var keyed = new HttpRequestMessage(HttpMethod.Post, $"/admin/v1/webhook-endpoints/{id}/rotate-secret") { Headers = { { "Idempotency-Key", "k-1" } } };
        using var refused = await admin.SendAsync(keyed, TestContext.Current.CancellationToken);
        Assert.Equal(400, (int)refused.StatusCode);
        Assert.Contains("Idempotency-Key is not accepted here", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        var (deleted, _, _) = await admin.SendAsync(HttpMethod.Delete, $"/admin/v1/webhook-endpoints/{id}");
        Assert.Equal(204, deleted);
        var (gone, _, _) = await admin.GetJsonAsync($"/admin/v1/webhook-endpoints/{id}");
        Assert.Equal(404, gone);
    }

    [Fact]
    public async Task The_operator_replays_a_delivered_message_under_the_same_webhook_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var world = await app.ImportedCaseAsync(units: 1);
        var endpoint = await world.Dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/replay"), ["lucidid.sold"]);
        await world.Dispensary.SellAsync("REPLAY-1", world.Case.AllLucidIds.ToArray());
        await app.DeliverAsync();
        var first = Assert.Single(receiver.Received);

        var (status, detail, raw) = await app.AdminClient().PostJsonAsync($"/admin/v1/webhook-endpoints/{endpoint.Id}/messages/{first.Id}/replay");
        Assert.True(status == 202, raw);
        Assert.Equal(("pending", 0), ((string)detail!["status"]!, (int)detail["attempt_count"]!));
        Assert.Equal(1, await app.DeliverAsync());
        var again = receiver.Received.Last();
        Assert.Equal((first.Id, first.Body), (again.Id, again.Body));
        again.Verify(endpoint.Secret);
        var (_, after, _) = await app.AdminClient().GetJsonAsync($"/admin/v1/webhook-endpoints/{endpoint.Id}/messages/{first.Id}");
        Assert.Equal(2, after!["attempts"]!.AsArray().Count);
        var (unknown, _, _) = await app.AdminClient().PostJsonAsync($"/admin/v1/webhook-endpoints/{endpoint.Id}/messages/msg_nope/replay");
        Assert.Equal(404, unknown);
    }
}

public sealed class WebhookEndpointsApiTestsOnSqlite(SqliteApp app) : WebhookEndpointsApiTests(app), IClassFixture<SqliteApp>;
public sealed class WebhookEndpointsApiTestsOnPostgres(PostgresApp app) : WebhookEndpointsApiTests(app), IClassFixture<PostgresApp>;
