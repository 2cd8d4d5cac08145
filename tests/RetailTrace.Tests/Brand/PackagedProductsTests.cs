using RetailTrace.Common;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.BrandApi;

public abstract class PackagedProductsTests(AppFixture app)
{
    [Fact]
    public async Task Create_returns_201_with_the_full_product_and_moves_the_batch_updated_on()
    {
        var b = await app.NewBrandAsync();
        var product = await b.NewProductAsync("Gummies");
        var time = new ManualTime(BrandCatalog.Instant);
        await using var host = app.OnClock(time);
        var client = host.ClientAs(b.Client);
        var batch = await client.CreatedAsync("/api/v1.5/batches/create/", new { name = "Batch 1" });
        Assert.Equal("2026-03-01T10:00:00.123456Z", (string)batch["updated_on"]!);
        time.Advance(TimeSpan.FromMinutes(1));
        var (status, body, raw) = await client.PostJsonAsync($"/api/v1.5/batches/{batch.Uuid()}/packaged-products/", new { product_uuid = product.Uuid() });
        Assert.Equal(201, status);
        var productJson = BrandCatalog.MinimalProductJson(product.Uuid(), "Gummies", (string)product["updated_on"]!);
        Assert.Equal($$"""{"uuid":"{{body.Uuid()}}","product":{{productJson}},"regulatory_id":null,"packaged_on":null,"digital_coa_uuids":[]}""", raw);
        var (_, detail, _) = await b.Client.GetJsonAsync($"/api/v1.5/batches/{batch.Uuid()}/");
        Assert.Equal("2026-03-01T10:01:00.123456Z", (string)detail!["updated_on"]!);
        Assert.Equal(body.Uuid(), (string)detail["packaged_products"]![0]!["uuid"]!);
    }

    [Fact]
    public async Task Create_validates_fields_in_order()
    {
        var b = await app.NewBrandAsync();
        var batch = await b.NewBatchAsync();
        var (status, _, raw) = await b.Client.PostRawAsync($"/api/v1.5/batches/{batch.Uuid()}/packaged-products/",
            """{"digital_coa_uuids":["bad",null],"packaged_on":"2022-02-30","regulatory_id":{}}""");
        Assert.Equal(400, status);
        Assert.Equal("""{"product_uuid":["This field is required."],"regulatory_id":["Not a valid string."],"packaged_on":["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],"digital_coa_uuids":{"0":["Enter a valid ShortUUID."],"1":["This field may not be null."]}}""", raw);
    }

    [Fact]
    public async Task Product_and_coas_must_belong_to_the_batch_brand()
    {
        var b = await app.NewBrandAsync();
        var other = await app.NewBrandAsync();
        var batch = await b.NewBatchAsync();
        var foreignProduct = (await other.NewProductAsync()).Uuid();
        var foreignCoa = (await other.NewCoaAsync()).Uuid();
        var (status, _, raw) = await b.Client.PostJsonAsync($"/api/v1.5/batches/{batch.Uuid()}/packaged-products/",
            new { product_uuid = foreignProduct, digital_coa_uuids = new[] { foreignCoa } });
        Assert.Equal(400, status);
        Assert.Equal($$"""{"product_uuid":["Invalid pk \"{{foreignProduct}}\" - object does not exist."],"digital_coa_uuids":["Invalid pk \"{{foreignCoa}}\" - object does not exist."]}""", raw);
        var (bad, _, badRaw) = await b.Client.PostJsonAsync($"/api/v1.5/batches/{batch.Uuid()}/packaged-products/", new { product_uuid = "x" });
        Assert.Equal(400, bad);
        Assert.Equal("""{"product_uuid":["Enter a valid ShortUUID."]}""", badRaw);
    }

    [Fact]
    public async Task Put_and_patch_are_partial_updates()
    {
        var b = await app.NewBrandAsync();
        var (batch, product, packaged) = await b.NewPackagedAsync();
        var coa = (await b.NewCoaAsync()).Uuid();
        var url = $"/api/v1.5/batches/{batch}/packaged-products/{packaged}/update/";
        var (put, putBody, _) = await b.Client.SendAsync(HttpMethod.Put, url, new { regulatory_id = "", packaged_on = "2022-03-04", digital_coa_uuids = new[] { coa } });
        Assert.Equal(200, put);
        Assert.Equal(product, (string)putBody!["product"]!["uuid"]!);
        Assert.Equal("", (string)putBody["regulatory_id"]!);
        Assert.Equal("2022-03-04", (string)putBody["packaged_on"]!);
        Assert.Equal($"""["{coa}"]""", putBody["digital_coa_uuids"].Json());
        Assert.Equal(["uuid", "product", "regulatory_id", "packaged_on", "digital_coa_uuids"], putBody.AsObject().Select(p => p.Key));

        var other = await b.NewProductAsync("Chocolate");
        var (patch, patchBody, _) = await b.Client.SendAsync(HttpMethod.Patch, url, new { product_uuid = other.Uuid() });
        Assert.Equal(200, patch);
        Assert.Equal("Chocolate", (string)patchBody!["product"]!["name"]!);
        Assert.Equal("2022-03-04", (string)patchBody["packaged_on"]!);
        Assert.Equal($"""["{coa}"]""", patchBody["digital_coa_uuids"].Json());

        var (invalid, _, invalidRaw) = await b.Client.SendAsync(HttpMethod.Patch, url, rawBody: """{"packaged_on":"soon"}""");
        Assert.Equal(400, invalid);
        Assert.Equal("""{"packaged_on":["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}""", invalidRaw);
    }

