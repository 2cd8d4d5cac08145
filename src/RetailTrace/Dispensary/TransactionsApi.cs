using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Webhooks;

namespace RetailTrace.Dispensaries;

public sealed record TransactionRequest(DateTime PerformedAt, string[]? Items, string OrderId, string? CustomerId, string? BudtenderId);

public sealed record VoidRequest(DateTime PerformedAt, string OrderId, string? CustomerId, string? BudtenderId);

public sealed record TransactionAccepted;

public sealed record TransactionMessage(string Message);

public sealed record NonImportedItems(string Message, List<string> NonImportedLucidids, bool ValidTransaction);

public sealed record InvalidLucidIds([property: JsonPropertyName("Invalid LucidIDs")] List<JsonNode?> Invalid);

public sealed record ItemClassification(List<string> Invalid, List<string> Unknown, List<string> Valid);

public sealed record ItemsError<T>(T Items);

/// <summary>
/// POST /api/v1.2/transactions/&lt;type&gt;/ for each declared <see cref="TransactionTypes"/> (complete, void,
/// return), checks in the SPEC's order. Each transaction is one write: it records the transaction as an
/// item event listing its units and moves them (a complete: <see cref="Sales"/>; a void or return: a
/// <see cref="Writes"/> that reads its sale's units first), or it writes nothing and the checks read why.
/// The event's unique (dispensary, order_id, type) key answers a replayed or concurrent duplicate.
/// </summary>
public static class TransactionsApi
{
    public const int MaxItems = 1000;
    public const string ItemsRequired = "items should be specified when transaction type is complete or return.";
    public const string AlreadyProcessed = "This transaction has already been processed.";
    public const string NonImported = "This transaction contains non-imported lucid ids.";

