using Microsoft.EntityFrameworkCore;

namespace RetailTrace.Data;

// A brand's catalog (Brand API v1.5) and the labelled units minted from it.
// Object-shaped product attributes (package_size, images, …) are opaque JSON documents to us,
// so they are stored as JSON text and echoed back unchanged.

public class Product
{
    public Guid Id { get; set; }
    public Guid BrandId { get; set; }
    public required string Name { get; set; }
    public string Sku { get; set; } = "";
    public string Description { get; set; } = "";
    public DateTime? PublishedOn { get; set; }
    public DateTime? AvailableOn { get; set; }
    public DateTime? DiscontinuedOn { get; set; }
    public string ProductType { get; set; } = "";
    public string Usage { get; set; } = "";
    public string Variety { get; set; } = "";
    public string Strain { get; set; } = "";
    public string ProductLine { get; set; } = "";
    public string PackageSize { get; set; } = "{}";
    public string Upc { get; set; } = "";
    public string Servings { get; set; } = "";
    public string ServingSize { get; set; } = "{}";
    public string TotalThc { get; set; } = "{}";
    public string TotalCbd { get; set; } = "{}";
    public string ThcCbdRatio { get; set; } = "";
    public string TestsDescription { get; set; } = "";
    public string AboutIngredients { get; set; } = "";
    public string SpecialDiet { get; set; } = "[]";
    public string Allergen { get; set; } = "[]";
    public string TestingMethodology { get; set; } = "";
    public string UsageRecommendation { get; set; } = "";
    public string Ingredients { get; set; } = "[]";
    public string Images { get; set; } = "{}";
    public string Barcode { get; set; } = "";
    public DateTime UpdatedOn { get; set; }
}

public class DigitalCoa
{
    public Guid Id { get; set; }
    public Guid BrandId { get; set; }
    public required string Name { get; set; }
    public string LabName { get; set; } = "";
    public DateOnly? TestedOn { get; set; }
    public string DocumentUrl { get; set; } = "";
    public DateTime UpdatedOn { get; set; }
}

public class Batch
{
    public Guid Id { get; set; }
    public Guid BrandId { get; set; }
    public required string Name { get; set; }
    public string RegulatoryId { get; set; } = "";
    public DateTime? ProducedOn { get; set; }
    public DateOnly? HarvestedOn { get; set; }
    public string ExtractionMethod { get; set; } = "";
    /// <summary>JSON array of lab objects, echoed as <c>testing_laboratories</c>.</summary>
    public string TestingLaboratories { get; set; } = "[]";
    public List<Guid> DigitalCoaIds { get; set; } = [];
    public DateTime UpdatedOn { get; set; }
}

public class PackagedProduct
{
    public Guid Id { get; set; }
    public Guid BatchId { get; set; }
    public Guid BrandId { get; set; }
    public Guid ProductId { get; set; }
    public string? RegulatoryId { get; set; }
    public DateOnly? PackagedOn { get; set; }
    public List<Guid> DigitalCoaIds { get; set; } = [];
    public DateTime UpdatedOn { get; set; }
}

