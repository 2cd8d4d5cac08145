using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Store;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Store;

/// <summary>Arranges store stock through the admin API and runs the transfer worker on demand.</summary>
public static class StoreArrange
{
    public const string InvalidArg = "com.fourtwenty.core.exceptions.BlazeInvalidArgException";

    public static string Error(string field, string message, string type = InvalidArg) =>
        $$"""{"field":"{{field}}","message":"{{message}}","errorType":"{{type}}","references":null}""";

    public static async Task<string> ProductAsync(this AppFixture app, string shopId, string name = "Blue Dream", string? sku = null) =>
        (string)(await Tenants.Created(app.AdminClient(), "/admin/v1/store/products", new { shop_id = shopId, name, sku }))["id"]!;

    public static async Task<JsonNode> BatchAsync(this AppFixture app, string shopId, string productId, JsonObject? fields = null)
    {
        var body = fields ?? [];
        body["shop_id"] = shopId;
        body["productId"] = productId;
        var (status, json, raw) = await app.AdminClient().SendAsync(HttpMethod.Post, "/admin/v1/store/batches", rawBody: body.ToJsonString());
        Assert.True(status == 201, raw);
        return json!;
    }

    public static async Task<JsonNode> SetQuantityAsync(this AppFixture app, string shopId, string batchId, string inventoryId, decimal quantity)
    {
        var (status, json, raw) = await app.AdminClient().SendAsync(HttpMethod.Put, "/admin/v1/store/batch-quantities",
            new { shop_id = shopId, batch_id = batchId, inventory_id = inventoryId, quantity });
        Assert.True(status == 200, raw);
        return json!;
    }

    /// <summary>A batch of a new product with <paramref name="quantity"/> in the store's front room.</summary>
    public static async Task<(string ProductId, string BatchId)> StockAsync(this AppFixture app, StoreTenant store, decimal quantity, long? purchasedDate = null)
    {
        var product = await app.ProductAsync(store.ShopId);
        var batch = (string)(await app.BatchAsync(store.ShopId, product, purchasedDate is { } d ? new JsonObject { ["purchasedDate"] = d } : null))["id"]!;
        await app.SetQuantityAsync(store.ShopId, batch, store.FrontRoomId, quantity);
        return (product, batch);
    }

    /// <summary>The id of the store's partner key (<paramref name="kind"/> "partners") or developer key ("developer-keys"),
    /// as the admin API's routes name them.</summary>
    public static Task<string> KeyIdAsync(this AppFixture app, string kind, StoreTenant store) => app.WithDbAsync(db => Task.FromResult(kind == "partners"
        ? db.Partners.Single(p => p.KeyHash == RetailTrace.Common.Secrets.Hash(store.PartnerKey)).Id
        : db.DeveloperKeys.Single(k => k.KeyHash == RetailTrace.Common.Secrets.Hash(store.DeveloperKey)).Id));

    public static Task<int> ProcessTransfersAsync(this AppFixture app) =>
        app.Services.GetRequiredService<TransferWorker>().ProcessPendingAsync(TestContext.Current.CancellationToken);

    public static Task<(int Status, JsonNode? Body, string Raw)> PutJsonAsync(this HttpClient client, string url, object body) =>
        client.SendAsync(HttpMethod.Put, url, body);
}

/// <summary>A second server process over the same database as a fixture (restart and multi-process tests).</summary>
public sealed class StoreAppInstance(AppFixture source) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        AppFixture.UseTestSettings(builder, source.Provider, source.ConnectionString);
    }

    public Task<int> ProcessTransfersAsync() =>
        Services.GetRequiredService<TransferWorker>().ProcessPendingAsync(TestContext.Current.CancellationToken);
}
