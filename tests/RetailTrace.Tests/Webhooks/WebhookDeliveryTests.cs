using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Webhooks;

namespace RetailTrace.Tests.Webhooks;

/// <summary>Deliveries end to end: a change through the API, the dispatcher run by hand, a real receiver on 127.0.0.1
/// that verifies every request with the StandardWebhooks library.</summary>
public abstract class WebhookDeliveryTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_sale_of_five_units_is_one_signed_lucidid_sold_delivery_to_the_dispensary_and_one_to_the_brand()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var world = await app.ImportedCaseAsync(units: 5);
        var pos = await world.Dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/pos"), [WebhookEventTypes.LucidIdSold]);
        var erp = await world.Brand.Client.RegisterAsync("/api/v1.5/webhook-endpoints/", receiver.Url("/erp"), [WebhookEventTypes.LucidIdSold]);
        var units = world.Case.AllLucidIds.ToArray();
        await app.DeliverAsync(); // the mint and the import are not subscribed: nothing is sent
        Assert.Empty(receiver.Received);

        await world.Dispensary.SellAsync("ORDER-5", units);
        Assert.Equal(2, await app.DeliverAsync());
        Assert.Equal(0, await app.DeliverAsync());

        var at = await app.WithDbAsync(db => db.ItemEvents.Where(e => e.OrderId == "ORDER-5").Select(e => e.At).SingleAsync(Ct));
        var time = Drf.FormatDateTime(at);
        var ids = string.Join(",", units.Order(StringComparer.Ordinal).Select(id => $"\"{id}\""));
        var expected = $$$"""{"type":"lucidid.sold","timestamp":"{{{time}}}","data":{"event":"sold","at":"{{{time}}}","dispensary_uuid":"{{{world.Dispensary.Uuid}}}","package_uid":null,"order_id":"ORDER-5","performed_at":"2024-05-01T10:00:00.000000Z","lucid_ids":[{{{ids}}}]}}""";
        var (toPos, toErp) = (Assert.Single(receiver.At("/pos")), Assert.Single(receiver.At("/erp")));
        Assert.Equal(expected, toPos.Body);
        Assert.Equal(expected, toErp.Body); // the brand owns all five
        toPos.Verify(pos.Secret);
        toErp.Verify(erp.Secret);
        Assert.False(toPos.VerifiesWith(erp.Secret));
        Assert.StartsWith("msg_", toPos.Id);
        Assert.NotEqual(toPos.Id, toErp.Id);
        Assert.Equal("application/json; charset=utf-8", toPos.Headers.ContentType.ToString());

        var (status, messages, raw) = await app.AdminClient().GetJsonAsync($"/admin/v1/webhook-endpoints/{pos.Id}/messages");
        Assert.True(status == 200, raw);
        var message = Assert.Single(messages!.AsArray())!;
        Assert.Equal(toPos.Id, (string)message["id"]!);
        Assert.Equal("delivered", (string)message["status"]!);
        Assert.Equal(1, (int)message["attempt_count"]!);
        Assert.Null(message["next_attempt_at"]);

        // The filters: a status and a limit narrow the list; a value outside them is a 400 naming the parameter.
        var messagesUrl = $"/admin/v1/webhook-endpoints/{pos.Id}/messages";
        Assert.Equal(toPos.Id, (string)(await app.AdminClient().GetJsonAsync(messagesUrl + "?status=delivered&limit=1")).Body!.AsArray().Single()!["id"]!);
        Assert.Empty((await app.AdminClient().GetJsonAsync(messagesUrl + "?status=pending")).Body!.AsArray());
        foreach (var (query, errors) in new[]
        {
            ("?status=bogus", """{"status":["Must be one of: pending, delivered, failed."]}"""),
            ("?limit=0", """{"limit":["Must be a whole number from 1 to 500."]}"""),
            ("?limit=abc&status=DELIVERED", """{"status":["Must be one of: pending, delivered, failed."],"limit":["Must be a whole number from 1 to 500."]}"""),
            ("?limit=501", """{"limit":["Must be a whole number from 1 to 500."]}"""),
        })
        {
            var (refused, body, refusal) = await app.AdminClient().GetJsonAsync(messagesUrl + query);
            Assert.True(refused == 400, query + " → " + refusal);
            Assert.Equal(errors, body!["errors"].Json());
        }
    }

    [Fact]
    public async Task A_brand_learns_of_its_own_units_only_when_a_sale_mixes_brands()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var first = await app.ImportedCaseAsync(units: 2);
        var other = await app.NewBrandAsync();
        var otherCase = await other.MintAsync(1);
        await Dispensary.DispensaryKit.ImportAsync(first.Dispensary.Client, otherCase, 0, "PKG-2");
        var mine = await first.Brand.Client.RegisterAsync("/api/v1.5/webhook-endpoints/", receiver.Url("/mine"), [WebhookEventTypes.LucidIdSold]);
        var theirs = await other.Client.RegisterAsync("/api/v1.5/webhook-endpoints/", receiver.Url("/theirs"), [WebhookEventTypes.LucidIdSold]);
        var pos = await first.Dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/pos"), [WebhookEventTypes.LucidIdSold]);

        await first.Dispensary.SellAsync("MIXED", [.. first.Case.AllLucidIds, .. otherCase.AllLucidIds]);
        await app.DeliverAsync();

        JsonNode Ids(string path) => Assert.Single(receiver.At(path)).Json["data"]!["lucid_ids"]!;
        Assert.Equal(first.Case.AllLucidIds.Order(StringComparer.Ordinal), Ids("/mine").AsArray().Select(n => (string)n!));
        Assert.Equal(otherCase.AllLucidIds, Ids("/theirs").AsArray().Select(n => (string)n!));
        Assert.Equal(3, Ids("/pos").AsArray().Count);
        receiver.At("/mine")[0].Verify(mine.Secret);
        receiver.At("/theirs")[0].Verify(theirs.Secret);
        receiver.At("/pos")[0].Verify(pos.Secret);
    }

    [Fact]
    public async Task A_receiver_answering_500_then_200_gets_the_event_on_the_retry_five_seconds_later()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = new WebhookHost(app);
        var world = await app.ImportedCaseAsync(units: 1);
        var endpoint = await world.Dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/flaky"), [WebhookEventTypes.LucidIdSold]);
        receiver.Answer("/flaky", 500, "{\"error\":\"database down\"}");
        receiver.Delay = TimeSpan.FromMilliseconds(250); // each attempt waits this long for its answer
        await world.Dispensary.SellAsync("RETRY-1", world.Case.AllLucidIds.ToArray());

        Assert.Equal(1, await host.DeliverAsync());
        host.Time.Advance(TimeSpan.FromSeconds(4)); // 5 s ± 10 %: not yet
        Assert.Equal(0, await host.DeliverAsync());
        host.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await host.DeliverAsync());
        Assert.Equal(0, await host.DeliverAsync());

        var (first, second) = (receiver.At("/flaky")[0], receiver.At("/flaky")[1]);
        Assert.Equal(2, receiver.At("/flaky").Count);
        Assert.Equal(first.Id, second.Id); // one webhook-id across attempts
        Assert.Equal(first.Body, second.Body);
        first.Verify(endpoint.Secret);
        second.Verify(endpoint.Secret);

        var (status, detail, raw) = await app.AdminClient().GetJsonAsync($"/admin/v1/webhook-endpoints/{endpoint.Id}/messages/{first.Id}");
        Assert.True(status == 200, raw);
        Assert.Equal("delivered", (string)detail!["status"]!);
        Assert.Equal(2, (int)detail["attempt_count"]!);
        Assert.Equal(first.Body, detail["payload"].Json());
        var attempts = detail["attempts"]!.AsArray();
        Assert.Equal([500, 200], attempts.Select(a => (int)a!["status_code"]!));
        Assert.Equal([false, true], attempts.Select(a => (bool)a!["succeeded"]!));
        Assert.Equal("{\"error\":\"database down\"}", (string)attempts[0]!["response_excerpt"]!);
        Assert.All(attempts, a => Assert.Equal(receiver.Url("/flaky"), (string)a!["url"]!));
        Assert.All(attempts, a => Assert.InRange((int)a!["latency_ms"]!, 200, 15_000)); // the receiver's 250 ms (timers may fire a little early), within the 15 s timeout
    }

    [Fact]
    public async Task An_endpoints_later_events_wait_behind_a_failing_one_and_arrive_in_order()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = new WebhookHost(app);
        var world = await app.ImportedCaseAsync(units: 2);
        var units = world.Case.AllLucidIds.ToArray();
        await world.Dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/ordered"), [WebhookEventTypes.LucidIdSold, WebhookEventTypes.LucidIdVoided]);
        receiver.Answer("/ordered", 503);
        await world.Dispensary.SellAsync("FIRST", units[0]);
        await world.Dispensary.SellAsync("SECOND", units[1]);
        var (voided, _, raw) = await world.Dispensary.Client.PostJsonAsync("/api/v1.2/transactions/void/", Dispensary.DispensaryKit.Void("FIRST"));
        Assert.True(voided == 200, raw);

        Assert.Equal(1, await host.DeliverAsync()); // FIRST fails; SECOND and the void wait behind it
        host.Time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(3, await host.DeliverAsync());
        Assert.Equal(["sold FIRST", "sold FIRST", "sold SECOND", "voided FIRST"],
            receiver.At("/ordered").Select(r => $"{r.Json["data"]!["event"]} {r.Json["data"]!["order_id"]}"));
    }

    [Fact]
    public async Task An_endpoint_failing_for_a_day_is_disabled_with_an_event_and_resumes_when_enabled()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = new WebhookHost(app, null, ("Webhooks:DisableAfter", "12h"));
        var world = await app.ImportedCaseAsync(units: 1);
        var failing = await world.Dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/down"), [WebhookEventTypes.LucidIdSold]);
        await world.Dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/ops"), [WebhookEventTypes.EndpointDisabled]);
        for (var i = 0; i < 10; i++) receiver.Answer("/down", 500);
        await world.Dispensary.SellAsync("DOWN-1", world.Case.AllLucidIds.ToArray());

        // Attempts at 0, 5 s, 5 min, 30 min, 2 h, 5 h and 10 h after each other: the seventh comes 17.6 h after the first.
        foreach (var wait in new[] { 0, 5, 300, 1800, 7200, 18000, 36000 })
        {
            host.Time.Advance(TimeSpan.FromSeconds(wait * 1.11));
            Assert.Equal(1, await host.DeliverAsync());
        }
        Assert.Equal(7, receiver.At("/down").Count);
        var (_, endpoint, _) = await app.AdminClient().GetJsonAsync($"/admin/v1/webhook-endpoints/{failing.Id}");
        Assert.False((bool)endpoint!["enabled"]!);
        Assert.Equal("Every delivery attempt failed for 19 hours.", (string)endpoint["disabled_reason"]!);

        // The owner's other endpoint hears of it.
        await host.DeliverAsync();
        var delivered = Assert.Single(receiver.At("/ops"));
        var notice = delivered.Json;
        Assert.Equal(WebhookEventTypes.EndpointDisabled, (string)notice["type"]!);
        Assert.Empty((await app.ContractAsync()).CheckWebhook("dispensary", delivered.Type, name => delivered.Headers[name].ToString(), delivered.Body));
        Assert.Equal($$$"""{"endpoint_id":"{{{failing.Id}}}","url":"{{{receiver.Url("/down")}}}","disabled_reason":"Every delivery attempt failed for 19 hours.","failing_since":{{{notice["data"]!["failing_since"].Json()}}}}""",
            notice["data"].Json());
        host.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await host.DeliverAsync()); // disabled: nothing is attempted

        // The tenant enables it again: the waiting message goes out at once.
        var (status, enabled, raw) = await world.Dispensary.Client.SendAsync(HttpMethod.Patch, $"/api/v1.2/webhook-endpoints/{failing.Id}/", new { enabled = true });
        Assert.True(status == 200, raw);
        Assert.True((bool)enabled!["enabled"]!);
        Assert.Null((string?)enabled["disabled_reason"]);
        receiver.Received.Clear();
        Assert.Equal(1, await host.DeliverAsync());
        Assert.Equal("DOWN-1", (string)Assert.Single(receiver.At("/down")).Json["data"]!["order_id"]!);
        // Enabling starts the message's retry schedule over: that attempt failed too (the receiver still answers 500),
        // and the message waits for its second attempt instead of failing for good.
        var (_, messages, _) = await app.AdminClient().GetJsonAsync($"/admin/v1/webhook-endpoints/{failing.Id}/messages");
        var message = Assert.Single(messages!.AsArray())!;
        Assert.Equal(("pending", 1), ((string)message["status"]!, (int)message["attempt_count"]!));
    }

    [Fact]
    public async Task A_delivery_that_succeeds_ends_the_failing_streak()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = new WebhookHost(app, null, ("Webhooks:DisableAfter", "12h"));
        var world = await app.ImportedCaseAsync(units: 2);
        var units = world.Case.AllLucidIds.ToArray();
        var endpoint = await world.Dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/flaky"), [WebhookEventTypes.LucidIdSold]);
        async Task<JsonNode> ShownAsync() => (await app.AdminClient().GetJsonAsync($"/admin/v1/webhook-endpoints/{endpoint.Id}")).Body!;

        receiver.Answer("/flaky", 500);
        await world.Dispensary.SellAsync("FLAKY-1", units[0]);
        Assert.Equal(1, await host.DeliverAsync());
        Assert.Equal(host.Time.Now.UtcDateTime, (await ShownAsync())["failing_since"]!.GetValue<DateTime>(), TimeSpan.FromMilliseconds(1));
        host.Time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(1, await host.DeliverAsync()); // the retry is answered 200
        Assert.Null((await ShownAsync())["failing_since"]);

        // A day later one failure starts a new streak; it does not finish the old one and disable the endpoint.
        host.Time.Advance(TimeSpan.FromDays(1));
        receiver.Answer("/flaky", 500);
        await world.Dispensary.SellAsync("FLAKY-2", units[1]);
        Assert.Equal(1, await host.DeliverAsync());
        var shown = await ShownAsync();
        Assert.True((bool)shown["enabled"]!);
        Assert.Equal(host.Time.Now.UtcDateTime, shown["failing_since"]!.GetValue<DateTime>(), TimeSpan.FromMilliseconds(1));
        host.Time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(1, await host.DeliverAsync()); // delivered: nothing is left waiting for the other tests of this database
        Assert.Equal(["FLAKY-1", "FLAKY-1", "FLAKY-2", "FLAKY-2"], receiver.At("/flaky").Select(r => (string)r.Json["data"]!["order_id"]!));
    }

    [Fact]
    public async Task After_a_rotation_deliveries_verify_with_the_old_and_the_new_secret_for_a_day()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var world = await app.ImportedCaseAsync(units: 2);
        var units = world.Case.AllLucidIds.ToArray();
        var endpoint = await world.Dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/rotating"), [WebhookEventTypes.LucidIdSold]);
        var (status, rotated, raw) = await world.Dispensary.Client.PostJsonAsync($"/api/v1.2/webhook-endpoints/{endpoint.Id}/rotate-secret/");
        Assert.True(status == 200, raw);
        var secret = (string)rotated!["secret"]!;
        Assert.NotEqual(endpoint.Secret, secret);
        Assert.StartsWith("whsec_", secret);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);

        await world.Dispensary.SellAsync("ROT-1", units[0]);
        await app.DeliverAsync();
        var during = Assert.Single(receiver.Received);
        Assert.Equal(3, during.Headers["webhook-signature"].ToString().Split(' ').Length); // new, old, new (see WebhookDispatcher)
        during.Verify(secret);
        during.Verify(endpoint.Secret);

        // A day later only the new secret signs.
        await using var later = new WebhookHost(app, new ManualTime(DateTimeOffset.UtcNow.AddDays(1).AddMinutes(1)));
        await world.Dispensary.SellAsync("ROT-2", units[1]);
        await later.DeliverAsync();
        var after = receiver.Received.Last();
        var signature = after.Headers["webhook-signature"].ToString();
        Assert.Equal(WebhookSecrets.Sign(secret, after.Id, long.Parse(after.Headers["webhook-timestamp"].ToString()), after.Body), signature);
    }

    [Fact]
    public async Task Secrets_are_stored_encrypted_and_shown_only_when_created_or_rotated()
    {
        var dispensary = await app.NewDispensaryAsync();
        var endpoint = await dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", "https://hooks.example.com/retailtrace", [WebhookEventTypes.ExportReady]);
        var stored = await app.WithDbAsync(db => db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.Id == endpoint.Id, Ct));
        var keyBytes = endpoint.Secret["whsec_".Length..];
        Assert.DoesNotContain(keyBytes, stored.SecretCiphertext);
        Assert.DoesNotContain(keyBytes, System.Text.Json.JsonSerializer.Serialize(stored));
        Assert.True(await app.WithDbAsync(db => db.DataProtectionKeys.AnyAsync(Ct)), "the key ring is in the database");
        Assert.Equal(endpoint.Secret, app.Services.GetRequiredService<WebhookSecrets>().Unprotect(stored.SecretCiphertext));

        var (_, one, _) = await dispensary.Client.GetJsonAsync($"/api/v1.2/webhook-endpoints/{endpoint.Id}/");
        var (_, all, _) = await dispensary.Client.GetJsonAsync("/api/v1.2/webhook-endpoints/");
        var (_, admin, _) = await app.AdminClient().GetJsonAsync($"/admin/v1/webhook-endpoints/{endpoint.Id}");
        foreach (var view in new[] { one, all, admin }) Assert.DoesNotContain(keyBytes, view.Json());
        Assert.Null(one!["secret"]);
    }
}

public sealed class WebhookDeliveryTestsOnSqlite(SqliteApp app) : WebhookDeliveryTests(app), IClassFixture<SqliteApp>;
public sealed class WebhookDeliveryTestsOnPostgres(PostgresApp app) : WebhookDeliveryTests(app), IClassFixture<PostgresApp>;
