using Microsoft.Playwright;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.OperatorConsole;
using static Microsoft.Playwright.Assertions;

namespace RetailTrace.Tests.Contract;

/// <summary>
/// <c>/docs</c> as an integrator uses it, in a real browser against a real server: pick a family's document, Authorize
/// with that family's credentials (the OAuth2 client-credentials flow for the Lucid families, which fetches a token
/// from /o/token/; the partner and developer keys for the store; the operator token for the admin API), then "Try it
/// out" on a list and Execute: the answer shown is the server's 200.
/// </summary>
[Collection("Browser")]
public abstract class DocsBrowserTests(AppFixture app)
{
    [Fact]
    public async Task Try_it_out_works_in_each_family_after_Authorize()
    {
        var dispensary = await app.NewDispensaryAsync();
        var brand = await app.NewBrandAsync();
        var store = await app.NewStoreAsync();
        var (playwright, browser) = await ConsoleBrowser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        await using var server = new ConsoleLiveServer(app);
        // One browser for the four documents, as an operator trying each API uses it: /docs keeps authorizations by
        // scheme name across documents, so a family's credentials must not be offered to another.
        var page = await (await browser.NewContextAsync(new() { BaseURL = server.BaseUrl })).NewPageAsync();

        await TryAsync(page, "RetailTrace Dispensary API v1.2", "/api/v1.2/webhook-endpoints/", OAuth2,
            ("dispensaryOAuth2", "clientId", dispensary.ClientId), ("dispensaryOAuth2", "clientSecret", dispensary.ClientSecret));
        await TryAsync(page, "RetailTrace Brand API v1.5", "/api/v1.5/batches/", OAuth2,
            ("brandOAuth2", "clientId", brand.ClientId), ("brandOAuth2", "clientSecret", brand.ClientSecret));
        await TryAsync(page, "RetailTrace Store API (BLAZE partner)", "/api/v1/partner/store/batches/", Keys,
            ("partnerKey", "", store.PartnerKey), ("developerKey", "", store.DeveloperKey));
        await TryAsync(page, "RetailTrace Admin API", "/admin/v1/webhook-endpoints/", Keys, ("adminToken", "", AppFixture.AdminToken));
    }

    // The accessible names of Swagger UI's Authorize button in an OAuth2 scheme's box and in any other scheme's.
    private const string OAuth2 = "Apply given OAuth2 credentials", Keys = "Apply credentials";

    /// <summary>Fills each scheme's input (by Swagger UI's data-name, or the scheme's only input when unnamed), applies
    /// them with <paramref name="apply"/>, then runs GET <paramref name="path"/> from its operation's "Try it out".</summary>
    private static async Task TryAsync(IPage page, string document, string path, string apply, params (string Scheme, string Field, string Value)[] inputs)
    {
        await page.GotoAsync("/docs/index.html?urls.primaryName=" + Uri.EscapeDataString(document));
        // A fresh server builds each document on its first request, seconds on a busy machine.
        await Expect(page.Locator(".info .title")).ToContainTextAsync(document, new() { Timeout = 30_000 });

        await page.ClickAsync(".auth-wrapper button.authorize");
        foreach (var scheme in inputs.GroupBy(i => i.Scheme))
        {
            // Swagger UI shows each security scheme in a box of its own, with its own Authorize button.
            var box = page.Locator(".modal-ux .auth-container").Filter(new() { Has = page.Locator($"h4:has-text('{scheme.Key}')") });
            foreach (var (_, field, value) in scheme)
                await box.Locator(field == "" ? "input" : $"input[data-name={field}]").FillAsync(value);
            await box.GetByRole(AriaRole.Button, new() { Name = apply, Exact = true }).ClickAsync();
            // Authorized: the box offers Logout instead (for OAuth2, once the token came back from /o/token/).
            await Expect(box.GetByRole(AriaRole.Button, new() { Name = "Remove authorization", Exact = true })).ToBeVisibleAsync();
        }
        await page.ClickAsync(".modal-ux button.close-modal");

        var operation = page.Locator(".opblock-get").Filter(new() { Has = page.Locator($".opblock-summary-path[data-path='{path}']") });
        await operation.Locator(".opblock-summary").First.ClickAsync();
        await operation.Locator("button.try-out__btn").ClickAsync();
        await operation.Locator("button.execute").ClickAsync();
        await Expect(operation.Locator(".live-responses-table tbody .response-col_status")).ToHaveTextAsync("200", new() { Timeout = 15_000 });
    }
}

public sealed class DocsBrowserTestsOnSqlite(ConsoleSqliteApp app) : DocsBrowserTests(app), IClassFixture<ConsoleSqliteApp>;
public sealed class DocsBrowserTestsOnPostgres(ConsolePostgresApp app) : DocsBrowserTests(app), IClassFixture<ConsolePostgresApp>;
