using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace RetailTrace.Data;

/// <summary>The one DbContext of the server. Each family configures its entities in its own file.</summary>
public class AppDb(DbContextOptions<AppDb> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<Brand> Brands => Set<Brand>();
    public DbSet<Dispensary> Dispensaries => Set<Dispensary>();
    public DbSet<OAuthClient> OAuthClients => Set<OAuthClient>();
    public DbSet<OAuthClientBrand> OAuthClientBrands => Set<OAuthClientBrand>();
    public DbSet<AccessToken> AccessTokens => Set<AccessToken>();
    public DbSet<Company> Companies => Set<Company>();
    public DbSet<Shop> Shops => Set<Shop>();
    public DbSet<Inventory> Inventories => Set<Inventory>();
    public DbSet<Employee> Employees => Set<Employee>();
    public DbSet<Partner> Partners => Set<Partner>();
    public DbSet<DeveloperKey> DeveloperKeys => Set<DeveloperKey>();

    public DbSet<Product> Products => Set<Product>();
    public DbSet<DigitalCoa> DigitalCoas => Set<DigitalCoa>();
    public DbSet<Batch> Batches => Set<Batch>();
    public DbSet<PackagedProduct> PackagedProducts => Set<PackagedProduct>();
    public DbSet<Case> Cases => Set<Case>();
    public DbSet<LucidItem> LucidItems => Set<LucidItem>();
    public DbSet<ItemEvent> ItemEvents => Set<ItemEvent>();
    public DbSet<ItemEventUnit> ItemEventUnits => Set<ItemEventUnit>();

    public DbSet<PosPackageUid> PosPackageUids => Set<PosPackageUid>();
    public DbSet<CatalogProduct> CatalogProducts => Set<CatalogProduct>();
    public DbSet<InventoryPackage> InventoryPackages => Set<InventoryPackage>();

    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<StoreProduct> StoreProducts => Set<StoreProduct>();
    public DbSet<ProductBatch> ProductBatches => Set<ProductBatch>();
    public DbSet<BatchQuantity> BatchQuantities => Set<BatchQuantity>();
    public DbSet<InventoryTransfer> InventoryTransfers => Set<InventoryTransfer>();
    public DbSet<InventoryTransferLog> InventoryTransferLogs => Set<InventoryTransferLog>();
    public DbSet<TransferCounter> TransferCounters => Set<TransferCounter>();
    public DbSet<ExportRun> ExportRuns => Set<ExportRun>();
    public DbSet<ConsoleSession> ConsoleSessions => Set<ConsoleSession>();
    public DbSet<ConsoleAuditEntry> ConsoleAuditLog => Set<ConsoleAuditEntry>();

    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();
    public DbSet<WebhookOutboxEvent> WebhookOutbox => Set<WebhookOutboxEvent>();
    public DbSet<WebhookMessage> WebhookMessages => Set<WebhookMessage>();
    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();
    /// <summary>The Data Protection key ring that encrypts webhook secrets, shared by every server process (see Webhooks).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    // ProviderName reads an assembly name by reflection on every call; a context never changes provider.
    private bool? _isSqlite;
    public bool IsSqlite => _isSqlite ??= Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite";

    protected override void ConfigureConventions(ModelConfigurationBuilder b)
    {
        // Id lists are small and always read with their row: JSON text on every provider.
        b.Properties<List<Guid>>().HaveConversion<GuidListConverter, GuidListComparer>();
    }

    protected override void OnModelCreating(ModelBuilder b)
    {
        TenantModel.Configure(b);
        CatalogModel.Configure(b);
        LucidIdModel.Configure(b, postgres: !IsSqlite);
        InventoryModel.Configure(b, postgres: !IsSqlite);
        IdempotencyModel.Configure(b);
        StoreModel.Configure(b);
        ExportsModel.Configure(b);
        WebhooksModel.Configure(b);
        ConsoleModel.Configure(b);
        ApplySnakeCaseNames(b);
        if (IsSqlite) UtcOnRead(b);
    }

    /// <summary>snake_case tables, columns, keys and indexes, so hand-written SQL reads naturally.</summary>
    private static void ApplySnakeCaseNames(ModelBuilder b)
    {
        foreach (var entity in b.Model.GetEntityTypes())
        {
            entity.SetTableName(SnakeCase(entity.GetTableName()!));
            foreach (var p in entity.GetProperties()) p.SetColumnName(SnakeCase(p.Name));
            foreach (var k in entity.GetKeys()) k.SetName(SnakeCase(k.GetName()!));
            foreach (var fk in entity.GetForeignKeys()) fk.SetConstraintName(SnakeCase(fk.GetConstraintName()!));
            foreach (var ix in entity.GetIndexes()) ix.SetDatabaseName(SnakeCase(ix.GetDatabaseName()!));
        }
    }

    // SQLite keeps no kind; every DateTime we store is UTC.
    private static void UtcOnRead(ModelBuilder b)
    {
        var converter = new ValueConverter<DateTime, DateTime>(v => v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
        var nullable = new ValueConverter<DateTime?, DateTime?>(v => v, v => v.HasValue ? DateTime.SpecifyKind(v.Value, DateTimeKind.Utc) : v);
        foreach (var p in b.Model.GetEntityTypes().SelectMany(e => e.GetProperties()))
        {
            if (p.ClrType == typeof(DateTime)) p.SetValueConverter(converter);
            else if (p.ClrType == typeof(DateTime?)) p.SetValueConverter(nullable);
        }
    }

    public static string SnakeCase(string name)
    {
        name = name.Replace("OAuth", "Oauth", StringComparison.Ordinal);
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var boundary = i > 0 && name[i - 1] != '_' &&
                    (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])));
                if (boundary) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private sealed class GuidListConverter() : ValueConverter<List<Guid>, string>(
        v => JsonSerializer.Serialize(v, (JsonSerializerOptions?)null),
        v => JsonSerializer.Deserialize<List<Guid>>(v, (JsonSerializerOptions?)null) ?? new List<Guid>());

    private sealed class GuidListComparer() : ValueComparer<List<Guid>>(
        (a, b) => a!.SequenceEqual(b!),
        v => v.Aggregate(0, (h, g) => HashCode.Combine(h, g)),
        v => v.ToList());
}
