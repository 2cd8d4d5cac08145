using Microsoft.EntityFrameworkCore;
using RetailTrace.Store;

namespace RetailTrace.Data;

// The BLAZE store family: products, product batches, batch quantities per inventory room and
// inventory transfers. Timestamps are epoch milliseconds (the wire format) and quantities are
// thousandths held in a long (see Qty), so both providers compare and compute them in SQL.

/// <summary>Quantities on the wire are BigDecimal; stored as whole thousandths so SQL can add, subtract and compare them.</summary>
public static class Qty
{
    public const long Scale = 1000;

    /// <summary>Quantities stay below this (a trillion units): keeps sums far from long overflow.</summary>
    public const decimal Max = 1_000_000_000_000m;

    public static decimal ToDecimal(long thousandths) => thousandths / (decimal)Scale;

    /// <summary>False when the value has more than three decimals or is not strictly between -<see cref="Max"/> and <see cref="Max"/>.</summary>
    public static bool TryFromDecimal(decimal value, out long thousandths)
    {
        thousandths = 0;
        if (value >= Max || value <= -Max) return false;
        var scaled = value * Scale;
        if (scaled != decimal.Truncate(scaled)) return false;
        thousandths = (long)scaled;
        return true;
    }
}

public class StoreProduct
{
    public required string Id { get; set; }
    public required string CompanyId { get; set; }
    public required string ShopId { get; set; }
    public required string Name { get; set; }
    public string? Sku { get; set; }
    public long Created { get; set; }
    public long Modified { get; set; }
}

/// <summary>
/// A product batch: its <see cref="Document"/> (every documented field, stored as JSON text) and the
/// columns the API filters, sorts and joins on, projected from the document when the row is made
/// (<see cref="From"/>), plus the live columns that change afterwards: <see cref="Modified"/>,
/// <see cref="Quantity"/> and <see cref="Deleted"/>. The API shows the document with the live columns.
/// </summary>
public class ProductBatch
{
    public required string Id { get; init; }
    public required string CompanyId { get; init; }
    public required string ShopId { get; init; }
    public required string ProductId { get; init; }
    public string Status { get; init; } = "RECEIVED";
    public long Created { get; init; }
    public long Modified { get; set; }
    public long? PurchasedDate { get; init; }
    public string? Sku { get; init; }
    public string? ProductName { get; init; }
    public string? TrackPackageLabel { get; init; }
    public string? MetrcTagId { get; init; }
    public string? LotId { get; init; }
    public bool Deleted { get; set; }
    public bool Archived { get; init; }
    public bool Unsellable { get; init; }
    /// <summary>Total over the batch's rooms (thousandths), kept in the same transaction as every quantity change.</summary>
    public long Quantity { get; set; }
    /// <summary>For a copy made by a cross-shop transfer: the batch it was copied from (one copy per source batch and shop).</summary>
    public string? SourceBatchId { get; init; }
    public required ProductBatchDocument Document { get; init; }

    /// <summary>A new row for <paramref name="document"/>: the one place its columns are taken from it.</summary>
    public static ProductBatch From(ProductBatchDocument document, string? sourceBatchId = null) => new()
    {
        Id = document.Id, CompanyId = document.CompanyId, ShopId = document.ShopId, ProductId = document.ProductId,
        Status = document.Status, Created = document.Created, Modified = document.Modified, PurchasedDate = document.PurchasedDate,
        Sku = document.Sku, ProductName = document.ProductName, TrackPackageLabel = document.TrackPackageLabel,
        MetrcTagId = document.MetrcTagId, LotId = document.LotId, Deleted = document.Deleted, Archived = document.Archived,
        Unsellable = document.Unsellable, SourceBatchId = sourceBatchId, Document = document,
    };

    /// <summary>The batch as the API shows it: its document with the live columns. Usable in a query's final projection.</summary>
    public static ProductBatchDocument Shown(ProductBatchDocument document, long modified, long quantity, bool deleted) =>
        document with { Modified = modified, Quantity = Qty.ToDecimal(quantity), Deleted = deleted };

