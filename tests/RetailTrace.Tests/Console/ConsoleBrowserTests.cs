using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using RetailTrace.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RetailTrace.Tests.OperatorConsole;

[CollectionDefinition("Browser", DisableParallelization = true)]
public sealed class BrowserCollection;

/// <summary>
/// The console as an operator uses it, in a real browser against a real server: sign in (a wrong token first), create
/// a dispensary and its OAuth client (the secret shown once, copied with the button), mint, import and sell through
/// the APIs with that client, find the sold LucidID by its QR URL and read "sold" with its order on the timeline, run
/// an export and download it, revoke the client and see the API refuse its token, read the audit log, sign out.
/// Every page visited is saved as a screenshot under the run's output directory.
/// </summary>
[Collection("Browser")]
public abstract class ConsoleBrowserTests(AppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Zone = "America/Los_Angeles";
    private int _shot;

    [Fact]
    public async Task An_operator_traces_a_sold_item_runs_an_export_and_revokes_a_client()
    {
        var (playwright, browser) = await ConsoleBrowser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        await using var server = new ConsoleLiveServer(app);
        var shots = ConsoleBrowser.ScreenshotDirectory(app.Provider.ToString().ToLowerInvariant());
        var context = await browser.NewContextAsync(new() { BaseURL = server.BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 } });
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = server.BaseUrl });
        var page = await context.NewPageAsync();
        async Task Shot(string name)
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, $"{++_shot:00}-{name}.png"), FullPage = true });
            TestContext.Current.AddAttachment($"screenshot {_shot:00}-{name}", Path.Combine(shots, $"{_shot:00}-{name}.png"));
        }

        // Without a session every console page leads to sign-in; a wrong token is refused with a message.
        await page.GotoAsync("/console/dispensaries");
        await Expect(page).ToHaveURLAsync(new Regex("/console/sign-in\\?returnUrl=%2Fconsole%2Fdispensaries$"));
        await page.FillAsync("#operator", "Ada Operator");
        await page.FillAsync("#token", "not-the-token");
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("#token-error")).ToHaveTextAsync("Wrong admin token.");
        await Shot("sign-in-refused");
        await page.FillAsync("#token", AppFixture.AdminToken);
        await page.ClickAsync("button[type=submit]");
        await Expect(page).ToHaveURLAsync(new Regex("/console/dispensaries$"));

        // A dispensary in its own time zone, with its export on.
        await page.FillAsync("#name", "Green Door " + app.Provider);
        await page.FillAsync("#time_zone", Zone);
        await page.CheckAsync("input[type=checkbox][name=package_uid_export_enabled]");
        await page.ClickAsync("form.card button[type=submit]");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Green Door " + app.Provider);
        var dispensaryUrl = page.Url;
        var dispensaryUuid = dispensaryUrl[(dispensaryUrl.LastIndexOf('/') + 1)..];
        await Shot("dispensary");

        // Its OAuth client: the secret is shown once, and the copy button copies it.
        await page.ClickAsync("text=New OAuth client for this dispensary");
        await Expect(page.Locator("#dispensary_uuid")).ToHaveValueAsync(dispensaryUuid);
        await page.FillAsync("#client-name", "Front counter POS");
        await page.ClickAsync("text=Create client");
        var clientId = (await page.Locator("#new-client-id").TextContentAsync())!.Trim();
        var secret = (await page.Locator("#new-secret").TextContentAsync())!.Trim();
        await page.ClickAsync("button[data-copy=new-secret]");
        await Expect(page.Locator("button[data-copy=new-secret]")).ToHaveTextAsync("Copied");
        Assert.Equal(secret, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await Shot("credentials-secret-once");
        // Shown once: a reload shows it no more (and creates nothing: the post was answered with a redirect).
        await page.ReloadAsync();
        await Expect(page.Locator("#new-secret")).ToHaveCountAsync(0);
        Assert.DoesNotContain(secret, await page.ContentAsync());

        // Through the APIs, as the brand's ERP and the dispensary's POS would: mint a case of three, import it, sell one.
        var pos = server.ApiClient(await TokenAsync(server, clientId, secret));
        var brand = await app.NewBrandAsync();
        var erp = server.ApiClient((string)brand.Client.DefaultRequestHeaders.Authorization!.Parameter!);
        var product = await CreatedAsync(erp, "/api/v1.5/products/create/", new { name = "Night Gummies" });
        var batch = await CreatedAsync(erp, "/api/v1.5/batches/create/", new { name = "Batch 42" });
        var packaged = await CreatedAsync(erp, $"/api/v1.5/batches/{batch["uuid"]}/packaged-products/", new { product_uuid = (string)product["uuid"]! });
        var minted = await CreatedAsync(erp, "/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = (string)packaged["uuid"]!, quantity = 3 } } });
        var caseUuid = (string)minted["case_uuid"]!;
        var units = minted["contents"]![0]!["lucid_ids"]!.AsArray().Select(n => (string)n!).ToList();
        await OkAsync(pos, "/api/v1.2/caseids/import/", new
        {
            case_uuid = caseUuid, packaged_product_uuid = (string)packaged["uuid"]!, pos_product_id = "POS-GUMMY", pos_inventory_id = "INV-7", package_uid = "PKG-001",
        });
        await OkAsync(pos, "/api/v1.2/transactions/complete/", new { performed_at = "2026-11-20T18:30:00Z", order_id = "ORDER-1001", items = new[] { units[0] } });

        // The sold unit, found by the URL its label's QR code carries.
        await page.FillAsync("#trace-q", $"https://lucid.green/q/{units[0]}");
        await page.PressAsync("#trace-q", "Enter");
        await Expect(page).ToHaveURLAsync(new Regex($"/console/lucidids/{units[0]}$"));
        await Expect(page.Locator("[data-state]")).ToHaveTextAsync("sold");
        var sold = page.Locator("li[data-event=sold]");
        await Expect(sold).ToContainTextAsync("in order ORDER-1001");
        await Expect(sold).ToContainTextAsync(Zone);
        await Expect(page.Locator("li[data-event=imported]")).ToContainTextAsync("into package PKG-001");
        await Expect(page.Locator("ol.timeline li")).ToHaveCountAsync(3);
        Assert.Equal(["minted", "imported", "sold"], await page.Locator("ol.timeline li").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.event)"));
        await Shot("lucidid-timeline");

        // Its case: the part imported into PKG-001, one unit sold and two in inventory.
        await page.ClickAsync($"a[href='/console/cases/{caseUuid}']");
        await Expect(page.Locator($"tr[data-part='{packaged["uuid"]}']")).ToContainTextAsync("PKG-001");
        await Expect(page.Locator($"tr[data-part='{packaged["uuid"]}']")).ToContainTextAsync("2 in_inventory, 1 sold");
        await Shot("case");

        // An export run now, then its file through a fresh signed link: the case part's units under PKG-001.
        await page.GotoAsync(dispensaryUrl);
        await page.ClickAsync("text=Run export now");
        var run = page.Locator("table.runs tbody tr").First;
        for (var i = 0; i < 100 && await run.Locator("td.status-done").CountAsync() == 0; i++)
        {
            await Task.Delay(100, Ct);
            await page.ReloadAsync();
        }
        await Expect(run.Locator("td").Nth(1)).ToHaveTextAsync("done");
        await Shot("dispensary-export-done");
        var download = await page.RunAndWaitForDownloadAsync(() => run.Locator("text=Download").ClickAsync());
        Assert.Contains("/exports/package-uid-exports/" + dispensaryUuid + "/", download.Url);
        Assert.Contains("signature=", download.Url);
        var file = JsonNode.Parse(await File.ReadAllTextAsync((await download.PathAsync())!, Ct))!;
        Assert.Equal(new JsonObject { ["PKG-001"] = new JsonObject { [caseUuid] = new JsonArray([.. units.Select(u => (JsonNode)u)]) } }.ToJsonString(), file.ToJsonString());

        // Revoking the client: the API refuses its token once the token cache lets go (seconds).
        await page.ClickAsync($"tr[data-client='{clientId}'] button:has-text('Revoke')");
        await Expect(page.Locator($"tr[data-client='{clientId}']")).ToContainTextAsync("revoked");
        await Shot("dispensary-client-revoked");
        var refused = 0;
        for (var i = 0; i < 80 && refused != 401; i++)
        {
            if (i > 0) await Task.Delay(100, Ct);
            using var response = await pos.GetAsync($"/api/v1.2/lucidids/{units[1]}/", Ct);
            refused = (int)response.StatusCode;
        }
        Assert.Equal(401, refused);

        // The other pages an operator reads.
        await page.ClickAsync("header nav >> text=Dashboard");
        await Expect(page.Locator("[data-count=dispensaries]")).Not.ToHaveTextAsync("0");
        await Shot("dashboard");
        foreach (var (link, name) in new[] { ("Brands", "brands"), ("Dispensaries", "dispensaries"), ("Stores", "companies"), ("Credentials", "credentials") })
        {
            await page.ClickAsync($"header nav >> text={link}");
            await Expect(page.Locator("h1")).ToBeVisibleAsync();
            await Shot(name);
        }
        await page.GotoAsync($"/console/brands/{brand.BrandUuid}");
        await Expect(page.Locator($"tr[data-client='{brand.ClientId}']")).ToContainTextAsync("active");
        await Shot("brand");

        // The audit log tells who did what: the refused sign-in included.
        await page.ClickAsync("header nav >> text=Audit log");
        var actions = await page.Locator("table.audit tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.action)");
        Assert.Equal(["session.sign_in_refused", "session.sign_in", "dispensary.create", "oauth_client.create", "export.run", "export.download", "oauth_client.revoke"],
            actions.Reverse().ToArray());
        await Expect(page.Locator("table.audit tbody tr").First).ToContainTextAsync("Ada Operator");
        await Shot("audit-log");

        // Without JavaScript the console still signs in and reads: the pages are plain HTML and forms.
        await using (var noScript = await browser.NewContextAsync(new() { BaseURL = server.BaseUrl, JavaScriptEnabled = false }))
        {
            var plain = await noScript.NewPageAsync();
            await plain.GotoAsync($"/console/lucidids/{units[0]}");
            await plain.FillAsync("#operator", "No Script");
            await plain.FillAsync("#token", AppFixture.AdminToken);
            await plain.ClickAsync("button[type=submit]");
            await Expect(plain.Locator("li[data-event=sold]")).ToContainTextAsync("in order ORDER-1001");
            await plain.FillAsync("#trace-q", caseUuid);
            await plain.PressAsync("#trace-q", "Enter");
            await Expect(plain.Locator($"tr[data-part='{packaged["uuid"]}']")).ToContainTextAsync("2 in_inventory, 1 sold");
        }

        // Signing out ends the session: the console is out of reach again.
        await page.ClickAsync("header .who button");
        await Expect(page).ToHaveURLAsync(new Regex("/console/sign-in"));
        await page.GotoAsync("/console/audit");
        await Expect(page).ToHaveURLAsync(new Regex("/console/sign-in\\?returnUrl="));
    }

    private static async Task<string> TokenAsync(ConsoleLiveServer server, string clientId, string secret)
    {
        using var response = await server.ApiClient().PostAsync("/o/token/", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
        }), Ct);
        Assert.Equal(200, (int)response.StatusCode);
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["access_token"]!;
    }

    private static async Task<JsonNode> CreatedAsync(HttpClient client, string url, object body)
    {
        using var response = await client.PostAsJsonAsync(url, body, Ct);
        var raw = await response.Content.ReadAsStringAsync(Ct);
        Assert.True((int)response.StatusCode == 201, $"POST {url} → {(int)response.StatusCode}: {raw}");
        return JsonNode.Parse(raw)!;
    }

    private static async Task OkAsync(HttpClient client, string url, object body)
    {
        using var response = await client.PostAsJsonAsync(url, body, Ct);
        Assert.True((int)response.StatusCode == 200, $"POST {url} → {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
    }
}

public sealed class ConsoleBrowserTestsOnSqlite(ConsoleSqliteApp app) : ConsoleBrowserTests(app), IClassFixture<ConsoleSqliteApp>;
public sealed class ConsoleBrowserTestsOnPostgres(ConsolePostgresApp app) : ConsoleBrowserTests(app), IClassFixture<ConsolePostgresApp>;
