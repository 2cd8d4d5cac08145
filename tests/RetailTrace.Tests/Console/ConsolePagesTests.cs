using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Store;

namespace RetailTrace.Tests.OperatorConsole;

/// <summary>What the console pages show and do, checked against the APIs and the database on both providers.</summary>
public abstract class ConsolePagesTests(AppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Console_forms_and_the_admin_API_refuse_the_same_input_with_the_same_messages()
    {
        var console = await ConsoleClient.SignInAsync(app);
        var name = new string('d', 256);
        var page = await console.PostAsync("/console/dispensaries", "create-dispensary", ("name", name), ("time_zone", "Mars/Olympus"), ("export_time", "7pm"));
        var (status, problem, _) = await app.AdminClient().PostJsonAsync("/admin/v1/dispensaries", new { name, time_zone = "Mars/Olympus", export_time = "7pm" });
        Assert.Equal((400, 400), (page.Status, status));
        var apiErrors = problem!["errors"]!.AsObject().ToDictionary(e => e.Key, e => (string)e.Value![0]!);
        Assert.Equal(["export_time", "name", "time_zone"], apiErrors.Keys.Order());
        foreach (var (field, message) in apiErrors)
            Assert.Contains($"<span class=\"field-error\" id=\"{field}-error\" role=\"alert\">{message}</span>", page.Html);
        Assert.False(await app.WithDbAsync(db => db.Dispensaries.AnyAsync(d => d.TimeZone == "Mars/Olympus", Ct)));
    }

    [Fact]
    public async Task Renaming_in_the_console_uses_the_admin_APIs_rule_and_is_audited()
    {
        var store = await app.NewStoreAsync();
        var console = await ConsoleClient.SignInAsync(app, name: "Renamer");
        var blank = await console.PostAsync($"/console/shops/{store.ShopId}", "rename", ("new_name", "   "));
        Assert.Equal(400, blank.Status);
        Assert.Contains("<span class=\"field-error\" id=\"new_name-error\" role=\"alert\">This field is required.</span>", blank.Html);
        var renamed = await console.PostAsync($"/console/shops/{store.ShopId}", "rename", ("new_name", " Uptown "));
        Assert.Equal(302, renamed.Status);
        Assert.Contains("<h1>Uptown</h1>", (await console.GetAsync($"/console/shops/{store.ShopId}")).Html);
        Assert.Equal("Uptown", await app.WithDbAsync(db => db.Shops.Where(s => s.Id == store.ShopId).Select(s => s.Name).SingleAsync(Ct)));
        var entry = (await app.AuditAsync()).Last();
        Assert.Equal(("shop.rename", "Renamer", store.ShopId, "Uptown"), (entry.Action, entry.Operator, entry.Target, entry.Detail));
    }

    [Fact]
    public async Task A_new_client_secret_is_shown_once_works_at_the_token_endpoint_and_only_its_hash_is_kept()
    {
        var dispensary = await app.NewDispensaryAsync();
        var console = await ConsoleClient.SignInAsync(app, name: "Key Keeper");
        var posted = await console.PostAsync("/console/credentials", "create-client", ("name", "Till 2"), ("dispensary_uuid", dispensary.Uuid));
        Assert.Equal(302, posted.Status);
        var shown = await console.GetAsync(posted.Location!);
        var secret = Between(shown.Html, "<code id=\"new-secret\" class=\"secret-value\">", "</code>");
        var clientId = Between(shown.Html, "<code id=\"new-client-id\">", "</code>");
        Assert.Equal(200, (await Tenants.BearerClientAsync(app, clientId, secret)).DefaultRequestHeaders.Authorization is null ? 0 : 200);
        Assert.DoesNotContain(secret, (await console.GetAsync("/console/credentials")).Html);
        var stored = await app.WithDbAsync(db => db.OAuthClients.SingleAsync(c => c.ClientId == clientId, Ct));
        Assert.Equal((Secrets.Hash(secret), ClientKind.Dispensary, (Guid?)ShortUuid.Decode(dispensary.Uuid)), (stored.SecretHash, stored.Kind, stored.DispensaryId));
        var entry = (await app.AuditAsync()).Last(e => e.Action == "oauth_client.create");
        Assert.Equal(("Key Keeper", clientId, $"Till 2; dispensary {dispensary.Uuid}"), (entry.Operator, entry.Target, entry.Detail));
        Assert.DoesNotContain(secret, entry.Detail);
    }

    [Fact]
    public async Task Revoking_keys_in_the_console_refuses_them_in_the_store_API()
    {
        var store = await app.NewStoreAsync();
        Assert.Equal(200, (await store.Client.GetJsonAsync("/api/v1/partner/store/batches")).Status);
        var (partnerId, keyId) = await app.WithDbAsync(async db => (
            await db.Partners.Where(p => p.KeyHash == Secrets.Hash(store.PartnerKey)).Select(p => p.Id).SingleAsync(Ct),
            await db.DeveloperKeys.Where(k => k.KeyHash == Secrets.Hash(store.DeveloperKey)).Select(k => k.Id).SingleAsync(Ct)));
        var console = await ConsoleClient.SignInAsync(app);
        Assert.Equal(200, (await console.PostAsync("/console/credentials", "revoke-partner", ("partner_id", partnerId))).Status);
        Assert.Equal(200, (await console.PostAsync($"/console/shops/{store.ShopId}", "revoke-developer-key", ("key_id", keyId))).Status);
        Assert.True(await app.WithDbAsync(async db => await db.Partners.AnyAsync(p => p.Id == partnerId && p.Revoked, Ct) && await db.DeveloperKeys.AnyAsync(k => k.Id == keyId && k.Revoked, Ct)));
        var status = 200;
        for (var i = 0; i < 80 && status != 401; i++)
        {
            if (i > 0) await Task.Delay(100, Ct);
            status = (await store.Client.GetJsonAsync("/api/v1/partner/store/batches")).Status;
        }
        Assert.Equal(401, status);
        var unknown = await console.PostAsync("/console/credentials", "revoke-partner", ("partner_id", "65a1b2c3d4e5f6a7b8c9d0e1"));
        Assert.Equal(400, unknown.Status);
        Assert.Contains("Partner not found.", unknown.Html);
    }

    [Theory]
    [InlineData("{0}")]
    [InlineData("  https://lucid.green/q/{0}  ")]
    [InlineData("https://lucid.green/q/{0}/")]
    [InlineData("https://scan.example/l?id={0}&src=qr")]
    [InlineData("https://scan.example/2222222222222222222222/l?batch=2222222222222222222222&id={0}")] // the last id counts
    public async Task The_trace_box_takes_a_LucidID_a_QR_URL_ending_in_one_or_a_case(string form)
    {
        var minted = await app.MintCaseAsync(2);
        var console = await ConsoleClient.SignInAsync(app);
        var lucid = minted.Parts[0].LucidIds[1];
        var found = await console.GetAsync("/console/trace?q=" + Uri.EscapeDataString(string.Format(form, lucid)));
        Assert.Equal((302, $"http://localhost/console/lucidids/{lucid}"), (found.Status, found.Location));
        var byUuid = await console.GetAsync("/console/trace?q=" + ShortUuid.Decode(minted.CaseUuid));
        Assert.Equal((302, $"http://localhost/console/cases/{minted.CaseUuid}"), (byUuid.Status, byUuid.Location));
        var none = await console.GetAsync("/console/trace?q=2222222222222222222222");
        Assert.Equal(200, none.Status);
        Assert.Contains("No LucidID or case has the id 2222222222222222222222.", none.Html);
    }

    [Fact]
    public async Task The_timeline_shows_each_event_at_its_dispensarys_clock_and_the_case_every_units_state()
    {
        var world = await ConsoleWorld.CreateAsync(app);
        var console = await ConsoleClient.SignInAsync(app);
        var page = await console.GetAsync($"/console/lucidids/{world.SoldLucidId}");
        var events = await app.WithDbAsync(db => db.ItemEvents.AsNoTracking()
            .Where(e => e.Units.Any(u => u.ItemId == ShortUuid.Decode(world.SoldLucidId))).OrderBy(e => e.Id).ToListAsync(Ct));
        Assert.Equal([ItemEventTypes.Minted, ItemEventTypes.Imported, ItemEventTypes.Sold], events.Select(e => e.Type));
        var zone = TimeZoneInfo.FindSystemTimeZoneById(ConsoleWorld.Zone);
        var text = ConsoleClient.TextOf(page.Html);
        string Local(DateTime utc)
        {
            var offset = zone.GetUtcOffset(utc);
            return $"{utc + offset:yyyy-MM-dd HH:mm:ss} {ConsoleWorld.Zone} (UTC{(offset < TimeSpan.Zero ? "−" : "+")}{offset.Duration():hh\\:mm})";
        }
        Assert.Contains($"{events[0].At:yyyy-MM-dd HH:mm:ss} UTC minted as a new label", text);
        Assert.Contains($"{Local(events[1].At)} imported into package {ConsoleWorld.PackageUid} at {DispensaryName(page.Html)}", text);
        Assert.Contains($"{Local(events[2].At)} sold in order {ConsoleWorld.OrderId} at {DispensaryName(page.Html)}", text);
        Assert.Contains("State sold Where", text);
        Assert.Contains($"sold from package {ConsoleWorld.PackageUid}", text);
        var unsold = ConsoleClient.TextOf((await console.GetAsync($"/console/lucidids/{world.Case.Parts[0].LucidIds[1]}")).Html);
        Assert.Contains("State in_inventory Where", unsold);
        Assert.Contains($"in package {ConsoleWorld.PackageUid}", unsold);
        Assert.DoesNotContain("sold from package", unsold);

        var casePage = ConsoleClient.TextOf((await console.GetAsync($"/console/cases/{world.Case.CaseUuid}")).Html);
        Assert.Contains($"into {ConsoleWorld.PackageUid} at", casePage);
        Assert.Contains("3 2 in_inventory, 1 sold", casePage);
        foreach (var unit in world.Case.AllLucidIds) Assert.Contains(unit, casePage);
    }

    [Fact]
    public async Task The_dashboard_counts_what_the_database_holds()
    {
        var world = await ConsoleWorld.CreateAsync(app);
        await app.NewStoreAsync(world.Store.CompanyId); // a company's second shop: there are more shops than companies
        var console = await ConsoleClient.SignInAsync(app);
        var html = (await console.GetAsync("/console/")).Html;
        var expected = await app.WithDbAsync(async db => new Dictionary<string, int>
        {
            ["brands"] = await db.Brands.CountAsync(Ct),
            ["dispensaries"] = await db.Dispensaries.CountAsync(Ct),
            ["companies"] = await db.Companies.CountAsync(Ct),
            ["shops"] = await db.Shops.CountAsync(Ct),
            ["state-sold"] = await db.LucidItems.CountAsync(i => i.State == ItemStates.Sold, Ct),
            ["state-in_inventory"] = await db.LucidItems.CountAsync(i => i.State == ItemStates.InInventory, Ct),
            ["transfers-pending"] = await db.InventoryTransfers.CountAsync(t => t.Status == TransferStatus.Pending, Ct),
            ["sales-today"] = await db.ItemEvents.CountAsync(e => e.Type == ItemEventTypes.Sold && e.At >= DateTime.UtcNow.Date, Ct),
        });
        Assert.True(expected["state-sold"] > 0 && expected["transfers-pending"] > 0 && expected["shops"] > expected["companies"]);
        foreach (var (key, count) in expected) Assert.Contains($"data-count=\"{key}\">{count}<", html);
    }

    [Fact]
    public async Task Lists_show_fifty_rows_a_page_with_a_link_to_the_next()
    {
        var dispensary = await app.NewDispensaryAsync();
        var admin = app.AdminClient();
        for (var i = 1; i < 50; i++) await Tenants.Created(admin, "/admin/v1/oauth-clients", new { name = $"Till {i}", dispensary_uuid = dispensary.Uuid });
        var console = await ConsoleClient.SignInAsync(app);
        // Exactly fifty (its POS client and 49 tills) fill one page, with no link to an empty next one.
        var full = await console.GetAsync($"/console/dispensaries/{dispensary.Uuid}");
        Assert.Equal(200, full.Status);
        Assert.Equal(50, full.Html.Split("<tr data-client=").Length - 1);
        Assert.DoesNotContain("rel=\"next\"", full.Html);
        await Tenants.Created(admin, "/admin/v1/oauth-clients", new { name = "Till 50", dispensary_uuid = dispensary.Uuid });
        var first = (await console.GetAsync($"/console/dispensaries/{dispensary.Uuid}")).Html;
        Assert.Equal(50, first.Split("<tr data-client=").Length - 1);
        Assert.Contains($"<a rel=\"next\" href=\"http://localhost/console/dispensaries/{dispensary.Uuid}?clients_page=2\">", first);
        var second = (await console.GetAsync($"/console/dispensaries/{dispensary.Uuid}?clients_page=2")).Html;
        Assert.Equal(1, second.Split("<tr data-client=").Length - 1);
        Assert.DoesNotContain("rel=\"next\"", second);
        var shown = first.Split("<tr data-client=\"").Skip(1).Concat(second.Split("<tr data-client=\"").Skip(1)).Select(r => r[..r.IndexOf('"')]).ToHashSet();
        var stored = await app.WithDbAsync(db => db.OAuthClients.Where(c => c.DispensaryId == ShortUuid.Decode(dispensary.Uuid)).Select(c => c.ClientId).ToListAsync(Ct));
        Assert.Equal(stored.Order(), shown.Order());
    }

    private static string DispensaryName(string html) => Between(html, "<dt>Where</dt>", "</a>").Split('>').Last();

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"'{start}' not found");
        from += start.Length;
        return text[from..text.IndexOf(end, from, StringComparison.Ordinal)].Trim();
    }

    [Fact]
    public async Task A_rooms_page_lists_only_that_rooms_quantities_with_what_is_reserved_and_sellable()
    {
        var world = await ConsoleWorld.CreateAsync(app);
        var batch = await app.WithDbAsync(db => db.BatchQuantities.Where(q => q.InventoryId == world.Store.FrontRoomId).Select(q => q.BatchId).SingleAsync(Ct));
        await app.SetQuantityAsync(world.Store.ShopId, batch, world.Store.VaultId, 4);
        var console = await ConsoleClient.SignInAsync(app);
        async Task<string> RowAsync(string room)
        {
            var page = await console.GetAsync($"/console/inventories/{room}");
            Assert.Equal(200, page.Status);
            var row = Assert.Single(page.Html.Split("<tr data-batch=\"").Skip(1));
            Assert.StartsWith($"{batch}\">", row);
            return row;
        }
        // 10 in the front room, 2.5 of them reserved by the world's pending transfer, so 7.5 left to sell; 4 in the vault, none reserved.
        Assert.Contains("<td class=\"num\">10</td><td class=\"num\">2.5</td><td class=\"num\">7.5</td>", await RowAsync(world.Store.FrontRoomId));
        Assert.Contains("<td class=\"num\">4</td><td class=\"num\">0</td><td class=\"num\">4</td>", await RowAsync(world.Store.VaultId));
    }

    [Fact]
    public async Task A_companys_transfers_are_filtered_by_status_newest_first_and_a_transfer_lists_its_logs_in_order()
    {
        var store = await app.NewStoreAsync();
        var (p1, b1) = await app.StockAsync(store, 10);
        var (p2, b2) = await app.StockAsync(store, 10);
        const string transfers = "/api/v1/partner/store/batches/transferInventory";
        async Task<string> TransferAsync(params object[] logs)
        {
            var (status, body, raw) = await store.Client.PostJsonAsync(transfers,
                new { fromInventoryId = store.FrontRoomId, toInventoryId = store.VaultId, currentEmployeeId = store.EmployeeId, transferLogs = logs });
            Assert.True(status == 200, raw);
            return (string)body!["id"]!;
        }
        var declined = await TransferAsync(new { productId = p1, fromBatchId = b1, transferAmount = 1 });
        Assert.Equal(200, (await store.Client.PostJsonAsync($"{transfers}/{declined}/decline", new { currentEmployeeId = store.EmployeeId })).Status);
        var pending = await TransferAsync(new { productId = p2, fromBatchId = b2, transferAmount = 2 }, new { productId = p1, fromBatchId = b1, transferAmount = 3 });

        var console = await ConsoleClient.SignInAsync(app);
        async Task<string[]> RowsAsync(string query)
        {
            var page = await console.GetAsync($"/console/companies/{store.CompanyId}{query}");
            Assert.Equal(200, page.Status);
            return page.Html.Split("<tr data-transfer=\"").Skip(1).Select(r => r[..r.IndexOf('"')]).ToArray();
        }
        Assert.Equal([pending, declined], await RowsAsync(""));
        Assert.Equal([pending, declined], await RowsAsync("?status=ALL"));
        Assert.Equal([pending], await RowsAsync("?status=PENDING"));
        Assert.Equal([declined], await RowsAsync("?status=DECLINED"));
        Assert.Empty(await RowsAsync("?status=ACCEPTED"));

        // The logs in the order they were sent, numbered from 1.
        var html = (await console.GetAsync($"/console/transfers/{pending}")).Html;
        var first = html.IndexOf($"<td>1</td><td><code>{p2}</code></td><td><code>{b2}</code></td>", StringComparison.Ordinal);
        var second = html.IndexOf($"<td>2</td><td><code>{p1}</code></td><td><code>{b1}</code></td>", StringComparison.Ordinal);
        Assert.True(first >= 0 && second > first, $"log rows at {first} and {second}");
    }

    [Fact]
    public async Task A_tenants_page_lists_only_its_own_clients_keys_exports_and_webhook_messages()
    {
        var world = await ConsoleWorld.CreateAsync(app);
        var other = await ConsoleWorld.CreateAsync(app);
        var brands = new[] { await app.NewBrandAsync(), await app.NewBrandAsync() };
        var console = await ConsoleClient.SignInAsync(app);
        async Task<string[]> RowsAsync(string url, string attribute)
        {
            var page = await console.GetAsync(url);
            Assert.Equal(200, page.Status);
            return page.Html.Split($"<tr {attribute}=\"").Skip(1).Select(r => r[..r.IndexOf('"')]).ToArray();
        }
        foreach (var w in new[] { world, other })
        {
            Assert.Equal([w.WebhookMessageId], await RowsAsync($"/console/webhooks/{w.WebhookEndpointId}", "data-message"));
            Assert.Equal([w.ExportRunId], await RowsAsync($"/console/dispensaries/{w.Dispensary.Uuid}", "data-run"));
            // The message's one attempt failed (nothing listens there): it is pending, not delivered.
            Assert.Equal([w.WebhookMessageId], await RowsAsync($"/console/webhooks/{w.WebhookEndpointId}?status=pending", "data-message"));
            Assert.Empty(await RowsAsync($"/console/webhooks/{w.WebhookEndpointId}?status=delivered", "data-message"));
            var key = await app.WithDbAsync(db => db.DeveloperKeys.Where(k => k.ShopId == w.Store.ShopId).Select(k => k.Id).SingleAsync(Ct));
            Assert.Equal([key], await RowsAsync($"/console/shops/{w.Store.ShopId}", "data-key"));
        }
        foreach (var brand in brands) Assert.Equal([brand.ClientId], await RowsAsync($"/console/brands/{brand.BrandUuid}", "data-client"));
    }
}

public sealed class ConsolePagesTestsOnSqlite(ConsoleSqliteApp app) : ConsolePagesTests(app), IClassFixture<ConsoleSqliteApp>;
public sealed class ConsolePagesTestsOnPostgres(ConsolePostgresApp app) : ConsolePagesTests(app), IClassFixture<ConsolePostgresApp>;