    [Fact]
    public async Task A_packaged_product_of_another_batch_is_not_found()
    {
        var b = await app.NewBrandAsync();
        var (_, _, packaged) = await b.NewPackagedAsync();
        var otherBatch = (await b.NewBatchAsync()).Uuid();
        var (put, putBody, _) = await b.Client.SendAsync(HttpMethod.Put, $"/api/v1.5/batches/{otherBatch}/packaged-products/{packaged}/update/", new { regulatory_id = "x" });
        Assert.Equal(404, put);
        Assert.Equal("""{"detail":"Not found."}""", putBody.Json());
        var (delete, deleteBody, _) = await b.Client.SendAsync(HttpMethod.Delete, $"/api/v1.5/batches/{otherBatch}/packaged-products/{packaged}/delete/");
        Assert.Equal(404, delete);
        Assert.Equal("""{"detail":"Not found."}""", deleteBody.Json());
        var (create, createBody, _) = await b.Client.PostJsonAsync($"/api/v1.5/batches/{ShortUuid.NewId()}/packaged-products/", new { product_uuid = ShortUuid.NewId() });
        Assert.Equal(404, create);
        Assert.Equal("""{"detail":"Not found."}""", createBody.Json());
    }

    [Fact]
    public async Task Delete_answers_204_and_the_packaged_product_is_gone_and_moves_the_batch_updated_on()
    {
        var b = await app.NewBrandAsync();
        var time = new ManualTime(BrandCatalog.Instant);
        await using var host = app.OnClock(time);
        var client = host.ClientAs(b.Client);
        var product = await b.NewProductAsync();
        var batch = (await client.CreatedAsync("/api/v1.5/batches/create/", new { name = "Batch 1" })).Uuid();
        var packaged = (await client.CreatedAsync($"/api/v1.5/batches/{batch}/packaged-products/", new { product_uuid = product.Uuid() })).Uuid();
        time.Advance(TimeSpan.FromMinutes(1));
        var (status, _, raw) = await client.SendAsync(HttpMethod.Delete, $"/api/v1.5/batches/{batch}/packaged-products/{packaged}/delete/");
        Assert.Equal(204, status);
        Assert.Equal("", raw);
        var (_, detail, _) = await b.Client.GetJsonAsync($"/api/v1.5/batches/{batch}/");
        Assert.Equal("[]", detail!["packaged_products"].Json());
        Assert.Equal("2026-03-01T10:01:00.123456Z", (string)detail["updated_on"]!);
        var (again, againBody, _) = await b.Client.SendAsync(HttpMethod.Delete, $"/api/v1.5/batches/{batch}/packaged-products/{packaged}/delete/");
        Assert.Equal(404, again);
        Assert.Equal("""{"detail":"Not found."}""", againBody.Json());
    }

    [Fact]
    public async Task Delete_of_a_packaged_product_with_lucid_ids_is_refused()
    {
        var b = await app.NewBrandAsync();
        var (batch, _, packaged) = await b.NewPackagedAsync();
        await b.Client.CreatedAsync("/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = packaged, quantity = 2 } } });
        var (status, body, _) = await b.Client.SendAsync(HttpMethod.Delete, $"/api/v1.5/batches/{batch}/packaged-products/{packaged}/delete/");
        Assert.Equal(400, status);
        Assert.Equal("""{"detail":"Cannot delete a packaged product that has LucidIDs."}""", body.Json());
        var (_, detail, _) = await b.Client.GetJsonAsync($"/api/v1.5/batches/{batch}/");
        Assert.Single(detail!["packaged_products"]!.AsArray());
    }
}

public sealed class PackagedProductsTestsOnSqlite(SqliteApp app) : PackagedProductsTests(app), IClassFixture<SqliteApp>;
public sealed class PackagedProductsTestsOnPostgres(PostgresApp app) : PackagedProductsTests(app), IClassFixture<PostgresApp>;
