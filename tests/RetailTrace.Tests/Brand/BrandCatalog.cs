using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.BrandApi;

/// <summary>Arranges a brand's catalog through the v1.5 API itself.</summary>
public static partial class BrandCatalog
{
    public static async Task<JsonNode> CreatedAsync(this HttpClient client, string url, object body)
    {
        var (status, json, raw) = await client.PostJsonAsync(url, body);
        Assert.True(status == 201, $"POST {url} → {status}: {raw}");
        return json!;
    }

    /// <summary>The app on a clock the test moves by hand, so <c>updated_on</c> values are exact (dispose it after use).</summary>
    public static WebApplicationFactory<Program> OnClock(this AppFixture app, ManualTime time) =>
        app.WithWebHostBuilder(w => w.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(time)));

    /// <summary>A fixed instant with microseconds, the precision <c>updated_on</c> keeps.</summary>
    public static readonly DateTimeOffset Instant = new(2026, 3, 1, 10, 0, 0, 123, 456, TimeSpan.Zero);

    public static Task<JsonNode> NewProductAsync(this BrandTenant brand, string name = "Gummies", string? brandUuid = null) =>
        brand.Client.CreatedAsync("/api/v1.5/products/create/", brandUuid is null ? new { name } : new { name, brand_uuid = brandUuid });

    public static Task<JsonNode> NewCoaAsync(this BrandTenant brand, string name = "COA 1") =>
        brand.Client.CreatedAsync("/api/v1.5/digital-coas/create/", new { name });

    public static Task<JsonNode> NewBatchAsync(this BrandTenant brand, string name = "Batch 1") =>
        brand.Client.CreatedAsync("/api/v1.5/batches/create/", new { name });

    public static Task<JsonNode> NewPackagedProductAsync(this BrandTenant brand, string batchUuid, string productUuid) =>
        brand.Client.CreatedAsync($"/api/v1.5/batches/{batchUuid}/packaged-products/", new { product_uuid = productUuid });

    /// <summary>A batch with one packaged product of a new product: (batch, product, packaged product) uuids.</summary>
    public static async Task<(string Batch, string Product, string Packaged)> NewPackagedAsync(this BrandTenant brand)
    {
        var product = (string)(await brand.NewProductAsync())["uuid"]!;
        var batch = (string)(await brand.NewBatchAsync())["uuid"]!;
        var packaged = (string)(await brand.NewPackagedProductAsync(batch, product))["uuid"]!;
        return (batch, product, packaged);
    }

    public static string Uuid(this JsonNode? node) => (string)node!["uuid"]!;

    /// <summary>The DRF output datetime format: UTC, six fractional digits, Z.</summary>
    public static void AssertDrfDateTime(JsonNode? value) =>
        Assert.Matches(DrfDateTime(), (string)value!);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")]
    private static partial Regex DrfDateTime();

    /// <summary>The product object of a product created with only a name.</summary>
    public static string MinimalProductJson(string uuid, string name, string updatedOn) =>
        $$"""{"uuid":"{{uuid}}","sku":"","description":"","name":"{{name}}","published_on":null,"available_on":null,"discontinued_on":null,"product_type":"","usage":"","variety":"","strain":"","product_line":"","package_size":{},"upc":"","servings":"","serving_size":{},"total_thc":{},"total_cbd":{},"thc_cbd_ratio":"","tests_description":"","updated_on":"{{updatedOn}}","about_ingredients":"","special_diet":[],"allergen":[],"testing_methodology":"","usage_recommendation":"","ingredients":[],"images":{},"barcode":""}""";
}
