using Microsoft.EntityFrameworkCore;

namespace RetailTrace.Data;

// A brand's catalog (Brand API v1.5): products, digital COAs, batches and packaged products.
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
    }
}
