using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;

namespace RetailTrace.Data;

// A LucidID's life: minted in a case by a brand, imported into a dispensary's inventory under a POS
// Package UID, sold, voided or returned, removed. Its current state is its LucidItem row; its history
// is the ItemEvent rows that list it (ItemEventUnit), written in the same transaction as the state.

/// <summary>A physical case of labelled units. <see cref="DispensaryId"/> is the dispensary that
/// holds any part of it: claimed by a conditional update so two dispensaries can never split a case.</summary>
public class Case
{
    public Guid Id { get; set; }
    public Guid BrandId { get; set; }
    public Guid? DispensaryId { get; set; }
    public DateTime CreatedAt { get; set; }
}

public static class ItemStates
{
    public const string Minted = "minted";
    public const string InInventory = "in_inventory";
    public const string Sold = "sold";
    public const string Removed = "removed";
}

/// <summary>
/// One labelled unit (LucidID) and its current state. The rules of its state machine are the
/// expressions below; every path that moves, refuses or explains a unit uses them.
/// </summary>
public class LucidItem
{
    public Guid Id { get; set; }
    public Guid CaseId { get; set; }
    public Guid PackagedProductId { get; set; }
    public Guid BrandId { get; set; }
    public string State { get; set; } = ItemStates.Minted;
    /// <summary>The dispensary whose inventory holds the unit, or that sold it.</summary>
    public Guid? DispensaryId { get; set; }
    /// <summary>The inventory package (case part under a POS Package UID) the unit is in or was sold
    /// from; null once its part was removed from inventory.</summary>
    public Guid? InventoryPackageId { get; set; }
    /// <summary>The sold event of the sale the unit is in, while sold.</summary>
    public long? SaleEventId { get; set; }

    /// <summary>In the inventory of <paramref name="dispensaryId"/>: it can be sold there.</summary>
    public static Expression<Func<LucidItem, bool>> InInventoryOf(Guid dispensaryId) =>
        i => i.State == ItemStates.InInventory && i.DispensaryId == dispensaryId;

    /// <summary>Sold in the sale <paramref name="saleEventId"/> and not put back: a void or return of that order can take it back.</summary>
    public static Expression<Func<LucidItem, bool>> SoldIn(long saleEventId) =>
        i => i.State == ItemStates.Sold && i.SaleEventId == saleEventId;

    /// <summary>One of the units of a case part (a case × packaged product).</summary>
    public static Expression<Func<LucidItem, bool>> OfPart(Guid caseId, Guid packagedProductId) =>
        i => i.CaseId == caseId && i.PackagedProductId == packagedProductId;

    /// <summary>An import places every unit of the part not sold: a sold unit stays with its customer.</summary>
    public static readonly Expression<Func<LucidItem, bool>> Importable = i => i.State != ItemStates.Sold;

    /// <summary>A removal takes the part's units out of inventory; units removed before stay as they are.</summary>
    public static readonly Expression<Func<LucidItem, bool>> Removable = i => i.State != ItemStates.Removed;

    /// <summary>Into <paramref name="packageId"/> of <paramref name="dispensaryId"/>'s inventory.</summary>
    public static Action<UpdateSettersBuilder<LucidItem>> PlaceIn(Guid dispensaryId, Guid packageId) => s => s
        .SetProperty(i => i.State, ItemStates.InInventory)
        .SetProperty(i => i.DispensaryId, dispensaryId)
        .SetProperty(i => i.InventoryPackageId, packageId);

    /// <summary>Out of inventory. A sold unit stays sold and leaves only its package, so a later void or
    /// return of its sale finds no package to go back to and the unit becomes removed then.</summary>
    public static readonly Action<UpdateSettersBuilder<LucidItem>> TakeOutOfInventory = s => s
        .SetProperty(i => i.State, i => i.State == ItemStates.Sold ? ItemStates.Sold : ItemStates.Removed)
        .SetProperty(i => i.DispensaryId, i => i.State == ItemStates.Sold ? i.DispensaryId : null)
        .SetProperty(i => i.InventoryPackageId, (Guid?)null);

    public static Action<UpdateSettersBuilder<LucidItem>> Sell(long saleEventId) => s => s
        .SetProperty(i => i.State, ItemStates.Sold)
        .SetProperty(i => i.SaleEventId, saleEventId);

    /// <summary>Back into the package it was sold from, or removed when that part left inventory meanwhile.</summary>
    public static readonly Action<UpdateSettersBuilder<LucidItem>> PutBack = s => s
        .SetProperty(i => i.State, i => i.InventoryPackageId == null ? ItemStates.Removed : ItemStates.InInventory)
        .SetProperty(i => i.DispensaryId, i => i.InventoryPackageId == null ? null : i.DispensaryId)
        .SetProperty(i => i.SaleEventId, (long?)null);
}

