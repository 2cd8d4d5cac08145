using RetailTrace.Common;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.BrandApi;

public abstract class ProductsAndCoasTests(AppFixture app)
{
    private const string FullProduct = """
        {"sku":"GUM-10","description":"Ten gummies","name":"Gummies","published_on":"2022-01-01T00:00:00Z","available_on":"2022-01-02T10:00:00+02:00",
         "discontinued_on":null,"product_type":"Edible","usage":"Oral","variety":"Hybrid","strain":"Blue Dream","product_line":"Fruity",
         "package_size":{"value":10,"unit":"count"},"upc":"0123","servings":"10","serving_size":{"value":5,"unit":"mg"},
         "total_thc":{"value":100,"unit":"mg"},"total_cbd":{"value":0,"unit":"mg"},"thc_cbd_ratio":"1:0","tests_description":"Tested",
         "about_ingredients":"Sugar","special_diet":["vegan"],"allergen":["soy"],"testing_methodology":"HPLC",
         "usage_recommendation":"<p>Start low and go slow.</p>","ingredients":[{"name":"sugar"}],
         "images":{"thumbnail":{},"primary":{},"banner":{}},"barcode":"B-1"}
        """;

    [Fact]
    public async Task Product_create_get_and_list_return_the_seed_product_object()
    {
        var b = await app.NewBrandAsync();
        var (status, body, raw) = await b.Client.PostRawAsync("/api/v1.5/products/create/", FullProduct);
        Assert.Equal(201, status);
        var updatedOn = (string)body!["updated_on"]!;
        BrandCatalog.AssertDrfDateTime(body["updated_on"]);
        var expected = $$$"""{"uuid":"{{{body.Uuid()}}}","sku":"GUM-10","description":"Ten gummies","name":"Gummies","published_on":"2022-01-01T00:00:00.000000Z","available_on":"2022-01-02T08:00:00.000000Z","discontinued_on":null,"product_type":"Edible","usage":"Oral","variety":"Hybrid","strain":"Blue Dream","product_line":"Fruity","package_size":{"value":10,"unit":"count"},"upc":"0123","servings":"10","serving_size":{"value":5,"unit":"mg"},"total_thc":{"value":100,"unit":"mg"},"total_cbd":{"value":0,"unit":"mg"},"thc_cbd_ratio":"1:0","tests_description":"Tested","updated_on":"{{{updatedOn}}}","about_ingredients":"Sugar","special_diet":["vegan"],"allergen":["soy"],"testing_methodology":"HPLC","usage_recommendation":"<p>Start low and go slow.</p>","ingredients":[{"name":"sugar"}],"images":{"thumbnail":{},"primary":{},"banner":{}},"barcode":"B-1"}""";
        Assert.Equal(expected, raw);

        var (get, _, getRaw) = await b.Client.GetJsonAsync($"/api/v1.5/products/{body.Uuid()}/");
        Assert.Equal(200, get);
        Assert.Equal(expected, getRaw);
        var (list, _, listRaw) = await b.Client.GetJsonAsync("/api/v1.5/products/");
        Assert.Equal(200, list);
        Assert.Equal($$"""{"count":1,"next":null,"previous":null,"results":[{{expected}}]}""", listRaw);
    }

    [Fact]
    public async Task Product_update_is_partial_with_put_and_patch()
    {
        var b = await app.NewBrandAsync();
        var product = await b.NewProductAsync("Gummies");
        var url = $"/api/v1.5/products/{product.Uuid()}/update/";
        var (put, putBody, _) = await b.Client.SendAsync(HttpMethod.Put, url, new { sku = "S-1", total_thc = new { value = 5 } });
        Assert.Equal(200, put);
        Assert.Equal("Gummies", (string)putBody!["name"]!);
        Assert.Equal("S-1", (string)putBody["sku"]!);
        Assert.Equal("""{"value":5}""", putBody["total_thc"].Json());
        var (patch, patchBody, _) = await b.Client.SendAsync(HttpMethod.Patch, url, new { name = "Sour Gummies" });
        Assert.Equal(200, patch);
        Assert.Equal("S-1", (string)patchBody!["sku"]!);
        Assert.Equal("Sour Gummies", (string)patchBody["name"]!);
        var (_, _, getRaw) = await b.Client.GetJsonAsync($"/api/v1.5/products/{product.Uuid()}/");
        Assert.Equal(patchBody.Json(), Infrastructure.Http.Json(System.Text.Json.Nodes.JsonNode.Parse(getRaw)));
    }

    [Fact]
    public async Task Product_fields_are_validated_in_order()
    {
        var b = await app.NewBrandAsync();
        var (status, _, raw) = await b.Client.PostRawAsync("/api/v1.5/products/create/",
            """{"images":[],"special_diet":"vegan","package_size":"10","published_on":"yesterday","sku":false}""");
        Assert.Equal(400, status);
        Assert.Equal("""{"sku":["Not a valid string."],"name":["This field is required."],"published_on":["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."],"package_size":["Expected a dictionary of items but got type \"str\"."],"special_diet":["Expected a list of items but got type \"str\"."],"images":["Expected a dictionary of items but got type \"list\"."]}""", raw);
        var (update, _, updateRaw) = await b.Client.SendAsync(HttpMethod.Patch, $"/api/v1.5/products/{ShortUuid.NewId()}/update/", new { name = "x" });
        Assert.Equal(404, update);
        Assert.Equal("""{"detail":"Not found."}""", updateRaw);
    }

    [Fact]
    public async Task Digital_coa_create_and_list()
    {
        var b = await app.NewBrandAsync();
        var (status, body, raw) = await b.Client.PostJsonAsync("/api/v1.5/digital-coas/create/",
            new { name = "COA 7", lab_name = "SC Labs", tested_on = "2022-01-31", document_url = "https://labs.example/coa7.pdf" });
        Assert.Equal(201, status);
        var expected = $$"""{"uuid":"{{body.Uuid()}}","brand_uuid":"{{b.BrandUuid}}","name":"COA 7","lab_name":"SC Labs","tested_on":"2022-01-31","document_url":"https://labs.example/coa7.pdf","updated_on":"{{(string)body!["updated_on"]!}}"}""";
        Assert.Equal(expected, raw);
        var (list, _, listRaw) = await b.Client.GetJsonAsync("/api/v1.5/digital-coas/");
        Assert.Equal(200, list);
        Assert.Equal($$"""{"count":1,"next":null,"previous":null,"results":[{{expected}}]}""", listRaw);
    }

    [Fact]
    public async Task Digital_coa_fields_are_validated()
    {
        var b = await app.NewBrandAsync();
        var (status, _, raw) = await b.Client.PostJsonAsync("/api/v1.5/digital-coas/create/", new { name = "", tested_on = "31.01.2022", document_url = "not a url" });
        Assert.Equal(400, status);
        Assert.Equal("""{"name":["This field may not be blank."],"tested_on":["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],"document_url":["Enter a valid URL."]}""", raw);
    }
}

public sealed class ProductsAndCoasTestsOnSqlite(SqliteApp app) : ProductsAndCoasTests(app), IClassFixture<SqliteApp>;
public sealed class ProductsAndCoasTestsOnPostgres(PostgresApp app) : ProductsAndCoasTests(app), IClassFixture<PostgresApp>;
