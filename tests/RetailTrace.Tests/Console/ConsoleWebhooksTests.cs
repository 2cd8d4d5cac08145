using Microsoft.EntityFrameworkCore;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Webhooks;

namespace RetailTrace.Tests.OperatorConsole;

/// <summary>The console's webhook pages: an endpoint's deliveries as they happened, replay, and switching an endpoint off and on, each audited.</summary>
public abstract class ConsoleWebhooksTests(AppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_failed_delivery_shows_its_attempt_and_a_replay_delivers_it_under_the_same_webhook_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer("/console-hook", 500, "try later");
        var world = await app.ImportedCaseAsync(units: 2);
        var endpoint = await world.Dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/console-hook"), ["lucidid.sold"]);
        await world.Dispensary.SellAsync("HOOK-1", world.Case.AllLucidIds.ToArray());
        await app.DeliverAsync();
        var failed = Assert.Single(receiver.Received);

        var console = await ConsoleClient.SignInAsync(app, name: "Hook Watcher");
        var list = await console.GetAsync("/console/webhooks");
        Assert.Equal(200, list.Status);
        Assert.Contains($"<a href=\"/console/webhooks/{endpoint.Id}\"><code>{endpoint.Id}</code></a>", list.Html);
        Assert.Contains($"dispensary <a href=\"/console/dispensaries/{world.Dispensary.Uuid}\">", list.Html);

        var page = await console.GetAsync($"/console/webhooks/{endpoint.Id}");
        Assert.Equal(200, page.Status);
        Assert.Contains($"<a href=\"/console/webhooks/{endpoint.Id}/messages/{failed.Id}\"><code>{failed.Id}</code></a>", page.Html);
        Assert.Contains("<td>lucidid.sold</td><td data-status>pending</td><td class=\"num\">1</td>", page.Html);
        Assert.DoesNotContain(endpoint.Secret, page.Html);

        var message = await console.GetAsync($"/console/webhooks/{endpoint.Id}/messages/{failed.Id}");
        Assert.Equal(200, message.Status);
        Assert.Contains("<td class=\"num\">500</td>", message.Html);
        Assert.Contains("<code>try later</code>", message.Html);
        Assert.Contains(System.Net.WebUtility.HtmlEncode("\"type\": \"lucidid.sold\""), message.Html);

        var replayed = await console.PostAsync($"/console/webhooks/{endpoint.Id}", "replay", ("message_id", failed.Id));
        Assert.Equal(200, replayed.Status);
        Assert.Equal(1, await app.DeliverAsync());
        var delivered = receiver.Received.Last();
        Assert.Equal((2, failed.Id, failed.Body), (receiver.Received.Count, delivered.Id, delivered.Body));
        delivered.Verify(endpoint.Secret);
        Assert.Contains("<td>lucidid.sold</td><td data-status>delivered</td><td class=\"num\">1</td>", (await console.GetAsync($"/console/webhooks/{endpoint.Id}")).Html);
        var entry = (await app.AuditAsync()).Last();
        Assert.Equal(("webhook_message.replay", "Hook Watcher", failed.Id, $"endpoint {endpoint.Id}"), (entry.Action, entry.Operator, entry.Target, entry.Detail));

        var unknown = await console.PostAsync($"/console/webhooks/{endpoint.Id}", "replay", ("message_id", "msg_unknown"));
        Assert.Equal(400, unknown.Status);
        Assert.Contains("Webhook message not found.", unknown.Html);
    }

    [Fact]
    public async Task An_endpoint_switched_off_in_the_console_gets_no_deliveries_until_it_is_switched_on()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var world = await app.ImportedCaseAsync(units: 1);
        var endpoint = await world.Dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", receiver.Url("/switch"), ["lucidid.sold"]);
        var console = await ConsoleClient.SignInAsync(app, name: "Switcher");

        var off = await console.PostAsync($"/console/webhooks/{endpoint.Id}", "switch", ("enabled", "false"));
        Assert.Equal(200, off.Status);
        Assert.Contains("<dd data-state>disabled</dd>", off.Html);
        Assert.False(await app.WithDbAsync(db => db.Set<WebhookEndpoint>().Where(e => e.Id == endpoint.Id).Select(e => e.Enabled).SingleAsync(Ct)));
        await world.Dispensary.SellAsync("SWITCH-1", world.Case.AllLucidIds.ToArray());
        await app.DeliverAsync();
        Assert.Empty(receiver.Received);

        var on = await console.PostAsync($"/console/webhooks/{endpoint.Id}", "switch", ("enabled", "true"));
        Assert.Contains("<dd data-state>enabled</dd>", on.Html);
        var audit = (await app.AuditAsync()).TakeLast(2).Select(e => (e.Action, e.Operator, e.Target)).ToList();
        Assert.Equal([("webhook_endpoint.disable", "Switcher", endpoint.Id), ("webhook_endpoint.enable", "Switcher", endpoint.Id)], audit);
        var (status, _, _) = await app.AdminClient().GetJsonAsync($"/admin/v1/webhook-endpoints/{endpoint.Id}");
        Assert.Equal(200, status);
        Assert.Equal(404, (await console.GetAsync("/console/webhooks/nope")).Status);
    }
}

public sealed class ConsoleWebhooksTestsOnSqlite(SqliteApp app) : ConsoleWebhooksTests(app), IClassFixture<SqliteApp>;
public sealed class ConsoleWebhooksTestsOnPostgres(PostgresApp app) : ConsoleWebhooksTests(app), IClassFixture<PostgresApp>;