    public ProductBatchDocument Shown() => Shown(Document, Modified, Quantity, Deleted);

    /// <summary>Adds new batches and counts them on their shops' rows (<see cref="Shop.ProductBatchCount"/>), in the
    /// caller's write: the one way batches are created.</summary>
    public static async Task AddAsync(AppDb db, IReadOnlyCollection<ProductBatch> batches, CancellationToken ct)
    {
        db.ProductBatches.AddRange(batches);
        await db.SaveChangesAsync(ct);
        foreach (var shop in batches.Where(b => !b.Deleted).GroupBy(b => b.ShopId))
        {
            var added = shop.LongCount();
            await db.Shops.Where(s => s.Id == shop.Key).ExecuteUpdateAsync(s => s.SetProperty(x => x.ProductBatchCount, x => x.ProductBatchCount + added), ct);
        }
    }
}

/// <summary>Stock of one batch in one inventory room; <see cref="Committed"/> is reserved by pending transfers.</summary>
public class BatchQuantity
{
    public required string Id { get; set; }
    public required string CompanyId { get; set; }
    public required string ShopId { get; set; }
    public required string ProductId { get; set; }
    public required string InventoryId { get; set; }
    public required string BatchId { get; set; }
    public long Quantity { get; set; }
    public long Committed { get; set; }
    public long Created { get; set; }
    public long Modified { get; set; }
}

public static class TransferStatus
{
    public const string Pending = "PENDING";
    public const string Accepted = "ACCEPTED";
    public const string Declined = "DECLINED";
}

/// <summary>
/// An inventory transfer. State changes are conditional updates on <see cref="Status"/> (PENDING →
/// ACCEPTED | DECLINED); an accepted transfer has <see cref="Processing"/> set until the worker moves
/// the stock and sets <see cref="CompleteTransfer"/>.
/// </summary>
public class InventoryTransfer
{
    public required string Id { get; set; }
    public required string CompanyId { get; set; }
    public required string ShopId { get; set; }
    public long Created { get; set; }
    public long Modified { get; set; }
    public string Status { get; set; } = TransferStatus.Pending;
    public required string CreateByEmployeeId { get; set; }
    public string? AcceptByEmployeeId { get; set; }
    public string? DeclineByEmployeeId { get; set; }
    public required string FromShopId { get; set; }
    public required string ToShopId { get; set; }
    public required string FromInventoryId { get; set; }
    public required string ToInventoryId { get; set; }
    public string? PrevFromInventoryId { get; set; }
    public long? DeclinedDate { get; set; }
    public long? AcceptedDate { get; set; }
    public long TransferNo { get; set; }
    public bool CompleteTransfer { get; set; }
    public bool TransferByBatch { get; set; }
    public long? ProcessedTime { get; set; }
    public bool Processing { get; set; }
    public string? DriverId { get; set; }
    public string? TransactionId { get; set; }
    public string? OrderNo { get; set; }
    public string? ActiveTopUserId { get; set; }
    public List<InventoryTransferLog> Logs { get; set; } = [];
}

/// <summary>One line of a transfer: an amount of one batch. The quantity columns are filled when the worker applies it.</summary>
public class InventoryTransferLog
{
    public required string Id { get; set; }
    public required string TransferId { get; set; }
    public int Position { get; set; }
    public required string ProductId { get; set; }
    public string? ToProductId { get; set; }
    public required string FromBatchId { get; set; }
    public string? ToBatchId { get; set; }
    public long TransferAmount { get; set; }
    public long? OrigFromQty { get; set; }
    public long? FinalFromQty { get; set; }
    public long? OrigToQty { get; set; }
    public long? FinalInventory { get; set; }
    public bool Failed { get; set; }
}

/// <summary>Per-company transfer number sequence; its row lock serializes number assignment.</summary>
public class TransferCounter
{
    public required string CompanyId { get; set; }
    public long LastNo { get; set; }
}

