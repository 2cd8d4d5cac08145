namespace RetailTrace.Data;

/// <summary>What a POS transaction does to the LucidIDs it concerns.</summary>
public enum TransactionEffect
{
    /// <summary>Sells the listed units, which must be in the dispensary's inventory.</summary>
    SellListed,
    /// <summary>Puts back every unit the order's sale still holds.</summary>
    PutBackSale,
    /// <summary>Puts back the listed units, which must be sold in the order's sale.</summary>
    PutBackListed,
}

/// <summary>
/// A retail transaction type of the Dispensary API (POST /api/v1.2/transactions/&lt;name&gt;/): the item
/// event that records it and what it does to units. A type is declared here once; its route, its
/// checks and its place in every unit's history follow from the declaration.
/// </summary>
public sealed record TransactionType(string Name, string Event, TransactionEffect Effect, string Summary)
{
    /// <summary>Whether the request lists its LucidIDs in <c>items</c>.</summary>
    public bool ListsItems => Effect != TransactionEffect.PutBackSale;
}

public static class TransactionTypes
{
    public static readonly TransactionType Complete = new("complete", ItemEventTypes.Sold, TransactionEffect.SellListed,
        "Record a completed sale: its LucidIDs leave inventory as sold");
    public static readonly TransactionType Void = new("void", ItemEventTypes.Voided, TransactionEffect.PutBackSale,
        "Void a completed sale: the units it still holds go back into inventory");
    public static readonly TransactionType Return = new("return", ItemEventTypes.Returned, TransactionEffect.PutBackListed,
        "Return units sold in an order: they go back into inventory");

    public static readonly IReadOnlyList<TransactionType> All = [Complete, Void, Return];
}
