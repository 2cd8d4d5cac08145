using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using RetailTrace.Common;
using RetailTrace.Tests.Infrastructure;
using static RetailTrace.Tests.Dispensary.DispensaryKit;

namespace RetailTrace.Tests.Dispensary;

public abstract partial class TraceTests(AppFixture app)
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")]
    private static partial Regex DrfDateTime();

    /// <summary>The body with every history "at" checked for the DRF format and then blanked, for an exact comparison.</summary>
    private static string WithoutTimes(JsonNode body)
    {
        foreach (var e in body["history"]!.AsArray())
        {
            Assert.Matches(DrfDateTime(), (string)e!["at"]!);
            e["at"] = "*";
        }
        return body.ToJsonString();
    }

    [Fact]
    public async Task Dispensary_trace_shows_the_unit_and_its_history_oldest_first()
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(2);
        await d.Client.ImportAsync(c, 0, "PKG-001");
        await d.Client.ImportAsync(c, 0, "PKG-002");
        var id = c.Parts[0].LucidIds[0];
        Assert.Equal(200, (await d.Client.PostAsync("/api/v1.2/transactions/complete/", Sale("o-1", id))).Status);
        Assert.Equal(200, (await d.Client.PostAsync("/api/v1.2/transactions/return/", Sale("o-1", id))).Status);
        Assert.Equal(200, (await d.Client.PostAsync("/api/v1.2/transactions/complete/", Sale("o-2", id))).Status);

        var (status, body, _) = await d.Client.GetJsonAsync($"/api/v1.2/lucidids/{id}/");
        Assert.Equal(200, status);
        var p = c.Parts[0];
        Assert.Equal($$"""{"lucid_id":"{{id}}","case_uuid":"{{c.CaseUuid}}","packaged_product_uuid":"{{p.PackagedProductUuid}}","batch_uuid":"{{p.BatchUuid}}","brand_uuid":"{{c.BrandUuid}}","state":"sold","package_uid":"PKG-002","history":[{"event":"minted","at":"*"},{"event":"imported","at":"*","package_uid":"PKG-001"},{"event":"imported","at":"*","package_uid":"PKG-002"},{"event":"sold","at":"*","order_id":"o-1"},{"event":"returned","at":"*","order_id":"o-1"},{"event":"sold","at":"*","order_id":"o-2"}]}""",
            WithoutTimes(body!));
    }

    [Fact]
    public async Task Dispensary_trace_of_foreign_unknown_or_malformed_ids_is_not_found()
    {
        var d1 = await app.NewDispensaryAsync();
        var d2 = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(1);
        await d1.Client.ImportAsync(c, 0, "PKG-001");
        foreach (var id in new[] { c.Parts[0].LucidIds[0], ShortUuid.NewId(), "not-an-id" })
        {
            var (status, _, raw) = await d2.Client.GetJsonAsync($"/api/v1.2/lucidids/{id}/");
            Assert.Equal(404, status);
            Assert.Equal("""{"detail":"Not found."}""", raw);
        }
    }

    [Fact]
    public async Task Dispensary_still_traces_what_it_sold_after_the_case_moved_on_but_sees_only_its_own_events()
    {
        var d1 = await app.NewDispensaryAsync();
        var d2 = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(2);
        await d1.Client.ImportAsync(c, 0, "PKG-001");
        var id = c.Parts[0].LucidIds[0];
        Assert.Equal(200, (await d1.Client.PostAsync("/api/v1.2/transactions/complete/", Sale("o-1", id))).Status);
        Assert.Equal(200, (await d1.Client.PostAsync("/api/v1.2/transactions/return/", Sale("o-1", id))).Status);
        Assert.Equal(200, (await d1.Client.PostAsync("/api/v1.2/caseids/import/remove/", new { case_uuid = c.CaseUuid, package_uid = "PKG-001" })).Status);
        await d2.Client.ImportAsync(c, 0, "THEIRS");

        var (status, body, _) = await d1.Client.GetJsonAsync($"/api/v1.2/lucidids/{id}/");
        Assert.Equal(200, status);
        Assert.Null(body!["package_uid"]);
        Assert.Equal(["minted", "imported", "sold", "returned", "removed"], body["history"]!.AsArray().Select(e => (string)e!["event"]!));
    }

    [Fact]
    public async Task Sales_of_one_unit_in_two_dispensaries_under_one_order_id_each_show_where_they_happened()
    {
        var brand = await app.NewBrandAsync();
        var d1 = await app.NewDispensaryAsync();
        var d2 = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(brand.BrandUuid, 1);
        var id = c.Parts[0].LucidIds[0];
        await d1.Client.ImportAsync(c, 0, "PKG-1");
        Assert.Equal(200, (await d1.Client.PostAsync("/api/v1.2/transactions/complete/", Sale("o-1", id))).Status);
        Assert.Equal(200, (await d1.Client.PostAsync("/api/v1.2/transactions/return/", Sale("o-1", id))).Status);
        Assert.Equal(200, (await d1.Client.PostAsync("/api/v1.2/caseids/import/remove/", new { case_uuid = c.CaseUuid, package_uid = "PKG-1" })).Status);
        await d2.Client.ImportAsync(c, 0, "PKG-2");
        // The same order id in the second dispensary: its sale is another one.
        Assert.Equal(200, (await d2.Client.PostAsync("/api/v1.2/transactions/complete/", Sale("o-1", id))).Status);
        Assert.Equal(200, (await d2.Client.PostAsync("/api/v1.2/transactions/void/", new { order_id = "o-1", performed_at = "2024-05-01T12:00:00Z" })).Status);
        Assert.Equal(200, (await d2.Client.PostAsync("/api/v1.2/transactions/complete/", Sale("o-2", id))).Status);

        async Task<List<string>> History(HttpClient client, string path)
        {
            var (status, body, raw) = await client.GetJsonAsync(path);
            Assert.True(status == 200, raw);
            return body!["history"]!.AsArray().Select(e => $"{e!["event"]} {e["package_uid"] ?? e["order_id"]}").ToList();
        }
        Assert.Equal(["minted ", "imported PKG-1", "sold o-1", "returned o-1", "removed PKG-1", "imported PKG-2", "sold o-1", "voided o-1", "sold o-2"],
            await History(brand.Client, $"/api/v1.5/lucidids/{id}/"));
        Assert.Equal(["minted ", "imported PKG-1", "sold o-1", "returned o-1", "removed PKG-1"], await History(d1.Client, $"/api/v1.2/lucidids/{id}/"));
        Assert.Equal(["minted ", "imported PKG-2", "sold o-1", "voided o-1", "sold o-2"], await History(d2.Client, $"/api/v1.2/lucidids/{id}/"));
    }

    [Fact]
    public async Task A_re_import_shows_in_the_history_of_the_units_it_moved_only()
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(2);
        var (sold, kept) = (c.Parts[0].LucidIds[0], c.Parts[0].LucidIds[1]);
        await d.Client.ImportAsync(c, 0, "PKG-001");
        Assert.Equal(200, (await d.Client.PostAsync("/api/v1.2/transactions/complete/", Sale("o-1", sold))).Status);
        await d.Client.ImportAsync(c, 0, "PKG-002"); // the sold unit stays with its customer

        async Task<List<string>> History(string id)
        {
            var (status, body, raw) = await d.Client.GetJsonAsync($"/api/v1.2/lucidids/{id}/");
            Assert.True(status == 200, raw);
            return body!["history"]!.AsArray().Select(e => $"{e!["event"]} {e["package_uid"] ?? e["order_id"]}").ToList();
        }
        Assert.Equal(["minted ", "imported PKG-001", "sold o-1"], await History(sold));
        Assert.Equal(["minted ", "imported PKG-001", "imported PKG-002"], await History(kept));
    }

    [Fact]
    public async Task Brand_traces_its_own_units_with_the_whole_history()
    {
        var brand = await app.NewBrandAsync();
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(brand.BrandUuid, 1);
        await d.Client.ImportAsync(c, 0, "PKG-001");
        var id = c.Parts[0].LucidIds[0];
        Assert.Equal(200, (await d.Client.PostAsync("/api/v1.2/transactions/complete/", Sale("o-1", id))).Status);

        var (status, body, _) = await brand.Client.GetJsonAsync($"/api/v1.5/lucidids/{id}/");
        Assert.Equal(200, status);
        var p = c.Parts[0];
        Assert.Equal($$"""{"lucid_id":"{{id}}","case_uuid":"{{c.CaseUuid}}","packaged_product_uuid":"{{p.PackagedProductUuid}}","batch_uuid":"{{p.BatchUuid}}","brand_uuid":"{{brand.BrandUuid}}","state":"sold","package_uid":"PKG-001","history":[{"event":"minted","at":"*"},{"event":"imported","at":"*","package_uid":"PKG-001"},{"event":"sold","at":"*","order_id":"o-1"}]}""",
            WithoutTimes(body!));
    }

    [Fact]
    public async Task Brand_trace_of_another_brands_unit_is_not_found_and_dispensaries_are_forbidden()
    {
        var brand = await app.NewBrandAsync();
        var c = await app.MintCaseAsync(1);
        var (status, _, raw) = await brand.Client.GetJsonAsync($"/api/v1.5/lucidids/{c.Parts[0].LucidIds[0]}/");
        Assert.Equal(404, status);
        Assert.Equal("""{"detail":"Not found."}""", raw);

        var d = await app.NewDispensaryAsync();
        (status, _, raw) = await d.Client.GetJsonAsync($"/api/v1.5/lucidids/{c.Parts[0].LucidIds[0]}/");
        Assert.Equal(403, status);
        Assert.Equal("""{"detail":"You do not have permission to perform this action."}""", raw);
        (status, _, raw) = await brand.Client.GetJsonAsync($"/api/v1.2/lucidids/{c.Parts[0].LucidIds[0]}/");
        Assert.Equal(403, status);
    }
}

public sealed class TraceTestsOnSqlite(SqliteApp app) : TraceTests(app), IClassFixture<SqliteApp>;

public sealed class TraceTestsOnPostgres(PostgresApp app) : TraceTests(app), IClassFixture<PostgresApp>;
