using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Admin;
using RetailTrace.Data;

namespace RetailTrace.Store;

/// <summary>
/// Operator provisioning of store stock (SPEC §10): products, product batches and the quantity of a
/// batch in a room. Errors are problem+json; the created batch and quantity are returned in their
/// BLAZE wire shape, exactly as the store API shows them.
/// </summary>
public static class StoreAdminApi
{
    public sealed record StoreProductRequest(string? ShopId, string? Name, string? Sku);
    public sealed record StoreProductResponse(string Id, string CompanyId, string ShopId, string Name, string? Sku);
    public sealed record BatchQuantityRequest(string? ShopId, string? BatchId, string? InventoryId, decimal? Quantity);

    /// <summary>Documentation of the batch body: <c>shop_id</c>, <c>productId</c> and any ProductBatch field (camelCase).</summary>
    public sealed record StoreBatchRequest(string? ShopId, [property: System.Text.Json.Serialization.JsonPropertyName("productId")] string? ProductId);

    public static IEndpointRouteBuilder MapStoreAdmin(this IEndpointRouteBuilder app)
    {
        var store = app.MapAdminGroup().MapGroup("/store");
        store.MapPost("/products", CreateProduct).WithName("AdminCreateStoreProduct").WithSummary("Create a product in a shop")
            .Produces<StoreProductResponse>(201);
        store.MapPost("/batches", CreateBatch).WithName("AdminCreateStoreBatch")
            .WithSummary("Create a product batch: shop_id, productId and any documented ProductBatch field; quantity comes from batch-quantities")
            .AcceptsJson<StoreBatchRequest>().Produces<ProductBatchDocument>(201);
        store.MapPut("/batch-quantities", SetQuantity).WithName("AdminSetStoreBatchQuantity")
            .WithSummary("Set the quantity of a batch in an inventory room of its shop (not below what pending transfers reserve)")
            .Produces<BatchQuantityView>();
        return app;
    }

    private static async Task<IResult> CreateProduct(StoreProductRequest body, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var errors = new Admin.Admin.Errors().Require("shop_id", body.ShopId).Require("name", body.Name);
        if (body.Sku is { Length: > 255 }) errors.Add("sku", "At most 255 characters.");
        var shop = errors.Any ? null : await db.Shops.AsNoTracking().FirstOrDefaultAsync(s => s.Id == body.ShopId, ct);
        if (!errors.Any && shop is null) errors.Add("shop_id", "Unknown shop.");
        if (errors.Any) return errors.Result();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var p = new StoreProduct { Id = ObjectId.NewId(time), CompanyId = shop!.CompanyId, ShopId = shop.Id, Name = body.Name!.Trim(), Sku = body.Sku, Created = now, Modified = now };
        await db.InsertAsync(p, ct);
        return TypedResults.Created($"/admin/v1/store/products/{p.Id}", new StoreProductResponse(p.Id, p.CompanyId, p.ShopId, p.Name, p.Sku));
    }

    private static async Task<IResult> CreateBatch(HttpRequest request, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var (node, error) = await RequestBody.ReadJsonAsync(request, whenEmpty: null);
        if (error is not null) return ApiErrors.Refusal(request.HttpContext, error);
        if (node is not JsonObject body) return TypedResults.Problem(statusCode: 400, title: "Bad Request", detail: "The body must be a JSON object.");

        var errors = new Admin.Admin.Errors();
        var shopId = body["shop_id"] is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : null;
        var productId = body["productId"] is JsonValue p && p.GetValueKind() == JsonValueKind.String ? p.GetValue<string>() : null;
        errors.Require("shop_id", shopId).Require("productId", productId);
        var (fields, invalid) = ProductBatchDocument.FromInput(body);
        foreach (var (field, message) in invalid) errors.Add(field, message);
        foreach (var (field, message) in ProductBatchValidation.NestedErrors(body)) errors.Add(field, message);
        var shop = errors.Any ? null : await db.Shops.AsNoTracking().FirstOrDefaultAsync(x => x.Id == shopId, ct);
        if (!errors.Any && shop is null) errors.Add("shop_id", "Unknown shop.");
        var product = errors.Any ? null : await db.StoreProducts.AsNoTracking().FirstOrDefaultAsync(x => x.Id == productId && x.ShopId == shopId, ct);
        if (!errors.Any && product is null) errors.Add("productId", "Unknown product in this shop.");
        if (errors.Any) return errors.Result();

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var batch = ProductBatch.From(fields! with
        {
            Id = ObjectId.NewId(time), CompanyId = shop!.CompanyId, ShopId = shop.Id, ProductId = product!.Id,
            Created = now, Modified = now, Sku = fields.Sku ?? product.Sku, ProductName = fields.ProductName ?? product.Name,
        });
        await db.WriteAsync(async () =>
        {
            await ProductBatch.AddAsync(db, [batch], ct);
            return batch;
        }, ct);
        return TypedResults.Json(batch.Shown(), StoreJson.Default.ProductBatchDocument, statusCode: 201);
    }

    private static async Task<IResult> SetQuantity(BatchQuantityRequest body, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var errors = new Admin.Admin.Errors().Require("shop_id", body.ShopId).Require("batch_id", body.BatchId).Require("inventory_id", body.InventoryId);
        long quantity = 0;
        if (body.Quantity is not { } q) errors.Add("quantity", "This field is required.");
        else if (q < 0 || !Qty.TryFromDecimal(q, out quantity)) errors.Add("quantity", "Must be at least 0 and below 10^12, with at most 3 decimals.");
        var batch = errors.Any ? null : await db.ProductBatches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == body.BatchId && b.ShopId == body.ShopId && !b.Deleted, ct);
        if (!errors.Any && batch is null) errors.Add("batch_id", "Unknown batch in this shop.");
        if (!errors.Any && !await db.Inventories.AnyAsync(i => i.Id == body.InventoryId && i.ShopId == body.ShopId, ct))
            errors.Add("inventory_id", "Unknown inventory in this shop.");
        if (errors.Any) return errors.Result();

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return await db.WriteAsync<IResult>(async () =>
        {
            // Upsert first (it takes the row lock); the reservation check runs on the locked row.
            var raised = await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO batch_quantities (id, company_id, shop_id, product_id, inventory_id, batch_id, quantity, committed, created, modified)
                VALUES ({ObjectId.NewId(time)}, {batch!.CompanyId}, {batch.ShopId}, {batch.ProductId}, {body.InventoryId}, {batch.Id}, {quantity}, 0, {now}, {now})
                ON CONFLICT (batch_id, inventory_id) DO UPDATE SET quantity = excluded.quantity, modified = excluded.modified
                WHERE batch_quantities.committed <= excluded.quantity
                """, ct);
            if (raised == 0)
                return TypedResults.Problem(statusCode: 409, title: "Conflict", detail: "The quantity is below what pending transfers reserve in this room.");
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                UPDATE product_batches SET modified = {now},
                    quantity = (SELECT COALESCE(SUM(q.quantity), 0) FROM batch_quantities q WHERE q.batch_id = {batch.Id})
                WHERE id = {batch.Id}
                """, ct);
            var row = await db.BatchQuantities.AsNoTracking().SingleAsync(x => x.BatchId == batch.Id && x.InventoryId == body.InventoryId, ct);
            return TypedResults.Json(BatchQuantityView.From(row, batch.PurchasedDate, batch.Archived, batch.Unsellable), Blaze.Json);
        }, ct);
    }
}
