using System.Net;
using System.Text.Json.Nodes;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Webhooks;

namespace RetailTrace.Tests.Dispensary;

/// <summary>
/// <c>GET /api/v1/collections/case/&lt;case_uuid&gt;/</c> as the LucidRetail extension for Treez calls it: a
/// form-encoded client-credentials token request, then the lookup with <c>Authorization: &lt;token_type&gt; &lt;access_token&gt;</c>.
/// </summary>
public abstract class CollectionsTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private static string Expected(MintedCase c, Func<string, string> state) =>
        $$"""{"case_uuid":"{{c.CaseUuid}}","items":[""" + string.Join(",", c.Parts
            .SelectMany(p => p.LucidIds.Select(id => (Id: id, p.PackagedProductUuid, p.BatchUuid)))
            .OrderBy(i => i.Id, StringComparer.Ordinal)
            .Select(i => $$"""{"lucid_id":"{{i.Id}}","packaged_product_uuid":"{{i.PackagedProductUuid}}","batch_uuid":"{{i.BatchUuid}}","state":"{{state(i.Id)}}"}""")) + "]}";

    /// <summary>The extension's two calls, byte for byte: its token request body and its header built from the token answer.</summary>
    private async Task<(int Status, string Raw)> ExtensionLookupAsync(string clientId, string clientSecret, string caseUuid, string headerFormat = "{0} {1}")
    {
        var http = app.Client();
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, "/o/token/")
        {
            Content = new StringContent($"grant_type=client_credentials&client_id={clientId}&client_secret={clientSecret}", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        using var tokenResponse = await http.SendAsync(tokenRequest, Ct);
        Assert.Equal(HttpStatusCode.OK, tokenResponse.StatusCode);
        var token = JsonNode.Parse(await tokenResponse.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("Bearer", (string)token["token_type"]!);

        using var lookup = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/collections/case/{caseUuid}/");
        lookup.Headers.TryAddWithoutValidation("Authorization", string.Format(headerFormat, (string)token["token_type"]!, (string)token["access_token"]!));
        using var response = await http.SendAsync(lookup, Ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_dispensary_looks_up_a_scanned_case_before_importing_it_with_the_token_type_verbatim()
    {
        var brand = await app.NewBrandAsync();
        var minted = await brand.MintAsync(3);
        var dispensary = await app.NewDispensaryAsync();

        var (status, raw) = await ExtensionLookupAsync(dispensary.ClientId, dispensary.ClientSecret, minted.CaseUuid);
        Assert.Equal(200, status);
        Assert.Equal(Expected(minted, _ => "minted"), raw);

        // An earlier build of the extension put two spaces before the token type; any case of the scheme works too.
        Assert.Equal((200, raw), await ExtensionLookupAsync(dispensary.ClientId, dispensary.ClientSecret, minted.CaseUuid, "  {0} {1}"));
        Assert.Equal((200, raw), await ExtensionLookupAsync(dispensary.ClientId, dispensary.ClientSecret, minted.CaseUuid, "bearer {1}"));
    }

    [Fact]
    public async Task Items_show_their_state_after_import_and_sale()
    {
        var world = await app.ImportedCaseAsync(units: 3);
        var sold = world.Case.AllLucidIds.First();
        await world.Dispensary.SellAsync("LOOKUP-1", sold);
        var other = await app.NewDispensaryAsync();

        var (status, raw) = await ExtensionLookupAsync(other.ClientId, other.ClientSecret, world.Case.CaseUuid);
        Assert.Equal(200, status);
        Assert.Equal(Expected(world.Case, id => id == sold ? "sold" : "in_inventory"), raw);
        var (brandStatus, _, brandRaw) = await world.Brand.Client.GetJsonAsync($"/api/v1/collections/case/{world.Case.CaseUuid}/");
        Assert.Equal((200, raw), (brandStatus, brandRaw));
    }

    [Fact]
    public async Task A_brand_sees_only_its_own_cases_and_unknown_cases_answer_drf_404()
    {
        var mine = await app.NewBrandAsync();
        var theirs = await app.NewBrandAsync();
        var theirCase = await theirs.MintAsync(1);
        foreach (var url in new[] { $"/api/v1/collections/case/{theirCase.CaseUuid}/", "/api/v1/collections/case/CXc85b4rqinB7s5J52TRYb/", "/api/v1/collections/case/not-a-uuid/" })
        {
            var (status, _, raw) = await mine.Client.GetJsonAsync(url);
            Assert.Equal((404, """{"detail":"Not found."}"""), (status, raw));
        }
        var dispensary = await app.NewDispensaryAsync();
        var (unknown, _, unknownRaw) = await dispensary.Client.GetJsonAsync("/api/v1/collections/case/CXc85b4rqinB7s5J52TRYb/");
        Assert.Equal((404, """{"detail":"Not found."}"""), (unknown, unknownRaw));
    }

    [Fact]
    public async Task Without_a_valid_token_the_lookup_answers_drf_401()
    {
        var http = app.Client();
        await Http.AssertDrfUnauthorizedAsync(await http.GetAsync("/api/v1/collections/case/CXc85b4rqinB7s5J52TRYb/", Ct), "Authentication credentials were not provided.");
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer nope");
        await Http.AssertDrfUnauthorizedAsync(await http.GetAsync("/api/v1/collections/case/CXc85b4rqinB7s5J52TRYb/", Ct), "Invalid token.");

    }
}

public sealed class CollectionsTestsOnSqlite(SqliteApp app) : CollectionsTests(app), IClassFixture<SqliteApp>;
public sealed class CollectionsTestsOnPostgres(PostgresApp app) : CollectionsTests(app), IClassFixture<PostgresApp>;