public static class ItemEventTypes
{
    public const string Minted = "minted";
    public const string Imported = "imported";
    public const string Removed = "removed";
    public const string Sold = "sold";
    public const string Voided = "voided";
    public const string Returned = "returned";
}

/// <summary>
/// One change of one or more LucidIDs, never updated once written: a case minted, a case part
/// imported into (or moved within) a dispensary's inventory or removed from it, or a POS transaction
/// (a sale, a void or a return, whose row is also the record of that transaction). Its
/// <see cref="Units"/> are the LucidIDs it changed; a unit's history is the events that list it, in
/// <see cref="Id"/> order. Write transactions are serializable per unit (see <see cref="Writes"/>), so
/// of two events that change one unit the later one always has the larger id.
/// </summary>
public class ItemEvent
{
    public long Id { get; set; }
    public required string Type { get; set; }
    /// <summary>When it was recorded (server clock).</summary>
    public DateTime At { get; set; }
    public Guid? DispensaryId { get; set; }
    /// <summary>Imported and removed: the POS Package UID.</summary>
    public string? PackageUid { get; set; }
    /// <summary>POS transactions: the order as the POS names it; unique per dispensary and type, which
    /// answers a replayed or concurrent duplicate transaction.</summary>
    public string? OrderId { get; set; }
    /// <summary>POS transactions: when the POS says it happened (client clock).</summary>
    public DateTime? PerformedAt { get; set; }
    public string? CustomerId { get; set; }
    public string? BudtenderId { get; set; }
    public List<ItemEventUnit> Units { get; set; } = [];

    public static ItemEvent For(string type, DateTime at, IEnumerable<Guid> units) =>
        new() { Type = type, At = at, Units = [.. units.Select(id => new ItemEventUnit { ItemId = id })] };
}

/// <summary>A LucidID an <see cref="ItemEvent"/> changed.</summary>
public class ItemEventUnit
{
    public long EventId { get; set; }
    public Guid ItemId { get; set; }
}

public static class LucidIdModel
{
    public static void Configure(ModelBuilder b, bool postgres)
    {
        b.Entity<Case>(e =>
        {
            // A case names its LucidIDs' brand; deleting the brand is refused while it has cases.
            e.HasOne<Brand>().WithMany().HasForeignKey(x => x.BrandId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Dispensary>().WithMany().HasForeignKey(x => x.DispensaryId);
        });
        b.Entity<LucidItem>(e =>
        {
            e.Property(x => x.State).HasMaxLength(16);
            // Units and their history are never deleted with what they reference.
            e.HasOne<Case>().WithMany().HasForeignKey(x => x.CaseId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<PackagedProduct>().WithMany().HasForeignKey(x => x.PackagedProductId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(x => new { x.CaseId, x.PackagedProductId });
            e.HasIndex(x => x.PackagedProductId);
            e.HasIndex(x => x.BrandId);
            // No index covers the columns a sale, void, return or import changes (state, dispensary,
            // package, sale), and half of each page is left free: PostgreSQL then writes a unit's new
            // version on its own page without touching any index (a HOT update).
            if (postgres) e.HasStorageParameter("fillfactor", 50);
        });
        b.Entity<ItemEvent>(e =>
        {
            e.Property(x => x.Type).HasMaxLength(16);
            e.Property(x => x.OrderId).HasMaxLength(255);
            e.Property(x => x.PackageUid).HasMaxLength(255);
            e.Property(x => x.CustomerId).HasMaxLength(255);
            e.Property(x => x.BudtenderId).HasMaxLength(255);
            // The idempotency guard of POS transactions; other events have no order id, and NULLs never collide.
            // No foreign key to the dispensary: its check would share-lock the dispensary's one row in every
            // sale of that dispensary. The id is always the authenticated caller's, and no API deletes a dispensary.
            e.HasIndex(x => new { x.DispensaryId, x.OrderId, x.Type }).IsUnique();
            e.HasMany(x => x.Units).WithOne().HasForeignKey(x => x.EventId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<ItemEventUnit>(e =>
        {
            // A unit's history in order: its events by id, read from this key alone.
            e.HasKey(x => new { x.ItemId, x.EventId });
            e.HasIndex(x => x.EventId);
            e.HasOne<LucidItem>().WithMany().HasForeignKey(x => x.ItemId).OnDelete(DeleteBehavior.Restrict);
        });
    }
}
