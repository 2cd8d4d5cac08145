using Microsoft.EntityFrameworkCore;

namespace RetailTrace.Data;

// Tenants and credentials of every API family. Secrets are stored as SHA-256 hex (Common/Secrets).

public class Brand
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public DateTime CreatedAt { get; set; }
}

public class Dispensary
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public bool PackageUidExportEnabled { get; set; }
    /// <summary>Local wall-clock time "HH:MM" at which the daily export starts.</summary>
    public string ExportTime { get; set; } = "02:00";
    /// <summary>IANA zone that <see cref="ExportTime"/> and export dates are in.</summary>
    public string TimeZone { get; set; } = "UTC";
    public DateTime CreatedAt { get; set; }
}

public enum ClientKind { Dispensary = 1, Brand = 2 }

public class OAuthClient
{
    public Guid Id { get; set; }
    public required string ClientId { get; set; }
    public required string SecretHash { get; set; }
    public required string Name { get; set; }
    public ClientKind Kind { get; set; }
    public Guid? DispensaryId { get; set; }
    public Guid? DefaultBrandId { get; set; }
    public bool Revoked { get; set; }
    public DateTime CreatedAt { get; set; }
    public List<OAuthClientBrand> Brands { get; set; } = [];
}

public class OAuthClientBrand
{
    public Guid OAuthClientId { get; set; }
    public Guid BrandId { get; set; }
}

public class AccessToken
{
    public long Id { get; set; }
    public required string TokenHash { get; set; }
    public Guid OAuthClientId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public bool Revoked { get; set; }
}

public class Company
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public DateTime CreatedAt { get; set; }
}

public class Shop
{
    public required string Id { get; set; }
    public required string CompanyId { get; set; }
    public required string Name { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>The shop's product batches that are not deleted: the unfiltered batch list's total, kept in
    /// the transaction that adds a batch (<see cref="ProductBatch.AddAsync"/>), since counting them grows with the list.</summary>
    public long ProductBatchCount { get; set; }
}

public class Inventory
{
    public required string Id { get; set; }
    public required string CompanyId { get; set; }
    public required string ShopId { get; set; }
    public required string Name { get; set; }
    public DateTime CreatedAt { get; set; }
}

public class Employee
{
    public required string Id { get; set; }
    public required string CompanyId { get; set; }
    public required string FirstName { get; set; }
    public required string LastName { get; set; }
    public DateTime CreatedAt { get; set; }
}

public class Partner
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public required string KeyHash { get; set; }
    public bool Revoked { get; set; }
    public DateTime CreatedAt { get; set; }
}

public class DeveloperKey
{
    public required string Id { get; set; }
    public required string CompanyId { get; set; }
    public required string ShopId { get; set; }
    public required string KeyHash { get; set; }
    public bool Revoked { get; set; }
    public DateTime CreatedAt { get; set; }
}

public static class TenantModel
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<Brand>().Property(x => x.Name).HasMaxLength(255);
        b.Entity<Dispensary>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(255);
            e.Property(x => x.ExportTime).HasMaxLength(5);
            e.Property(x => x.TimeZone).HasMaxLength(64);
            e.HasIndex(x => x.PackageUidExportEnabled);
        });
        b.Entity<OAuthClient>(e =>
        {
            e.Property(x => x.ClientId).HasMaxLength(64);
            e.HasIndex(x => x.ClientId).IsUnique();
            e.Property(x => x.SecretHash).HasMaxLength(64);
            e.Property(x => x.Name).HasMaxLength(255);
            e.HasOne<Dispensary>().WithMany().HasForeignKey(x => x.DispensaryId);
            e.HasOne<Brand>().WithMany().HasForeignKey(x => x.DefaultBrandId);
            e.HasMany(x => x.Brands).WithOne().HasForeignKey(x => x.OAuthClientId);
        });
        b.Entity<OAuthClientBrand>(e =>
        {
            e.HasKey(x => new { x.OAuthClientId, x.BrandId });
            e.HasOne<Brand>().WithMany().HasForeignKey(x => x.BrandId);
        });
        b.Entity<AccessToken>(e =>
        {
            e.Property(x => x.TokenHash).HasMaxLength(64);
            e.HasIndex(x => x.TokenHash).IsUnique();
            e.HasIndex(x => x.ExpiresAt);
            e.HasOne<OAuthClient>().WithMany().HasForeignKey(x => x.OAuthClientId);
        });
        b.Entity<Company>(e => { e.Property(x => x.Id).HasMaxLength(24); e.Property(x => x.Name).HasMaxLength(255); });
        b.Entity<Shop>(e =>
        {
            e.Property(x => x.Id).HasMaxLength(24);
            e.Property(x => x.Name).HasMaxLength(255);
            e.Property(x => x.ProductBatchCount).HasDefaultValue(0L);
            e.HasOne<Company>().WithMany().HasForeignKey(x => x.CompanyId);
        });
        b.Entity<Inventory>(e =>
        {
            e.Property(x => x.Id).HasMaxLength(24);
            e.Property(x => x.Name).HasMaxLength(255);
            e.HasOne<Company>().WithMany().HasForeignKey(x => x.CompanyId);
            e.HasOne<Shop>().WithMany().HasForeignKey(x => x.ShopId);
        });
        b.Entity<Employee>(e =>
        {
            e.Property(x => x.Id).HasMaxLength(24);
            e.Property(x => x.FirstName).HasMaxLength(255);
            e.Property(x => x.LastName).HasMaxLength(255);
            e.HasOne<Company>().WithMany().HasForeignKey(x => x.CompanyId);
        });
        b.Entity<Partner>(e =>
        {
            e.Property(x => x.Id).HasMaxLength(24);
            e.Property(x => x.Name).HasMaxLength(255);
            e.Property(x => x.KeyHash).HasMaxLength(64);
            e.HasIndex(x => x.KeyHash).IsUnique();
        });
        b.Entity<DeveloperKey>(e =>
        {
            e.Property(x => x.Id).HasMaxLength(24);
            e.Property(x => x.KeyHash).HasMaxLength(64);
            e.HasIndex(x => x.KeyHash).IsUnique();
            e.HasOne<Company>().WithMany().HasForeignKey(x => x.CompanyId);
            e.HasOne<Shop>().WithMany().HasForeignKey(x => x.ShopId);
        });
    }
}
