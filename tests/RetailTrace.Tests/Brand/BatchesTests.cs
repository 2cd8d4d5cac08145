using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.BrandApi;

public abstract class BatchesTests(AppFixture app)
{
    [Fact]
    public async Task Create_returns_201_with_the_batch_for_the_default_brand()
    {
        var b = await app.NewBrandAsync();
        var (status, body, _) = await b.Client.PostJsonAsync("/api/v1.5/batches/create/",
            new { name = "Batch Name", regulatory_id = "WAJ416334, INSZ7OL", produced_on = "2021-01-14T12:27:47-08:00" });
        Assert.Equal(201, status);
        var updatedOn = (string)body!["updated_on"]!;
        BrandCatalog.AssertDrfDateTime(body["updated_on"]);
        Assert.Equal($$"""{"uuid":"{{body.Uuid()}}","name":"Batch Name","regulatory_id":"WAJ416334, INSZ7OL","produced_on":"2021-01-14T20:27:47.000000Z","brand_uuid":"{{b.BrandUuid}}","updated_on":"{{updatedOn}}","digital_coa_uuids":[]}""", body.Json());
    }

    [Fact]
    public async Task Create_for_an_explicit_accessible_brand_uses_it()
    {
        var b = await app.NewBrandAsync();
        var (status, body, _) = await b.Client.PostJsonAsync("/api/v1.5/batches/create/", new { name = "B", brand_uuid = b.BrandUuid });
        Assert.Equal(201, status);
        Assert.Equal(b.BrandUuid, (string)body!["brand_uuid"]!);
        Assert.Equal("", (string)body["regulatory_id"]!);
        Assert.Null(body["produced_on"]);
    }

    [Fact]
    public async Task Create_for_a_brand_the_client_cannot_access_is_invalid_brand()
    {
        var b = await app.NewBrandAsync();
        var other = await app.NewBrandAsync();
        var (status, body, _) = await b.Client.PostJsonAsync("/api/v1.5/batches/create/", new { name = "B", brand_uuid = other.BrandUuid });
        Assert.Equal(400, status);
        Assert.Equal("""{"brand_uuid":["Invalid brand."]}""", body.Json());
        var (unknown, unknownBody, _) = await b.Client.PostJsonAsync("/api/v1.5/batches/create/", new { name = "B", brand_uuid = ShortUuid.NewId() });
        Assert.Equal(400, unknown);
        Assert.Equal("""{"brand_uuid":["Invalid brand."]}""", unknownBody.Json());
    }

    [Fact]
    public async Task Create_validates_every_field_in_field_order()
    {
        var b = await app.NewBrandAsync();
        var (status, _, raw) = await b.Client.PostRawAsync("/api/v1.5/batches/create/",
            """{"produced_on":"14/01/2021","regulatory_id":["x"],"brand_uuid":"not-a-short-uuid","harvested_on":"2021-13-01","extraction_method":null,"testing_laboratories":{},"digital_coa_uuids":"abc"}""");
        Assert.Equal(400, status);
        Assert.Equal("""{"brand_uuid":["Enter a valid ShortUUID."],"name":["This field is required."],"regulatory_id":["Not a valid string."],"produced_on":["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."],"harvested_on":["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],"extraction_method":["This field may not be null."],"testing_laboratories":["Expected a list of items but got type \"dict\"."],"digital_coa_uuids":["Expected a list of items but got type \"str\"."]}""", raw);
    }

    [Fact]
    public async Task Create_rejects_blank_and_null_names_and_malformed_json()
    {
        var b = await app.NewBrandAsync();
        var (blank, blankBody, _) = await b.Client.PostJsonAsync("/api/v1.5/batches/create/", new { name = "  " });
        Assert.Equal(400, blank);
        Assert.Equal("""{"name":["This field may not be blank."]}""", blankBody.Json());
        var (nul, nullBody, _) = await b.Client.PostRawAsync("/api/v1.5/batches/create/", """{"name":null}""");
        Assert.Equal(400, nul);
        Assert.Equal("""{"name":["This field may not be null."]}""", nullBody.Json());
        var (bad, badBody, _) = await b.Client.PostRawAsync("/api/v1.5/batches/create/", """{"name":""");
        Assert.Equal(400, bad);
        Assert.StartsWith("JSON parse error - ", (string)badBody!["detail"]!);
    }

