using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Store;

/// <summary>BatchQuantity on the wire (seed 004 order) plus <c>sellableQty</c> = quantity − committedQty.</summary>
public sealed record BatchQuantityView(
    string Id, string CompanyId, string ShopId, long Created, long Modified, bool Deleted, bool Updated,
    string ProductId, string InventoryId, string BatchId, decimal Quantity, decimal CommittedQty,
    long? BatchPurchaseDate, bool BatchArchived, bool Unsellable, decimal SellableQty)
{
    public static BatchQuantityView From(BatchQuantity q, long? purchaseDate, bool archived, bool unsellable) => new(
        q.Id, q.CompanyId, q.ShopId, q.Created, q.Modified, false, false, q.ProductId, q.InventoryId, q.BatchId,
        Qty.ToDecimal(q.Quantity), Qty.ToDecimal(q.Committed), purchaseDate, archived, unsellable, Qty.ToDecimal(q.Quantity - q.Committed));
}

/// <summary>Stock per batch and inventory room of the caller's shop.</summary>
public static class BatchQuantitiesApi
{
    public static RouteGroupBuilder MapBatchQuantities(this RouteGroupBuilder batches)
    {
        batches.MapGet("/{productId}/batchQuantityInfo", ByProduct).WithName("StoreGetBatchQuantityByProduct")
            .WithSummary("All batch quantities of a product in the shop's rooms (not paged); an unknown product has none")
            .Produces<BatchQuantityView[]>();
        batches.MapGet("/quantities", ByInventory).WithName("StoreGetBatchQuantityByInventory")
            .WithSummary("Batch quantities of one inventory room of the shop, newest modified first")
            .Produces<SearchResult<BatchQuantityView>>().Produces<BlazeError>(400);
        return batches;
    }

    private static async Task<IResult> ByProduct(string productId, StoreCaller caller, AppDb db) =>
        Blaze.Ok((await Views(db, caller).Where(r => r.Q.ProductId == productId)
            .OrderByDescending(r => r.Q.Modified).ThenByDescending(r => r.Q.Id).ToListAsync()).Select(r => r.View()).ToList());

    private static async Task<IResult> ByInventory(StoreCaller caller, AppDb db, string? inventoryId, string? start, string? skip, string? limit)
    {
        if (StoreApi.TryPage(start, skip, limit, out var offset, out var size) is { } bad) return bad;
        if (string.IsNullOrEmpty(inventoryId)) return Blaze.BadRequest("inventoryId", "inventoryId is required.");
        if (!await db.Inventories.AnyAsync(i => i.Id == inventoryId && i.ShopId == caller.ShopId))
            return Blaze.BadRequest("inventoryId", "Inventory does not belong to this shop.");
        var query = Views(db, caller).Where(r => r.Q.InventoryId == inventoryId);
        var total = await query.LongCountAsync();
        var page = await query.OrderByDescending(r => r.Q.Modified).ThenByDescending(r => r.Q.Id).Skip(offset).Take(size).ToListAsync();
        return Blaze.Ok(new SearchResult<BatchQuantityView>(page.Select(r => r.View()).ToList(), offset, size, total));
    }

    private sealed class Row
    {
        public required BatchQuantity Q { get; init; }
        public long? PurchasedDate { get; init; }
        public bool Archived { get; init; }
        public bool Unsellable { get; init; }

        public BatchQuantityView View() => BatchQuantityView.From(Q, PurchasedDate, Archived, Unsellable);
    }

    /// <summary>The shop's quantity rows with the batch fields they carry; rows of deleted batches are hidden with their batch.</summary>
    private static IQueryable<Row> Views(AppDb db, StoreCaller caller) =>
        from q in db.BatchQuantities.AsNoTracking()
        join b in db.ProductBatches on q.BatchId equals b.Id
        where q.ShopId == caller.ShopId && !b.Deleted
        select new Row { Q = q, PurchasedDate = b.PurchasedDate, Archived = b.Archived, Unsellable = b.Unsellable };
}
