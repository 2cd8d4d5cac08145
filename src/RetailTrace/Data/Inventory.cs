using Microsoft.EntityFrameworkCore;

namespace RetailTrace.Data;

// A dispensary's POS-side records (Dispensary API v1.2 caseids/import).

/// <summary>POS Package UID: the dispensary's inventory package and its POS inventory record.</summary>
public class PosPackageUid
{
    public Guid Id { get; set; }
    public Guid DispensaryId { get; set; }
    public required string PackageUid { get; set; }
    public required string PosInventoryId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>Catalog Product: the POS catalog entry a packaged product is sold as.</summary>
public class CatalogProduct
{
    public Guid Id { get; set; }
    public Guid DispensaryId { get; set; }
    public required string PosProductId { get; set; }
    public string? Sku { get; set; }
    public Guid? PackagedProductId { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>Inventory Package: one case part (case × packaged product) imported under a POS Package UID.
/// The unique (case, packaged product) index makes a case part importable into one place only.</summary>
public class InventoryPackage
{
    public Guid Id { get; set; }
    public Guid DispensaryId { get; set; }
    public Guid PosPackageUidId { get; set; }
    public Guid CaseId { get; set; }
    public Guid PackagedProductId { get; set; }
    public Guid CatalogProductId { get; set; }
    public DateTime ImportedAt { get; set; }
}

public static class InventoryModel
{
    public static void Configure(ModelBuilder b, bool postgres)
    {
        b.Entity<PosPackageUid>(e =>
        {
            e.Property(x => x.PackageUid).HasMaxLength(255);
            // Package UIDs sort by code point (the export's order) on every provider, as SQLite's default does.
            if (postgres) e.Property(x => x.PackageUid).UseCollation("C");
            e.Property(x => x.PosInventoryId).HasMaxLength(255);
            e.HasOne<Dispensary>().WithMany().HasForeignKey(x => x.DispensaryId);
            e.HasIndex(x => new { x.DispensaryId, x.PackageUid }).IsUnique();
        });
        b.Entity<CatalogProduct>(e =>
        {
            e.Property(x => x.PosProductId).HasMaxLength(255);
            e.Property(x => x.Sku).HasMaxLength(255);
            e.HasOne<Dispensary>().WithMany().HasForeignKey(x => x.DispensaryId);
            e.HasIndex(x => new { x.DispensaryId, x.PosProductId }).IsUnique();
        });
        b.Entity<InventoryPackage>(e =>
        {
            // A package is where its units are (or were sold from): it leaves only through an import removal, which
            // records the units' removal; deleting anything it references is refused while it exists.
            e.HasOne<Dispensary>().WithMany().HasForeignKey(x => x.DispensaryId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<PosPackageUid>().WithMany().HasForeignKey(x => x.PosPackageUidId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Case>().WithMany().HasForeignKey(x => x.CaseId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<PackagedProduct>().WithMany().HasForeignKey(x => x.PackagedProductId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<CatalogProduct>().WithMany().HasForeignKey(x => x.CatalogProductId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(x => new { x.CaseId, x.PackagedProductId }).IsUnique();
            e.HasIndex(x => new { x.DispensaryId, x.PosPackageUidId });
            e.HasIndex(x => x.PosPackageUidId);
        });
    }
}