    [Fact]
    public async Task Digital_coas_must_exist_in_the_batch_brand()
    {
        var b = await app.NewBrandAsync();
        var other = await app.NewBrandAsync();
        var mine = (await b.NewCoaAsync()).Uuid();
        var theirs = (await other.NewCoaAsync()).Uuid();
        var (status, _, raw) = await b.Client.PostJsonAsync("/api/v1.5/batches/create/", new { name = "B", digital_coa_uuids = new[] { mine, theirs } });
        Assert.Equal(400, status);
        Assert.Equal($$"""{"digital_coa_uuids":["Invalid pk \"{{theirs}}\" - object does not exist."]}""", raw);
        var (ok, created, _) = await b.Client.PostJsonAsync("/api/v1.5/batches/create/", new { name = "B", digital_coa_uuids = new[] { mine, mine } });
        Assert.Equal(201, ok);
        Assert.Equal($"""["{mine}"]""", created!["digital_coa_uuids"].Json());
    }

    [Fact]
    public async Task A_batch_lists_at_most_a_hundred_digital_coas()
    {
        var b = await app.NewBrandAsync();
        var coas = new List<string>();
        for (var i = 0; i < 100; i++) coas.Add((await b.NewCoaAsync()).Uuid());
        var (ok, created, _) = await b.Client.PostJsonAsync("/api/v1.5/batches/create/", new { name = "B", digital_coa_uuids = coas });
        Assert.Equal(201, ok);
        Assert.Equal(coas.Order(), created!["digital_coa_uuids"]!.AsArray().Select(n => (string)n!).Order());

        var (status, _, raw) = await b.Client.PostJsonAsync("/api/v1.5/batches/create/", new { name = "B", digital_coa_uuids = coas.Append(ShortUuid.NewId()) });
        Assert.Equal(400, status);
        Assert.Equal("""{"digital_coa_uuids":["Ensure this field has no more than 100 elements."]}""", raw);
    }

    [Fact]
    public async Task Detail_has_testing_laboratories_and_packaged_products_with_their_full_product()
    {
        var b = await app.NewBrandAsync();
        var coa = (await b.NewCoaAsync()).Uuid();
        var product = await b.NewProductAsync("Gummies");
        var batch = await b.Client.CreatedAsync("/api/v1.5/batches/create/", new
        {
            name = "Batch 7", regulatory_id = "R-1", produced_on = "2022-02-02T08:33:00.732327Z", harvested_on = "2021-12-01",
            extraction_method = "CO2", testing_laboratories = new[] { new { name = "SC Labs" } }, digital_coa_uuids = new[] { coa },
        });
        var packaged = await b.Client.CreatedAsync($"/api/v1.5/batches/{batch.Uuid()}/packaged-products/",
            new { product_uuid = product.Uuid(), regulatory_id = "PKG-1", packaged_on = "2022-01-05", digital_coa_uuids = new[] { coa } });

        var (status, body, _) = await b.Client.GetJsonAsync($"/api/v1.5/batches/{batch.Uuid()}/");
        Assert.Equal(200, status);
        // Seed 003: batch detail shows the product's three image slots, {} until set.
        var productJson = BrandCatalog.MinimalProductJson(product.Uuid(), "Gummies", (string)product["updated_on"]!)
            .Replace("\"images\":{}", "\"images\":{\"thumbnail\":{},\"primary\":{},\"banner\":{}}");
        Assert.Contains("\"images\":{\"thumbnail\":{},\"primary\":{},\"banner\":{}}", productJson);
        Assert.Equal($$"""{"uuid":"{{batch.Uuid()}}","name":"Batch 7","regulatory_id":"R-1","produced_on":"2022-02-02T08:33:00.732327Z","brand_uuid":"{{b.BrandUuid}}","updated_on":"{{(string)body!["updated_on"]!}}","digital_coa_uuids":["{{coa}}"],"testing_laboratories":[{"name":"SC Labs"}],"packaged_products":[{"uuid":"{{packaged.Uuid()}}","product":{{productJson}},"regulatory_id":"PKG-1","packaged_on":"2022-01-05","digital_coa_uuids":["{{coa}}"],"batch_name":"Batch 7","harvested_on":"2021-12-01","extraction_method":"CO2"}]}""", body.Json());
    }

