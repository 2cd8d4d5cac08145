using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Common;
using RetailTrace.Exports;
using RetailTrace.Tests.Dispensary;
using RetailTrace.Tests.Exports;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Store;
using RetailTrace.Webhooks;

namespace RetailTrace.Tests.Webhooks;

/// <summary>Every event type comes from the change it reports, to the owners it concerns, in the order the changes happened.</summary>
public abstract class WebhookEventsTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private sealed record EveryEvent(DispensaryTenant Dispensary, StoreTenant Store, Registered Erp, Registered Pos, Registered Shop,
        MintedCase Minted, string Accepted);

    /// <summary>Endpoints of a brand, a dispensary and a shop on <paramref name="receiver"/> (/brand, /dispensary, /shop)
    /// for every event they can subscribe to, and changes that emit each of them but <c>webhook_endpoint.disabled</c>, delivered.</summary>
    private async Task<EveryEvent> EveryEventAsync(WebhookReceiver receiver)
    {
        var brand = await app.NewBrandAsync();
        var dispensary = await app.NewDispensaryAsync(exportEnabled: true);
        var store = await app.NewStoreAsync();
        var erp = await brand.Client.RegisterAsync("/api/v1.5/webhook-endpoints/", receiver.Url("/brand"), [.. WebhookEventTypes.For("brand")]);
        var pos = await dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/dispensary"), [.. WebhookEventTypes.For("dispensary")]);
        var shop = await store.Client.RegisterAsync("/api/v1/partner/store/webhookEndpoints/", receiver.Url("/shop"), [.. WebhookEventTypes.For("shop")]);

        var minted = await brand.MintAsync(3);
        var ids = minted.AllLucidIds.ToArray();
        await dispensary.Client.ImportAsync(minted, 0, "PKG-E");
        await dispensary.SellAsync("ORDER-E", ids[0], ids[1]);
        Assert.Equal(200, (await dispensary.Client.PostJsonAsync("/api/v1.2/transactions/return/", DispensaryKit.Sale("ORDER-E", ids[1]))).Status);
        Assert.Equal(200, (await dispensary.Client.PostJsonAsync("/api/v1.2/transactions/void/", DispensaryKit.Void("ORDER-E"))).Status);
        Assert.Equal(200, (await dispensary.Client.PostJsonAsync("/api/v1.2/caseids/import/remove/", new { case_uuid = minted.CaseUuid, package_uid = "PKG-E" })).Status);

        Assert.Equal(202, (await app.AdminClient().PostJsonAsync($"/admin/v1/dispensaries/{dispensary.Uuid}/package-uid-exports")).Status);
        await app.Services.GetRequiredService<ExportScheduler>().DrainAsync();
        await using (var failing = new ExportHost(app, new ManualTime(DateTimeOffset.UtcNow), TempDirs.New("wh-export-"), s => new FaultyStore(s, failAfterBytes: 0)))
        {
            Assert.Equal(202, (await failing.Admin().PostJsonAsync($"/admin/v1/dispensaries/{dispensary.Uuid}/package-uid-exports")).Status);
            await failing.Scheduler.DrainAsync();
        }

        var (product, batch) = await app.StockAsync(store, 10);
        string Transfer() => new JsonObject
        {
            ["fromInventoryId"] = store.FrontRoomId, ["toInventoryId"] = store.VaultId, ["currentEmployeeId"] = store.EmployeeId,
            ["transferLogs"] = new JsonArray(new JsonObject { ["productId"] = product, ["fromBatchId"] = batch, ["transferAmount"] = 2 }),
        }.ToJsonString();
        const string transfers = "/api/v1/partner/store/batches/transferInventory";
        var accepted = (string)(await store.Client.PostRawAsync(transfers + "/", Transfer())).Body!["id"]!;
        Assert.Equal(200, (await store.Client.PostJsonAsync($"{transfers}/{accepted}/accept", new { currentEmployeeId = store.EmployeeId })).Status);
        Assert.Equal(1, await app.ProcessTransfersAsync());
        var declined = (string)(await store.Client.PostRawAsync(transfers + "/", Transfer())).Body!["id"]!;
        Assert.Equal(200, (await store.Client.PostJsonAsync($"{transfers}/{declined}/decline", new { currentEmployeeId = store.EmployeeId })).Status);

        await app.DeliverAsync();
        return new EveryEvent(dispensary, store, erp, pos, shop, minted, accepted);
    }

    [Fact]
    public async Task Each_change_emits_its_event_to_its_brand_dispensary_or_shops_in_order()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (dispensary, store, erp, pos, shop, minted, accepted) = await EveryEventAsync(receiver);
        var ids = minted.AllLucidIds.ToArray();
        const string transfers = "/api/v1/partner/store/batches/transferInventory";
        string[] items = ["lucidid.imported", "case.imported", "lucidid.sold", "lucidid.returned", "lucidid.voided", "lucidid.removed", "case.removed"];
        Assert.Equal(["lucidid.minted", .. items], receiver.At("/brand").Select(r => r.Type));
        Assert.Equal([.. items, "export.ready", "export.failed"], receiver.At("/dispensary").Select(r => r.Type));
        Assert.Equal(["transfer.created", "transfer.accepted", "transfer.completed", "transfer.created", "transfer.declined"], receiver.At("/shop").Select(r => r.Type));
        foreach (var r in receiver.At("/brand")) r.Verify(erp.Secret);
        foreach (var r in receiver.At("/dispensary")) r.Verify(pos.Secret);
        foreach (var r in receiver.At("/shop")) r.Verify(shop.Secret);

        // Payloads in the owner's family conventions.
        JsonNode Data(string path, string type) => receiver.At(path).Single(r => r.Type == type).Json["data"]!;
        var imported = Data("/dispensary", "case.imported");
        Assert.Equal($$"""{"event":"imported","at":{{imported["at"].Json()}},"case_uuid":"{{minted.CaseUuid}}","packaged_product_uuids":["{{minted.Parts[0].PackagedProductUuid}}"],"dispensary_uuid":"{{dispensary.Uuid}}","package_uid":"PKG-E"}""", imported.Json());
        Assert.Equal(imported.Json(), Data("/brand", "case.imported").Json());
        Assert.Equal([ids[1]], Data("/brand", "lucidid.returned")["lucid_ids"]!.AsArray().Select(n => (string)n!));
        Assert.Equal([ids[0]], Data("/dispensary", "lucidid.voided")["lucid_ids"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(ids.Order(StringComparer.Ordinal), Data("/brand", "lucidid.minted")["lucid_ids"]!.AsArray().Select(n => (string)n!));
        Assert.Null(Data("/brand", "lucidid.minted")["dispensary_uuid"]);
        var today = ExportScheduler.LocalDate("UTC", DateTimeOffset.UtcNow).ToString("yyyy-MM-dd");
        Assert.Equal($$"""{"dispensary_uuid":"{{dispensary.Uuid}}","export_date":"{{today}}","package_uid_count":1,"lucid_id_count":0}""", Data("/dispensary", "export.ready").Json());
        Assert.Equal($$"""{"dispensary_uuid":"{{dispensary.Uuid}}","export_date":"{{today}}","error":"{{ExportsApi.FailedError}}"}""", Data("/dispensary", "export.failed").Json());
        var completed = Data("/shop", "transfer.completed");
        var (_, current, _) = await store.Client.GetJsonAsync($"{transfers}/{accepted}");
        Assert.True(JsonNode.DeepEquals(current, completed), $"{completed.Json()}\n{current.Json()}");
        Assert.Equal((true, false), ((bool)completed["completeTransfer"]!, (bool)completed["processing"]!));
        Assert.Equal(("ACCEPTED", true), ((string)Data("/shop", "transfer.accepted")["status"]!, (bool)Data("/shop", "transfer.accepted")["processing"]!));
    }

    [Fact]
    public async Task Every_delivered_event_is_described_by_its_webhook_in_the_family_document()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await EveryEventAsync(receiver);
        var contract = await app.ContractAsync();
        foreach (var (path, family, owner) in new[] { ("/brand", "brand", "brand"), ("/dispensary", "dispensary", "dispensary"), ("/shop", "store", "shop") })
        {
            var delivered = receiver.At(path);
            foreach (var r in delivered)
            {
                var problems = contract.CheckWebhook(family, r.Type, name => r.Headers[name].ToString(), r.Body);
                Assert.True(problems.Count == 0, $"{path} {r.Type}: {string.Join("; ", problems)}");
            }
            // Every type the family documents is delivered here, but an endpoint's disabling (WebhookDeliveryTests) and, to
            // a dispensary, a mint (subscribable, but a case is minted in no dispensary).
            string[] never = owner == "dispensary" ? [WebhookEventTypes.EndpointDisabled, WebhookEventTypes.LucidIdMinted] : [WebhookEventTypes.EndpointDisabled];
            Assert.Equal(WebhookEventTypes.For(owner).Except(never).Order(StringComparer.Ordinal),
                delivered.Select(r => r.Type).Distinct().Order(StringComparer.Ordinal));
            Assert.Equal(WebhookEventTypes.For(owner).Order(StringComparer.Ordinal), contract.Documents[family]["webhooks"]!.AsObject().Select(w => w.Key).Order(StringComparer.Ordinal));
        }
        Assert.Null(contract.Documents["admin"]["webhooks"]);
    }

    [Fact]
    public async Task A_transfer_to_another_shop_is_reported_to_both_shops()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var sender = await app.NewStoreAsync();
        var other = await app.NewStoreAsync(sender.CompanyId);
        var stranger = await app.NewStoreAsync();
        foreach (var (tenant, path) in new[] { (sender, "/from"), (other, "/to"), (stranger, "/stranger") })
            await tenant.Client.RegisterAsync("/api/v1/partner/store/webhookEndpoints/", receiver.Url(path), [WebhookEventTypes.TransferCreated]);
        var (product, batch) = await app.StockAsync(sender, 5);
        var (status, _, raw) = await sender.Client.PostRawAsync("/api/v1/partner/store/batches/transferInventory/", new JsonObject
        {
            ["fromInventoryId"] = sender.FrontRoomId, ["toInventoryId"] = other.FrontRoomId, ["currentEmployeeId"] = sender.EmployeeId,
            ["transferLogs"] = new JsonArray(new JsonObject { ["productId"] = product, ["fromBatchId"] = batch, ["transferAmount"] = 1 }),
        }.ToJsonString());
        Assert.True(status == 200, raw);
        await app.DeliverAsync();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(raw), Assert.Single(receiver.At("/from")).Json["data"]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(raw), Assert.Single(receiver.At("/to")).Json["data"]));
        Assert.Empty(receiver.At("/stranger"));
    }

    [Fact]
    public async Task A_write_that_is_refused_or_rolled_back_emits_nothing()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var world = await app.ImportedCaseAsync(units: 2);
        await world.Dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/none"), [.. WebhookEventTypes.For("dispensary")]);
        var before = await app.WithDbAsync(db => db.WebhookOutbox.CountAsync(Ct));
        var units = world.Case.AllLucidIds.ToArray();
        await world.Dispensary.SellAsync("ONCE", units[0]);
        Assert.Equal(400, (await world.Dispensary.Client.PostJsonAsync("/api/v1.2/transactions/complete/", DispensaryKit.Sale("ONCE", units[1]))).Status); // replayed order
        Assert.Equal(400, (await world.Dispensary.Client.PostJsonAsync("/api/v1.2/transactions/complete/", DispensaryKit.Sale("TWICE", units[0]))).Status); // already sold
        Assert.Equal(400, (await world.Dispensary.Client.PostJsonAsync("/api/v1.2/transactions/void/", DispensaryKit.Void("NEVER"))).Status);
        Assert.Equal(before + 1, await app.WithDbAsync(db => db.WebhookOutbox.CountAsync(Ct)));
        await app.DeliverAsync();
        Assert.Equal(["lucidid.sold"], receiver.At("/none").Select(r => r.Type));
        Assert.Equal(0, await app.WithDbAsync(db => db.WebhookOutbox.CountAsync(Ct)));
    }
}