/// <summary>A physical case of labelled units. <see cref="DispensaryId"/> is the dispensary that
/// holds any part of it: claimed by a conditional update so two dispensaries can never split a case.</summary>
public class Case
{
    public Guid Id { get; set; }
    public Guid BrandId { get; set; }
    public Guid? DispensaryId { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// A unit's stored state. A unit stored <see cref="Minted"/> follows its case part: it is in the
/// inventory of the dispensary that imported the part, under the part's package, exactly while the
/// part is imported (an <see cref="InventoryPackage"/> row), so on PostgreSQL an import writes one
/// package row, not a row per unit. A unit stored <see cref="InInventory"/> carries its dispensary and
/// package on its own row: SQLite's imports write them (ItemTransitions.ImportAsync says why), and so
/// do a void or return, and a re-import that brings back units a removal left behind.
/// </summary>
public static class ItemStates
{
    public const string Minted = "minted";
    public const string InInventory = "in_inventory";
    public const string Sold = "sold";
    public const string Removed = "removed";
}

public static class ItemEvents
{
    public const string Minted = "minted";
    public const string Imported = "imported";
    public const string Removed = "removed";
    /// <summary>In a trace only: a sale is kept on its <see cref="RetailTransaction"/> row, not as item events (migration 0013).</summary>
    public const string Sold = "sold";
    public const string Voided = "voided";
    public const string Returned = "returned";
}

/// <summary>One labelled unit (LucidID). Current-state columns are kept in the same transaction
/// as the append-only <see cref="ItemEvent"/> rows that explain them.</summary>
public class LucidItem
{
    public Guid Id { get; set; }
    public Guid CaseId { get; set; }
    public Guid PackagedProductId { get; set; }
    public Guid BrandId { get; set; }
    public string State { get; set; } = ItemStates.Minted;
    /// <summary>Dispensary whose inventory holds the unit, or that sold it last; null while the unit
    /// is stored minted (its part's package row names the dispensary, see <see cref="ItemStates"/>).</summary>
    public Guid? DispensaryId { get; set; }
    /// <summary>The package the unit is in, or was sold from; null while stored minted, like <see cref="DispensaryId"/>.</summary>
    public Guid? InventoryPackageId { get; set; }
    /// <summary>The completed transaction that sold it, while sold.</summary>
    public long? SaleTransactionId { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// An entry of the history of units, in <see cref="Id"/> order. Most entries are one unit's
/// (<see cref="ItemId"/>). An import is recorded once for all the units of the case part it moved:
/// <see cref="CaseId"/> and <see cref="PackagedProductId"/> name the part, <see cref="ItemIds"/> the
/// units (migration 0011; before it, an import wrote a row with two index entries per unit, most of
/// PostgreSQL's time per import: bench/RESULTS.md). Sales are not here: each is its transaction's row,
/// placed among these by <see cref="RetailTransaction.HistoryPosition"/>.
/// </summary>
public class ItemEvent
{
    public long Id { get; set; }
    public Guid? ItemId { get; set; }
    public Guid? CaseId { get; set; }
    public Guid? PackagedProductId { get; set; }
    public Guid[]? ItemIds { get; set; }
    public required string Event { get; set; }
    public DateTime At { get; set; }
    public Guid? DispensaryId { get; set; }
    public string? OrderId { get; set; }
    public string? PackageUid { get; set; }
}

public static class CatalogModel
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<Product>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(255);
            e.HasOne<Brand>().WithMany().HasForeignKey(x => x.BrandId);
            e.HasIndex(x => new { x.BrandId, x.UpdatedOn, x.Id });
        });
        b.Entity<DigitalCoa>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(255);
            e.HasOne<Brand>().WithMany().HasForeignKey(x => x.BrandId);
            e.HasIndex(x => new { x.BrandId, x.UpdatedOn, x.Id });
        });
        b.Entity<Batch>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(255);
            e.HasOne<Brand>().WithMany().HasForeignKey(x => x.BrandId);
            // Keyset-friendly: the list is ordered by updated_on desc, id.
            e.HasIndex(x => new { x.BrandId, x.UpdatedOn, x.Id });
            e.HasIndex(x => new { x.UpdatedOn, x.Id });
        });
        b.Entity<PackagedProduct>(e =>
        {
            e.HasOne<Batch>().WithMany().HasForeignKey(x => x.BatchId);
            e.HasOne<Product>().WithMany().HasForeignKey(x => x.ProductId);
            e.HasIndex(x => x.BrandId);
        });
        b.Entity<Case>(e =>
        {
            e.HasOne<Brand>().WithMany().HasForeignKey(x => x.BrandId);
            e.HasOne<Dispensary>().WithMany().HasForeignKey(x => x.DispensaryId);
        });
        b.Entity<LucidItem>(e =>
        {
            e.Property(x => x.State).HasMaxLength(16);
            e.HasOne<Case>().WithMany().HasForeignKey(x => x.CaseId);
            e.HasOne<PackagedProduct>().WithMany().HasForeignKey(x => x.PackagedProductId);
            e.HasIndex(x => new { x.CaseId, x.PackagedProductId });
            e.HasIndex(x => x.PackagedProductId);
            e.HasIndex(x => x.BrandId);
            // PostgreSQL: half of each page left free, so a sale, and a removal (which rewrites every unit
            // of a case part, i.e. every row on its pages, in one transaction), can put the new row versions
            // on the same page: HOT updates, with no index writes (migration 0010; bench/RESULTS.md, finding 15).
            e.HasStorageParameter("fillfactor", 50);
        });
        b.Entity<ItemEvent>(e =>
        {
            e.Property(x => x.Event).HasMaxLength(16);
            e.Property(x => x.OrderId).HasMaxLength(255);
            e.Property(x => x.PackageUid).HasMaxLength(255);
            e.HasIndex(x => new { x.ItemId, x.Id });
            // Partial: the entries of single units (sales, voids, returns, removals) add nothing to it.
            e.HasIndex(x => new { x.CaseId, x.PackagedProductId }).HasFilter("case_id IS NOT NULL");
        });
    }
}