    [Fact]
    public async Task Update_is_partial_and_answers_the_documented_shape()
    {
        var b = await app.NewBrandAsync();
        var time = new ManualTime(BrandCatalog.Instant);
        await using var host = app.OnClock(time);
        var client = host.ClientAs(b.Client);
        var batch = await client.CreatedAsync("/api/v1.5/batches/create/", new { name = "Old", regulatory_id = "R-1", produced_on = "2021-01-14T12:27:47Z" });
        Assert.Equal("2026-03-01T10:00:00.123456Z", (string)batch["updated_on"]!);
        time.Advance(TimeSpan.FromMinutes(5));
        var (status, body, _) = await client.SendAsync(HttpMethod.Put, $"/api/v1.5/batches/{batch.Uuid()}/update/", new { regulatory_id = "ABCDEF012345670000020203" });
        Assert.Equal(200, status);
        Assert.Equal($$"""{"uuid":"{{batch.Uuid()}}","name":"Old","regulatory_id":"ABCDEF012345670000020203","produced_on":"2021-01-14T12:27:47.000000Z","brand_uuid":"{{b.BrandUuid}}","digital_coa_uuids":[],"updated_on":"2026-03-01T10:05:00.123456Z"}""", body.Json());

        time.Advance(TimeSpan.FromSeconds(1));
        var (cleared, clearedBody, _) = await client.SendAsync(HttpMethod.Put, $"/api/v1.5/batches/{batch.Uuid()}/update/", rawBody: """{"produced_on":null,"name":"New"}""");
        Assert.Equal(200, cleared);
        Assert.Null(clearedBody!["produced_on"]);
        Assert.Equal("New", (string)clearedBody["name"]!);
        Assert.Equal("2026-03-01T10:05:01.123456Z", (string)clearedBody["updated_on"]!);
        var (_, detail, _) = await b.Client.GetJsonAsync($"/api/v1.5/batches/{batch.Uuid()}/");
        Assert.Equal("ABCDEF012345670000020203", (string)detail!["regulatory_id"]!);
        Assert.Equal((string)clearedBody["updated_on"]!, (string)detail["updated_on"]!);
    }

    [Fact]
    public async Task Detail_keeps_the_image_slots_a_product_sets_and_fills_the_others()
    {
        var b = await app.NewBrandAsync();
        var product = await b.Client.CreatedAsync("/api/v1.5/products/create/",
            new { name = "P", images = new { primary = new { url = "https://img.example/p.png" }, gallery = new[] { "g1" } } });
        var batch = await b.Client.CreatedAsync("/api/v1.5/batches/create/", new { name = "B" });
        await b.Client.CreatedAsync($"/api/v1.5/batches/{batch.Uuid()}/packaged-products/", new { product_uuid = product.Uuid() });
        var (_, body, _) = await b.Client.GetJsonAsync($"/api/v1.5/batches/{batch.Uuid()}/");
        Assert.Equal("""{"thumbnail":{},"primary":{"url":"https://img.example/p.png"},"banner":{},"gallery":["g1"]}""",
            body!["packaged_products"]![0]!["product"]!["images"].Json());
    }

    [Fact]
    public async Task Patch_is_a_partial_update_like_put()
    {
        var b = await app.NewBrandAsync();
        var batch = await b.Client.CreatedAsync("/api/v1.5/batches/create/", new { name = "Old", regulatory_id = "R-1" });
        var (status, body, _) = await b.Client.SendAsync(HttpMethod.Patch, $"/api/v1.5/batches/{batch.Uuid()}/update/", new { name = "New" });
        Assert.Equal(200, status);
        Assert.Equal($$"""{"uuid":"{{batch.Uuid()}}","name":"New","regulatory_id":"R-1","produced_on":null,"brand_uuid":"{{b.BrandUuid}}","digital_coa_uuids":[],"updated_on":"{{(string)body!["updated_on"]!}}"}""", body.Json());
        var (missing, missingBody, _) = await b.Client.SendAsync(HttpMethod.Patch, $"/api/v1.5/batches/{ShortUuid.NewId()}/update/", new { name = "X" });
        Assert.Equal(404, missing);
        Assert.Equal("""{"detail":"Not found."}""", missingBody.Json());
    }