public static class StoreModel
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<StoreProduct>(e =>
        {
            e.Property(x => x.Id).HasMaxLength(24);
            e.Property(x => x.Name).HasMaxLength(255);
            e.Property(x => x.Sku).HasMaxLength(255);
            e.HasOne<Company>().WithMany().HasForeignKey(x => x.CompanyId);
            e.HasOne<Shop>().WithMany().HasForeignKey(x => x.ShopId);
        });
        b.Entity<ProductBatch>(e =>
        {
            e.Property(x => x.Id).HasMaxLength(24);
            e.Property(x => x.Status).HasMaxLength(32);
            foreach (var p in new[] { nameof(ProductBatch.Sku), nameof(ProductBatch.ProductName), nameof(ProductBatch.TrackPackageLabel), nameof(ProductBatch.MetrcTagId), nameof(ProductBatch.LotId) })
                e.Property(p).HasMaxLength(255);
            e.HasOne<Company>().WithMany().HasForeignKey(x => x.CompanyId);
            e.HasOne<Shop>().WithMany().HasForeignKey(x => x.ShopId);
            e.HasOne<StoreProduct>().WithMany().HasForeignKey(x => x.ProductId);
            e.Property(x => x.Document).HasConversion(d => ProductBatchDocument.ToStored(d), s => ProductBatchDocument.FromStored(s));
            // The list's order, unfiltered and by product or status, with deleted in each entry: a page is read
            // in order, and hidden batches are skipped and counted out without reading their rows.
            e.HasIndex(x => new { x.ShopId, x.Modified, x.Id, x.Deleted });
            e.HasIndex(x => new { x.ShopId, x.ProductId, x.Modified, x.Id, x.Deleted });
            e.HasIndex(x => new { x.ShopId, x.Status, x.Modified, x.Id, x.Deleted });
            e.HasIndex(x => new { x.ShopId, x.PurchasedDate });
            e.HasIndex(x => new { x.ShopId, x.SourceBatchId }).IsUnique();
        });
        b.Entity<BatchQuantity>(e =>
        {
            e.Property(x => x.Id).HasMaxLength(24);
            e.HasOne<ProductBatch>().WithMany().HasForeignKey(x => x.BatchId);
            e.HasOne<Inventory>().WithMany().HasForeignKey(x => x.InventoryId);
            e.HasIndex(x => new { x.BatchId, x.InventoryId }).IsUnique();
            e.HasIndex(x => new { x.InventoryId, x.Modified, x.Id });
            e.HasIndex(x => new { x.ShopId, x.ProductId });
            e.ToTable(t => t.HasCheckConstraint("ck_batch_quantities_non_negative", "quantity >= 0 AND committed >= 0 AND committed <= quantity"));
        });
        b.Entity<InventoryTransfer>(e =>
        {
            e.ToTable("inventory_transfers");
            e.Property(x => x.Id).HasMaxLength(24);
            e.Property(x => x.Status).HasMaxLength(16);
            foreach (var p in new[] { nameof(InventoryTransfer.DriverId), nameof(InventoryTransfer.TransactionId), nameof(InventoryTransfer.OrderNo), nameof(InventoryTransfer.ActiveTopUserId) })
                e.Property(p).HasMaxLength(255);
            e.HasOne<Company>().WithMany().HasForeignKey(x => x.CompanyId);
            e.HasIndex(x => new { x.CompanyId, x.TransferNo }).IsUnique();
            e.HasIndex(x => new { x.Processing, x.CompleteTransfer, x.AcceptedDate }).HasDatabaseName("ix_inventory_transfers_to_process");
            e.HasMany(x => x.Logs).WithOne().HasForeignKey(x => x.TransferId);
        });
        b.Entity<InventoryTransferLog>(e =>
        {
            e.Property(x => x.Id).HasMaxLength(24);
            e.HasIndex(x => new { x.TransferId, x.Position });
        });
        b.Entity<TransferCounter>(e => e.HasKey(x => x.CompanyId));
    }
}