/// <summary>What a delivery may reach and read: addresses checked after DNS resolution, no redirects, bounded reads, a timeout.</summary>
public abstract class WebhookTargetTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private async Task<JsonNode> AttemptAsync(string endpointId, string messageId)
    {
        var (status, detail, raw) = await app.AdminClient().GetJsonAsync($"/admin/v1/webhook-endpoints/{endpointId}/messages/{messageId}");
        Assert.True(status == 200, raw);
        return detail!["attempts"]!.AsArray().Last()!;
    }

    /// <summary>An endpoint at <paramref name="url"/> for a new dispensary's sales, and one sale waiting for it.</summary>
    private async Task<Registered> SaleToAsync(string url)
    {
        var world = await app.ImportedCaseAsync(units: 1);
        var endpoint = await world.Dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", url, [WebhookEventTypes.LucidIdSold]);
        await world.Dispensary.SellAsync("T-" + Guid.NewGuid().ToString("N")[..8], world.Case.AllLucidIds.ToArray());
        return endpoint;
    }

    private Task<string> MessageIdAsync(string endpointId) =>
        app.WithDbAsync(db => db.WebhookMessages.Where(m => m.EndpointId == endpointId).Select(m => m.MessageId).SingleAsync(Ct));

    [Fact]
    public async Task A_host_name_that_resolves_to_a_loopback_address_is_refused_at_delivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var strict = new WebhookHost(app, null, ("Webhooks:AllowPrivateTargets", "false"));
        var port = new Uri(receiver.BaseUrl).Port;
        var endpoint = await SaleToAsync($"https://localhost:{port}/inward"); // accepted while private targets were allowed
        await strict.DeliverAsync();
        Assert.Empty(receiver.Received);
        var attempt = await AttemptAsync(endpoint.Id, await MessageIdAsync(endpoint.Id));
        Assert.Null(attempt["status_code"]);
        Assert.False((bool)attempt["succeeded"]!);
        Assert.Matches(@"^Refused: localhost resolves to (127\.0\.0\.1|::1), which is not a public address\.$", (string)attempt["error"]!);
    }

    [Fact]
    public async Task A_redirect_is_a_failed_attempt_and_is_not_followed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer("/moved", 302, location: receiver.Url("/elsewhere"));
        var endpoint = await SaleToAsync(receiver.Url("/moved"));
        await app.DeliverAsync();
        Assert.Equal(["/moved"], receiver.Received.Select(r => r.Path));
        var attempt = await AttemptAsync(endpoint.Id, await MessageIdAsync(endpoint.Id));
        Assert.Equal((302, false), ((int)attempt["status_code"]!, (bool)attempt["succeeded"]!));
    }

    [Fact]
    public async Task Only_the_start_of_a_large_response_is_kept()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer("/chatty", 200, string.Concat(Enumerable.Repeat("0123456789", 200_000)));
        var endpoint = await SaleToAsync(receiver.Url("/chatty"));
        await app.DeliverAsync();
        var attempt = await AttemptAsync(endpoint.Id, await MessageIdAsync(endpoint.Id));
        Assert.True((bool)attempt["succeeded"]!);
        Assert.Equal(string.Concat(Enumerable.Repeat("0123456789", 100)), (string)attempt["response_excerpt"]!);
    }

    [Fact]
    public async Task A_receiver_slower_than_the_timeout_is_a_failed_attempt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromSeconds(3);
        await using var impatient = new WebhookHost(app, null, ("Webhooks:TimeoutSeconds", "1"));
        var endpoint = await SaleToAsync(receiver.Url("/slow"));
        await impatient.DeliverAsync();
        var attempt = await AttemptAsync(endpoint.Id, await MessageIdAsync(endpoint.Id));
        Assert.Equal("No response within 1 s.", (string)attempt["error"]!);
        Assert.InRange((int)attempt["latency_ms"]!, 900, 2900);
    }

    [Theory]
    [InlineData("93.184.215.14", true)]
    [InlineData("2606:2800:21f:cb07:6820:80da:af6b:8b2c", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.0.0.8", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.100.100.200", false)]
    [InlineData("100.63.255.255", true)]
    [InlineData("100.64.0.1", false)]
    [InlineData("100.127.255.254", false)]
    [InlineData("100.128.0.1", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00:ec2::254", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:93.184.215.14", true)]
    [InlineData("64:ff9b::a9fe:a9fe", false)]
    public void Public_addresses_are_told_from_inward_ones(string address, bool isPublic) =>
        Assert.Equal(isPublic, WebhookTargets.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public async Task Any_2xx_answer_acknowledges_a_delivery_and_a_300_does_not()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer("/accepted", 202, "queued");
        receiver.Answer("/empty", 204);
        receiver.Answer("/choices", 300, "pick one");
        var accepted = await SaleToAsync(receiver.Url("/accepted"));
        var empty = await SaleToAsync(receiver.Url("/empty"));
        var choices = await SaleToAsync(receiver.Url("/choices"));
        await app.DeliverAsync();
        async Task<(int?, bool, string?, string?, string)> OutcomeAsync(Registered endpoint)
        {
            var messageId = await MessageIdAsync(endpoint.Id);
            var attempt = await AttemptAsync(endpoint.Id, messageId);
            var status = await app.WithDbAsync(db => db.WebhookMessages.Where(m => m.MessageId == messageId).Select(m => m.Status).SingleAsync(Ct));
            return ((int?)attempt["status_code"], (bool)attempt["succeeded"]!, (string?)attempt["response_excerpt"], (string?)attempt["error"], status);
        }
        Assert.Equal((202, true, "queued", null, "delivered"), await OutcomeAsync(accepted));
        Assert.Equal((204, true, null, null, "delivered"), await OutcomeAsync(empty));
        Assert.Equal((300, false, "pick one", null, "pending"), await OutcomeAsync(choices));
    }
}

public sealed class WebhookEventsTestsOnSqlite(SqliteApp app) : WebhookEventsTests(app), IClassFixture<SqliteApp>;
public sealed class WebhookEventsTestsOnPostgres(PostgresApp app) : WebhookEventsTests(app), IClassFixture<PostgresApp>;
public sealed class WebhookTargetTestsOnSqlite(SqliteApp app) : WebhookTargetTests(app), IClassFixture<SqliteApp>;
public sealed class WebhookTargetTestsOnPostgres(PostgresApp app) : WebhookTargetTests(app), IClassFixture<PostgresApp>;