    [Fact]
    public async Task Update_validates_and_unknown_batches_are_not_found()
    {
        var b = await app.NewBrandAsync();
        var batch = await b.NewBatchAsync();
        var (status, _, raw) = await b.Client.SendAsync(HttpMethod.Put, $"/api/v1.5/batches/{batch.Uuid()}/update/", rawBody: """{"name":"","produced_on":5}""");
        Assert.Equal(400, status);
        Assert.Equal("""{"name":["This field may not be blank."],"produced_on":["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]}""", raw);
        foreach (var id in new[] { ShortUuid.NewId(), "nope" })
        {
            var (missing, missingBody, _) = await b.Client.SendAsync(HttpMethod.Put, $"/api/v1.5/batches/{id}/update/", new { name = "x" });
            Assert.Equal(404, missing);
            Assert.Equal("""{"detail":"Not found."}""", missingBody.Json());
            var (get, getBody, _) = await b.Client.GetJsonAsync($"/api/v1.5/batches/{id}/");
            Assert.Equal(404, get);
            Assert.Equal("""{"detail":"Not found."}""", getBody.Json());
        }
    }

    [Fact]
    public async Task List_shows_the_documented_item_shape()
    {
        var b = await app.NewBrandAsync();
        var coa = (await b.NewCoaAsync()).Uuid();
        var batch = await b.Client.CreatedAsync("/api/v1.5/batches/create/", new { name = "Batch 1", regulatory_id = "WAJ416334, INSZ7OL", digital_coa_uuids = new[] { coa } });
        var (status, body, _) = await b.Client.GetJsonAsync("/api/v1.5/batches/");
        Assert.Equal(200, status);
        Assert.Equal($$"""{"count":1,"next":null,"previous":null,"results":[{"brand_uuid":"{{b.BrandUuid}}","name":"Batch 1","produced_on":null,"regulatory_id":"WAJ416334, INSZ7OL","updated_on":"{{(string)batch["updated_on"]!}}","digital_coa_uuids":["{{coa}}"],"uuid":"{{batch.Uuid()}}"}]}""", body.Json());
    }

    /// <summary>250 batches over 40 distinct instants, so ties on updated_on are ordered by uuid.</summary>
    private async Task<List<Batch>> Store250BatchesAsync(Guid brandId)
    {
        var start = new DateTime(2024, 5, 1, 12, 0, 0, DateTimeKind.Utc);
        var batches = Enumerable.Range(0, 250).Select(i => new Batch
        {
            Id = Guid.NewGuid(), BrandId = brandId, Name = $"Batch {i}", UpdatedOn = start.AddSeconds(i % 40).AddTicks(1230),
        }).ToList();
        await app.WithDbAsync(async db => { db.Batches.AddRange(batches); await db.SaveChangesAsync(); });
        return batches;
    }

    [Fact]
    public async Task List_pages_by_100_newest_first_without_losing_or_repeating_a_batch()
    {
        var b = await app.NewBrandAsync();
        var batches = await Store250BatchesAsync(ShortUuid.Decode(b.BrandUuid));
        var expected = batches.OrderByDescending(x => x.UpdatedOn).ThenByDescending(x => ShortUuid.Encode(x.Id), StringComparer.Ordinal)
            .Select(x => ShortUuid.Encode(x.Id)).ToList();

        var seen = new List<string>();
        var pages = new List<JsonNode>();
        string? url = "/api/v1.5/batches/";
        while (url is not null)
        {
            var (status, body, raw) = await b.Client.GetJsonAsync(url);
            Assert.True(status == 200, raw);
            Assert.Equal(250, (int)body!["count"]!);
            pages.Add(body);
            seen.AddRange(body["results"]!.AsArray().Select(r => (string)r!["uuid"]!));
            url = (string?)body["next"];
        }
        Assert.Equal(expected, seen);
        Assert.Equal([100, 100, 50], pages.Select(p => p["results"]!.AsArray().Count));
        Assert.Equal(["http://localhost/api/v1.5/batches/?page=2", "http://localhost/api/v1.5/batches/?page=3", null], pages.Select(p => (string?)p["next"]));
        Assert.Equal([null, "http://localhost/api/v1.5/batches/", "http://localhost/api/v1.5/batches/?page=2"], pages.Select(p => (string?)p["previous"]));
        Assert.Equal("2024-05-01T12:00:39.000123Z", (string)pages[0]["results"]![0]!["updated_on"]!);

        var (last, lastBody, _) = await b.Client.GetJsonAsync("/api/v1.5/batches/?page=last");
        Assert.Equal(200, last);
        Assert.Equal(pages[2].Json(), lastBody.Json());
    }

