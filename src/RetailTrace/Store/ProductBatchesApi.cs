using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Store;

/// <summary>Product batches of the caller's shop: list with filters and the two date-range lists.</summary>
public static class ProductBatchesApi
{
    public static RouteGroupBuilder MapProductBatches(this RouteGroupBuilder batches)
    {
        batches.MapGet("/", List).WithName("StoreGetBatches")
            .WithSummary("Get batches: by batchId (wins over all filters), or filtered by productId, status and term; newest modified first")
            .Produces<SearchResult<ProductBatchDocument>>().Produces<BlazeError>(400);
        batches.MapGet("/dates", (StoreCaller caller, AppDb db, TimeProvider time, string? startDate, string? endDate, string? start, string? skip, string? limit) =>
                ByDates(caller, db, time, startDate, endDate, start, skip, limit, byPurchaseDate: false))
            .WithName("StoreGetBatchesByDates").WithSummary("Get batches whose modified time is within [startDate, endDate] (epoch ms)")
            .Produces<SearchResult<ProductBatchDocument>>().Produces<BlazeError>(400);
        batches.MapGet("/dates/purchaseDate", (StoreCaller caller, AppDb db, TimeProvider time, string? startDate, string? endDate, string? start, string? skip, string? limit) =>
                ByDates(caller, db, time, startDate, endDate, start, skip, limit, byPurchaseDate: true))
            .WithName("StoreGetBatchesByPurchaseDate").WithSummary("Get batches whose purchasedDate is within [startDate, endDate] (epoch ms)")
            .Produces<SearchResult<ProductBatchDocument>>().Produces<BlazeError>(400);
        return batches;
    }

    private static async Task<IResult> List(StoreCaller caller, AppDb db,
        string? batchId, string? productId, string? status, string? term, string? start, string? skip, string? limit)
    {
        if (StoreApi.TryPage(start, skip, limit, out var offset, out var size) is { } bad) return bad;
        var visible = Visible(db, caller);
        var query = visible;
        if (!string.IsNullOrEmpty(batchId)) query = query.Where(b => b.Id == batchId);
        else
        {
            if (!string.IsNullOrEmpty(status) && !ProductBatchDocument.Statuses.Contains(status))
                return Blaze.BadRequest("status", "status must be one of: " + string.Join(", ", ProductBatchDocument.Statuses) + ".");
            if (!string.IsNullOrEmpty(productId)) query = query.Where(b => b.ProductId == productId);
            if (!string.IsNullOrEmpty(status)) query = query.Where(b => b.Status == status);
            if (!string.IsNullOrWhiteSpace(term))
            {
                var t = term.Trim().ToLowerInvariant();
                query = query.Where(b => b.Id.Contains(t)
                    || (b.Sku != null && b.Sku.ToLower().Contains(t))
                    || (b.ProductName != null && b.ProductName.ToLower().Contains(t))
                    || (b.TrackPackageLabel != null && b.TrackPackageLabel.ToLower().Contains(t))
                    || (b.MetrcTagId != null && b.MetrcTagId.ToLower().Contains(t))
                    || (b.LotId != null && b.LotId.ToLower().Contains(t)));
            }
        }
        // Unfiltered, the total is the shop's kept count; any filter makes another query object, which is counted.
        var total = ReferenceEquals(query, visible)
            ? await db.Shops.Where(s => s.Id == caller.ShopId).Select(s => s.ProductBatchCount).FirstAsync()
            : await query.LongCountAsync();
        return await PageAsync(query, total, offset, size);
    }

    private static async Task<IResult> ByDates(StoreCaller caller, AppDb db, TimeProvider time,
        string? startDate, string? endDate, string? start, string? skip, string? limit, bool byPurchaseDate)
    {
        if (StoreApi.TryPage(start, skip, limit, out var offset, out var size) is { } bad) return bad;
        long from = 0, to = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!string.IsNullOrEmpty(startDate) && !long.TryParse(startDate, out from))
            return Blaze.BadRequest("startDate", "startDate must be epoch milliseconds.");
        if (!string.IsNullOrEmpty(endDate) && !long.TryParse(endDate, out to))
            return Blaze.BadRequest("endDate", "endDate must be epoch milliseconds.");
        if (from > to) return Blaze.BadRequest("startDate", "startDate must not be after endDate.");
        var query = Visible(db, caller);
        query = byPurchaseDate
            ? query.Where(b => b.PurchasedDate >= from && b.PurchasedDate <= to)
            : query.Where(b => b.Modified >= from && b.Modified <= to);
        return await PageAsync(query, await query.LongCountAsync(), offset, size);
    }

    private static IQueryable<ProductBatch> Visible(AppDb db, StoreCaller caller) =>
        db.ProductBatches.AsNoTracking().Where(b => b.ShopId == caller.ShopId && !b.Deleted);

    /// <summary>One page of the query, newest first, with its total.</summary>
    private static async Task<IResult> PageAsync(IQueryable<ProductBatch> query, long total, int offset, int size)
    {
        // A row is read as its document and live columns: everything the wire object is made of.
        var page = await query.OrderByDescending(b => b.Modified).ThenByDescending(b => b.Id).Skip(offset).Take(size)
            .Select(b => ProductBatch.Shown(b.Document, b.Modified, b.Quantity, b.Deleted)).ToListAsync();
        return Blaze.Ok(new SearchResult<ProductBatchDocument>(page, offset, size, total), StoreJson.Default.SearchResultProductBatchDocument);
    }
}
