using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Store;

/// <summary>Product batches of the caller's shop: list with filters and the two date-range lists.</summary>
public static class ProductBatchesApi
{
    private static readonly string[] Statuses = ["IN_TRANSFER", "RECEIVED", "IN_TESTING", "READY_FOR_SALE", "PROCESSING"];

    public static RouteGroupBuilder MapProductBatches(this RouteGroupBuilder batches)
    {
        batches.MapGet("/", List).WithName("StoreGetBatches")
            .WithSummary("Get batches: by batchId (wins over all filters), or filtered by productId, status and term; newest modified first")
            .Produces<SearchResult<JsonObject>>().Produces<BlazeError>(400);
        batches.MapGet("/dates", (StoreCaller caller, AppDb db, TimeProvider time, string? startDate, string? endDate, string? start, string? skip, string? limit) =>
                ByDates(caller, db, time, startDate, endDate, start, skip, limit, byPurchaseDate: false))
            .WithName("StoreGetBatchesByDates").WithSummary("Get batches whose modified time is within [startDate, endDate] (epoch ms)")
            .Produces<SearchResult<JsonObject>>().Produces<BlazeError>(400);
        batches.MapGet("/dates/purchaseDate", (StoreCaller caller, AppDb db, TimeProvider time, string? startDate, string? endDate, string? start, string? skip, string? limit) =>
                ByDates(caller, db, time, startDate, endDate, start, skip, limit, byPurchaseDate: true))
            .WithName("StoreGetBatchesByPurchaseDate").WithSummary("Get batches whose purchasedDate is within [startDate, endDate] (epoch ms)")
            .Produces<SearchResult<JsonObject>>().Produces<BlazeError>(400);
        return batches;
    }

    private static async Task<IResult> List(StoreCaller caller, AppDb db,
        string? batchId, string? productId, string? status, string? term, string? start, string? skip, string? limit)
    {
        if (StoreApi.TryPage(start, skip, limit, out var offset, out var size) is { } bad) return bad;
        var query = Visible(db, caller);
        var filtered = true;
        if (!string.IsNullOrEmpty(batchId)) query = query.Where(b => b.Id == batchId);
        else
        {
            if (!string.IsNullOrEmpty(status) && !Statuses.Contains(status))
                return Blaze.BadRequest("status", "status must be one of: " + string.Join(", ", Statuses) + ".");
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
            filtered = !string.IsNullOrEmpty(productId) || !string.IsNullOrEmpty(status) || !string.IsNullOrWhiteSpace(term);
        }
        // Unfiltered, the total is the shop's trigger-kept store_batch_counts row, not a COUNT of its batches.
        var kept = filtered ? null : db.StoreBatchCounts.AsNoTracking().Where(c => c.ShopId == caller.ShopId).Select(c => c.Count);
        return Blaze.Ok(await PageAsync(query, offset, size, kept));
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
        return Blaze.Ok(await PageAsync(query, offset, size));
    }

    // `deleted = @notDeleted`, not `NOT deleted`: SQLite only seeks the (shop_id, deleted, modified, id)
    // index, and so reads the page and the count without sorting, when the column is compared by equality.
    private static IQueryable<ProductBatch> Visible(AppDb db, StoreCaller caller)
    {
        var notDeleted = false;
        return db.ProductBatches.AsNoTracking().Where(b => b.ShopId == caller.ShopId && b.Deleted == notDeleted);
    }

    /// <summary>
    /// One page, newest first, with the total: a COUNT of the query, or the <paramref name="keptTotal"/> read
    /// in the page's own statement (a scalar subquery evaluated once), which saves the count its round trip
    /// on PostgreSQL. Only a page past the end, which has no row to carry it, reads the kept total alone.
    /// </summary>
    private static async Task<SearchResult<ProductBatchJson>> PageAsync(IQueryable<ProductBatch> query, int offset, int size, IQueryable<long>? keptTotal = null)
    {
        // A row is read as its document and live columns: everything the wire object is written from.
        var page = query.OrderByDescending(b => b.Modified).ThenByDescending(b => b.Id).Skip(offset).Take(size)
            .Select(b => new ProductBatchJson(b.Document, b.Modified, b.Quantity, b.Deleted));
        List<ProductBatchJson> rows;
        long total;
        if (keptTotal is null)
        {
            total = await query.LongCountAsync();
            rows = await page.ToListAsync();
        }
        else
        {
            // The unfiltered list: its plan is one index scan whatever the shop, limit and offset.
            var withTotal = await page.Select(b => new { Batch = b, Total = keptTotal.FirstOrDefault() }).ToListAsync();
            rows = withTotal.ConvertAll(x => x.Batch);
            total = withTotal.Count > 0 ? withTotal[0].Total : await keptTotal.FirstOrDefaultAsync();
        }
        return new SearchResult<ProductBatchJson>(rows, offset, size, total);
    }
}