    [Fact]
    public async Task Pages_read_again_after_the_list_changed_show_the_change()
    {
        // Pages read, then read again after an update (which moves the batch's updated_on) and after a create:
        // each read shows the list as it is then.
        var b = await app.NewBrandAsync();
        var brandId = ShortUuid.Decode(b.BrandUuid);
        await Store250BatchesAsync(brandId);

        async Task<List<string>> Expected() => await app.WithDbAsync(async db =>
            (await db.Batches.Where(x => x.BrandId == brandId).Select(x => new { x.Id, x.UpdatedOn }).ToListAsync())
                .OrderByDescending(x => x.UpdatedOn).ThenByDescending(x => ShortUuid.Encode(x.Id), StringComparer.Ordinal)
                .Select(x => ShortUuid.Encode(x.Id)).ToList());
        async Task<List<string>> Page(int n)
        {
            var (status, body, raw) = await b.Client.GetJsonAsync($"/api/v1.5/batches/?page={n}");
            Assert.True(status == 200, raw);
            return body!["results"]!.AsArray().Select(r => (string)r!["uuid"]!).ToList();
        }
        async Task AssertPagesAsync()
        {
            var expected = await Expected();
            // Out of order and repeated: 3 is the last page (read from the end), 2 the middle one.
            foreach (var n in new[] { 3, 2, 3, 2 }) Assert.Equal(expected.Skip((n - 1) * 100).Take(100), await Page(n));
        }

        await AssertPagesAsync();
        var onPage3 = (await Expected())[220];
        var (updated, _, updatedRaw) = await b.Client.SendAsync(HttpMethod.Put, $"/api/v1.5/batches/{onPage3}/update/", new { name = "Moved up" });
        Assert.True(updated == 200, updatedRaw);
        await AssertPagesAsync();
        await b.Client.CreatedAsync("/api/v1.5/batches/create/", new { name = "New", regulatory_id = "R-NEW" });
        await AssertPagesAsync();
    }

    [Fact]
    public async Task Page_links_keep_other_query_parameters_sorted_and_encoded()
    {
        var b = await app.NewBrandAsync();
        var brandId = ShortUuid.Decode(b.BrandUuid);
        var now = DateTime.UtcNow;
        await app.WithDbAsync(async db =>
        {
            db.Batches.AddRange(Enumerable.Range(0, 201).Select(i => new Batch { Id = Guid.NewGuid(), BrandId = brandId, Name = "B", UpdatedOn = now }));
            await db.SaveChangesAsync();
        });
        var (status, body, _) = await b.Client.GetJsonAsync("/api/v1.5/batches/?zeta=1&page=2&alpha=a%20b&alpha=c%2Bd");
        Assert.Equal(200, status);
        Assert.Equal("http://localhost/api/v1.5/batches/?alpha=a+b&alpha=c%2Bd&page=3&zeta=1", (string?)body!["next"]);
        Assert.Equal("http://localhost/api/v1.5/batches/?alpha=a+b&alpha=c%2Bd&zeta=1", (string?)body["previous"]);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("99999999999999999999999")]
    public async Task A_page_out_of_range_is_invalid_page(string page)
    {
        var b = await app.NewBrandAsync();
        await b.NewBatchAsync();
        var (status, body, _) = await b.Client.GetJsonAsync($"/api/v1.5/batches/?page={page}");
        Assert.Equal(404, status);
        Assert.Equal("""{"detail":"Invalid page."}""", body.Json());
    }

    [Fact]
    public async Task An_empty_list_has_one_empty_page()
    {
        var b = await app.NewBrandAsync();
        var (status, body, _) = await b.Client.GetJsonAsync("/api/v1.5/batches/?page=1");
        Assert.Equal(200, status);
        Assert.Equal("""{"count":0,"next":null,"previous":null,"results":[]}""", body.Json());
    }
}

public sealed class BatchesTestsOnSqlite(SqliteApp app) : BatchesTests(app), IClassFixture<SqliteApp>;
public sealed class BatchesTestsOnPostgres(PostgresApp app) : BatchesTests(app), IClassFixture<PostgresApp>;