    public static IEndpointRouteBuilder MapTransactions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1.2/transactions").WithTags("Dispensary: Retail transactions")
            .RequireAuthorization(LucidAuthHandler.DispensaryPolicy);
        foreach (var type in TransactionTypes.All)
        {
            var endpoint = group.MapPost($"/{type.Name}/", (HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct) =>
                    RecordAsync(type, request, caller, db, time, ct))
                .WithName("Transactions" + char.ToUpperInvariant(type.Name[0]) + type.Name[1..])
                .WithSummary(type.Summary)
                .Produces<TransactionAccepted>();
            if (type.ListsItems)
                endpoint.AcceptsJson<TransactionRequest>()
                    .WithExamples("""{"performed_at":"2024-05-01T10:00:00Z","items":["5yNqR8tVw3mKc7pZb2xHdA","9kLm2nPq4rSt6vWx8yZa3B"],"order_id":"ORDER-1001","customer_id":"CUSTOMER-17","budtender_id":"BUDTENDER-3"}""")
                    .Produces<ItemsError<ItemClassification>>(StatusCodes.Status400BadRequest)
                    .Produces<ItemsError<InvalidLucidIds>>(StatusCodes.Status400BadRequest);
            else endpoint.AcceptsJson<VoidRequest>()
                .WithExamples("""{"performed_at":"2024-05-01T10:05:00Z","order_id":"ORDER-1001","customer_id":"CUSTOMER-17","budtender_id":"BUDTENDER-3"}""");
            if (type.Effect == TransactionEffect.SellListed) endpoint.Produces<NonImportedItems>(StatusCodes.Status400BadRequest);
            endpoint.Produces<TransactionMessage>(StatusCodes.Status400BadRequest);
            if (type.ListsItems) endpoint.Produces<string[]>(StatusCodes.Status400BadRequest);
            endpoint.Produces<DrfDetail>(StatusCodes.Status401Unauthorized)
                .Produces<DrfDetail>(StatusCodes.Status403Forbidden);
        }
        return app;
    }

    /// <summary>A LucidID of the request: its id and its text as sent (error lists echo the text).</summary>
    private readonly record struct RequestedItem(Guid Id, string Text);

    private static async Task<IResult> RecordAsync(TransactionType type, HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var (body, error) = await Drf.ReadObjectAsync(request);
        if (error is not null) return error;
        if (type.ListsItems && body!["items"] is null or JsonArray { Count: 0 })
            return Drf.Ok(new[] { ItemsRequired }, StatusCodes.Status400BadRequest);

        var form = new DrfForm(body!);
        var performedAt = form.DateTime("performed_at");
        var itemNodes = type.ListsItems ? ItemsField(form) : null;
        var orderId = form.String("order_id");
        var customerId = form.String("customer_id", required: false, allowBlank: true, allowNull: true);
        var budtenderId = form.String("budtender_id", required: false, allowBlank: true, allowNull: true);
        if (form.Errors is { } fieldErrors) return fieldErrors;

        List<RequestedItem> items = [];
        if (itemNodes is not null)
        {
            var malformed = itemNodes.Where(n => !IsLucidId(n)).Select(n => n?.DeepClone()).ToList();
            if (malformed.Count > 0) return Drf.Ok(new ItemsError<InvalidLucidIds>(new(malformed)), StatusCodes.Status400BadRequest);
            // Duplicates count once; lists keep the order of first mention.
            items = itemNodes.Select(n => n!.GetValue<string>()).Distinct()
                .Select(text => new RequestedItem(ShortUuid.Decode(text), text)).ToList();
        }

        var me = caller.Dispensary;
        // A new event per attempt: a write that runs again must not reuse a rolled-back attempt's row.
        ItemEvent Transaction() => new()
        {
            Type = type.Event, At = time.GetUtcNow().UtcDateTime, DispensaryId = me, OrderId = orderId,
            PerformedAt = performedAt, CustomerId = customerId, BudtenderId = budtenderId,
        };
        try
        {
            if (type.Effect == TransactionEffect.SellListed)
            {
                var sale = Transaction();
                if (!await Sales.SellAsync(db, sale, items.Select(i => i.Id).ToList(), ct)) return await RefusedSaleAsync(db, sale, items, ct);
                RetailTraceMetrics.ItemEvent(type.Event, items.Count);
                return Drf.Ok(new TransactionAccepted());
            }
            ItemEvent? recorded = null;
            var result = await db.WriteAsync(async () =>
            {
                var transaction = Transaction();
                var answer = await PutBackAsync(db, transaction, type.Effect == TransactionEffect.PutBackListed ? items : null, ct);
                recorded = transaction.Id != 0 ? transaction : null;
                return answer;
            }, ct);
            if (recorded is not null) RetailTraceMetrics.ItemEvent(type.Event, recorded.Units.Count);
            return result;
        }
        catch (Exception ex) when (Database.IsUniqueViolation(ex))
        {
            return Message(AlreadyProcessed);
        }
    }

    /// <summary>Checks 3 to 5 of SPEC §5 for a complete that could not sell every unit (it wrote nothing).</summary>
    private static async Task<IResult> RefusedSaleAsync(AppDb db, ItemEvent sale, List<RequestedItem> items, CancellationToken ct)
    {
        var me = sale.DispensaryId!.Value;
        if (await db.ItemEvents.AnyAsync(e => e.DispensaryId == me && e.OrderId == sale.OrderId && e.Type == sale.Type, ct))
            return Message(AlreadyProcessed);
        var ids = items.Select(i => i.Id).ToList();
        var sellable = await db.LucidItems.Where(i => ids.Contains(i.Id)).Where(LucidItem.InInventoryOf(me)).Select(i => i.Id).ToListAsync(ct);
        var known = await db.LucidItems.Where(i => ids.Contains(i.Id)).Select(i => new { i.Id, Sold = i.State == ItemStates.Sold }).ToDictionaryAsync(i => i.Id, i => i.Sold, ct);
        if (items.Any(i => !known.TryGetValue(i.Id, out var sold) || sold))
            return Classification(items, i => !known.TryGetValue(i.Id, out var sold) ? 1 : sold ? 0 : 2);
        var notImported = items.Where(i => !sellable.Contains(i.Id)).Select(i => i.Text).ToList();
        return Drf.Ok(new NonImportedItems(NonImported, notImported, false), StatusCodes.Status400BadRequest);
    }

    /// <summary>
    /// A void (<paramref name="items"/> null: every unit the sale still holds) or a return (the listed
    /// units, which must all be sold in that sale). SPEC order: a replay first, then the missing sale.
    /// </summary>
    private static async Task<IResult> PutBackAsync(AppDb db, ItemEvent transaction, List<RequestedItem>? items, CancellationToken ct)
    {
        var me = transaction.DispensaryId!.Value;
        var order = db.ItemEvents.Where(e => e.DispensaryId == me && e.OrderId == transaction.OrderId);
        if (await order.AnyAsync(e => e.Type == transaction.Type, ct)) return Message(AlreadyProcessed);
        var sale = await order.Where(e => e.Type == ItemEventTypes.Sold).Select(e => (long?)e.Id).FirstOrDefaultAsync(ct);
        if (sale is not { } saleId) return Message($"No completed transaction found for order_id={transaction.OrderId}.");

        var held = db.LucidItems.Where(LucidItem.SoldIn(saleId));
        List<Guid> ids;
        if (items is null)
            ids = await held.Where(i => db.ItemEventUnits.Any(u => u.EventId == saleId && u.ItemId == i.Id)).Select(i => i.Id).ToListAsync(ct);
        else
        {
            var requested = items.Select(i => i.Id).ToList();
            ids = await held.Where(i => requested.Contains(i.Id)).Select(i => i.Id).ToListAsync(ct);
            if (ids.Count < requested.Count)
            {
                var known = await db.LucidItems.Where(i => requested.Contains(i.Id)).Select(i => i.Id).ToListAsync(ct);
                return Classification(items, i => !known.Contains(i.Id) ? 1 : ids.Contains(i.Id) ? 2 : 0);
            }
        }
        await AddEventAsync(db, transaction, ids, ct);
        await held.Where(i => ids.Contains(i.Id)).ExecuteUpdateAsync(LucidItem.PutBack, ct);
        return Drf.Ok(new TransactionAccepted());
    }

    /// <summary>Records the transaction as an event listing <paramref name="units"/>; a replayed order fails here on its unique key.</summary>
    private static async Task AddEventAsync(AppDb db, ItemEvent transaction, List<Guid> units, CancellationToken ct)
    {
        transaction.Units = [.. units.Select(id => new ItemEventUnit { ItemId = id })];
        db.ItemEvents.Add(transaction);
        WebhookOutbox.Add(db, transaction);
        await db.SaveChangesAsync(ct);
    }

    /// <summary><c>{"items":{"invalid","unknown","valid"}}</c>; <paramref name="kind"/>: 0 invalid, 1 unknown, 2 valid.</summary>
    private static IResult Classification(List<RequestedItem> items, Func<RequestedItem, int> kind)
    {
        var lists = new[] { new List<string>(), new List<string>(), new List<string>() };
        foreach (var item in items) lists[kind(item)].Add(item.Text);
        return Drf.Ok(new ItemsError<ItemClassification>(new(lists[0], lists[1], lists[2])), StatusCodes.Status400BadRequest);
    }

    private static IResult Message(string message) => Drf.Ok(new TransactionMessage(message), StatusCodes.Status400BadRequest);

    /// <summary>The items list itself: a JSON array of at most <see cref="MaxItems"/> entries.</summary>
    private static JsonArray? ItemsField(DrfForm form)
    {
        var node = form.Body["items"];
        if (node is not JsonArray array)
        {
            form.AddError("items", Drf.NotAListMessage(node));
            return null;
        }
        if (array.Count > MaxItems)
        {
            form.AddError("items", $"Ensure this field has no more than {MaxItems} elements.");
            return null;
        }
        return array;
    }

    private static bool IsLucidId(JsonNode? node) =>
        node?.GetValueKind() == JsonValueKind.String && ShortUuid.TryDecode(node.GetValue<string>(), out _);
}
