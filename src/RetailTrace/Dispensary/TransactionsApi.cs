using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;

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
/// POST /api/v1.2/transactions/complete/, /void/, /return/ (seed 002, SPEC §5), checks in the
/// SPEC's order. The transaction row is inserted first: its unique (dispensary, order_id, type)
/// index answers replays, concurrent duplicates included. Units then move with one conditional
/// statement whose result is compared with the request (see <see cref="ItemTransitions"/>); a
/// complete or return of any size is a fixed handful of statements.
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

        group.MapPost("/complete/", (HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct) =>
                RecordAsync(TransactionTypes.Complete, request, caller, db, time, ct))
            .WithName("TransactionsComplete")
            .WithSummary("Record a completed sale: its LucidIDs leave inventory as sold")
            .AcceptsJson<TransactionRequest>()
            .Produces<TransactionAccepted>()
            .Produces<ItemsError<ItemClassification>>(StatusCodes.Status400BadRequest)
            .Produces<ItemsError<InvalidLucidIds>>(StatusCodes.Status400BadRequest)
            .Produces<NonImportedItems>(StatusCodes.Status400BadRequest)
            .Produces<TransactionMessage>(StatusCodes.Status400BadRequest)
            .Produces<string[]>(StatusCodes.Status400BadRequest)
            .Produces<DrfDetail>(StatusCodes.Status401Unauthorized)
            .Produces<DrfDetail>(StatusCodes.Status403Forbidden);

        group.MapPost("/void/", (HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct) =>
                RecordAsync(TransactionTypes.Void, request, caller, db, time, ct))
            .WithName("TransactionsVoid")
            .WithSummary("Void a completed sale: the units it still holds go back into inventory")
            .AcceptsJson<VoidRequest>()
            .Produces<TransactionAccepted>()
            .Produces<TransactionMessage>(StatusCodes.Status400BadRequest)
            .Produces<DrfDetail>(StatusCodes.Status401Unauthorized)
            .Produces<DrfDetail>(StatusCodes.Status403Forbidden);

        group.MapPost("/return/", (HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct) =>
                RecordAsync(TransactionTypes.Return, request, caller, db, time, ct))
            .WithName("TransactionsReturn")
            .WithSummary("Return units sold in an order: they go back into inventory")
            .AcceptsJson<TransactionRequest>()
            .Produces<TransactionAccepted>()
            .Produces<ItemsError<ItemClassification>>(StatusCodes.Status400BadRequest)
            .Produces<ItemsError<InvalidLucidIds>>(StatusCodes.Status400BadRequest)
            .Produces<TransactionMessage>(StatusCodes.Status400BadRequest)
            .Produces<string[]>(StatusCodes.Status400BadRequest)
            .Produces<DrfDetail>(StatusCodes.Status401Unauthorized)
            .Produces<DrfDetail>(StatusCodes.Status403Forbidden);
        return app;
    }

    /// <summary>A LucidID of the request: its id and its text as sent (error lists echo the text).</summary>
    private readonly record struct RequestedItem(Guid Id, string Text);

    private static async Task<IResult> RecordAsync(string type, HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var (body, error) = await Drf.ReadObjectAsync(request);
        if (error is not null) return error;
        var withItems = type != TransactionTypes.Void;
        if (withItems && body!["items"] is null or JsonArray { Count: 0 })
            return Drf.Ok(new[] { ItemsRequired }, StatusCodes.Status400BadRequest);

        var form = new DrfForm(body!);
        var performedAt = form.DateTime("performed_at");
        var itemNodes = withItems ? ItemsField(form) : null;
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
        RetailTransaction Transaction() => new()
        {
            DispensaryId = me, Type = type, OrderId = orderId!, PerformedAt = performedAt!.Value,
            CustomerId = customerId, BudtenderId = budtenderId, RecordedAt = time.GetUtcNow().UtcDateTime,
        };
        if (type == TransactionTypes.Complete && !db.IsSqlite) return await CompleteOnPostgresAsync(db, Transaction(), items, ct);
        return await db.InWriteTransactionAsync(async db =>
        {
            var transaction = Transaction();
            var now = transaction.RecordedAt;
            if (type == TransactionTypes.Complete) return await CompleteOnSqliteAsync(db, transaction, items, ct);
            try { transaction.Id = await InsertAsync(db, transaction, ct); }
            catch (Exception ex) when (Database.IsUniqueViolation(ex))
            {
                return Outcome.RolledBack(Message(AlreadyProcessed));
            }

            var sale = await db.RetailTransactions
                .Where(t => t.DispensaryId == me && t.OrderId == orderId && t.Type == TransactionTypes.Complete)
                .Select(t => new { t.Id, t.ItemIds }).FirstOrDefaultAsync(ct);
            if (sale is null) return Outcome.RolledBack(Message($"No completed transaction found for order_id={orderId}."));
            return await PutBackAsync(db, me, transaction, sale.Id, sale.ItemIds ?? [], type == TransactionTypes.Return ? items : null, now, ct);
        }, ct);
    }

    /// <summary>
    /// SQLite: the sale row and its units in the writer's unit of work. The conditional
    /// update is the check: when it moved every unit, every unit was known, unsold and in this
    /// dispensary's inventory, so the happy path reads nothing first. When it moved fewer, the checks
    /// name the refused units (the units this sale has just taken count as sellable) and the unit of
    /// work rolls back.
    /// </summary>
    private static async Task<Outcome> CompleteOnSqliteAsync(AppDb db, RetailTransaction sale, List<RequestedItem> items, CancellationToken ct)
    {
        sale.ItemIds = items.Select(i => i.Id).ToArray();
        long id;
        try { id = await InsertAsync(db, sale, ct); }
        catch (Exception ex) when (Database.IsUniqueViolation(ex))
        {
            return Outcome.RolledBack(Message(AlreadyProcessed));
        }
        var sold = await ItemTransitions.SellAsync(db, sale.DispensaryId, id, sale.ItemIds, sale.RecordedAt, ct);
        if (sold.Count < items.Count)
            return Outcome.RolledBack(await CheckSaleAsync(db, sale.DispensaryId, id, items, ct) ?? Classification(items, i => sold.Contains(i.Id) ? 2 : 0));
        return Outcome.Committed(Drf.Ok(new TransactionAccepted()));
    }

    /// <summary>
    /// PostgreSQL: the sale is one statement and its own transaction, so it costs one round trip (a
    /// sale was CPU-bound on both processes, and a round trip costs each a send and a wake-up:
    /// bench/RESULTS.md). It sells every unit or writes nothing: the units are locked first (FOR
    /// UPDATE re-reads a unit another sale changed meanwhile), and the sale row and the units are
    /// written only when all of them were sellable. Only the units are locked, not their
    /// part's package row: a removal of the part writes every unit of it, so it meets the sale on the
    /// units' locks. A refused sale wrote nothing; the checks then read why, a replayed order first.
    /// A deadlock (a removal of the same part locks its units in another order) re-runs the statement.
    /// <para>The statement runs with its generic plan (<see cref="GenericPlan.Wrap"/>): its plan does not
    /// depend on the values (a key insert, units by primary key), but PostgreSQL kept re-planning it per
    /// call, because the custom plan for five ids always beat the generic plan's estimate for an unknown
    /// array; planning was 16 % of its CPU per sale.</para>
    /// </summary>
    private static async Task<IResult> CompleteOnPostgresAsync(AppDb db, RetailTransaction sale, List<RequestedItem> items, CancellationToken ct)
    {
        var ids = items.Select(i => i.Id).ToArray();
        List<(long? Sale, Guid Sellable)> rows;
        try
        {
            rows = await db.AsOwnTransactionAsync(db => db.QueryAsync(CompleteOnPostgres,
                row => (Sale: row.IsDBNull(0) ? (long?)null : row.GetInt64(0), Sellable: row.GetGuid(1)), ct,
                sale.DispensaryId, sale.OrderId, sale.PerformedAt, sale.CustomerId, sale.BudtenderId, sale.RecordedAt, ids));
        }
        catch (Exception ex) when (Database.IsUniqueViolation(ex))
        {
            return Message(AlreadyProcessed);
        }
        if (rows is [{ Sale: not null }, ..]) return Drf.Ok(new TransactionAccepted());

        if (await db.RetailTransactions.AnyAsync(t => t.DispensaryId == sale.DispensaryId && t.OrderId == sale.OrderId && t.Type == TransactionTypes.Complete, ct))
            return Message(AlreadyProcessed);
        // Units that changed again since the statement are named by what the statement saw.
        return await CheckSaleAsync(db, sale.DispensaryId, saleId: null, items, ct)
            ?? Classification(items, i => rows.Any(r => r.Sellable == i.Id) ? 2 : 0);
    }

    private static readonly string CompleteOnPostgres = GenericPlan.Wrap(
        $"""
        WITH sellable AS (
            SELECT lucid_items.id, ip.id AS package FROM lucid_items JOIN inventory_packages AS ip ON {ItemTransitions.PartOfUnit}
            WHERE lucid_items.id = ANY(@p6) AND {ItemTransitions.InInventoryOf("@p0", sqlite: false)}
            FOR UPDATE OF lucid_items
        ), sale AS (
            INSERT INTO retail_transactions (dispensary_id, type, order_id, performed_at, customer_id, budtender_id, recorded_at, item_ids, history_position)
            SELECT @p0, '{TransactionTypes.Complete}', @p1, @p2, @p3, @p4, @p5, @p6, {HistoryPosition(sqlite: false)}
            WHERE (SELECT count(*) FROM sellable) = cardinality(@p6)
            RETURNING id
        ), sold AS (
            UPDATE lucid_items SET state = '{ItemStates.Sold}', sale_transaction_id = sale.id, dispensary_id = @p0, inventory_package_id = sellable.package, updated_at = @p5
            FROM sale, sellable WHERE lucid_items.id = sellable.id
        )
        SELECT (SELECT id FROM sale), id FROM sellable
        """);

    /// <summary>Checks 4 and 5 of SPEC §5 for a complete. Units this very sale holds (on SQLite it has taken them before the checks) count as sellable.</summary>
    private static async Task<IResult?> CheckSaleAsync(AppDb db, Guid me, long? saleId, List<RequestedItem> items, CancellationToken ct)
    {
        var ids = items.Select(i => i.Id).ToList();
        // In this dispensary's inventory: the rule of ItemTransitions.InInventoryOf.
        var known = await db.LucidItems.AsNoTracking().Where(i => ids.Contains(i.Id))
            .Select(i => new
            {
                i.Id, i.State, i.SaleTransactionId,
                Mine = (i.State == ItemStates.Minted || i.State == ItemStates.InInventory)
                    && db.InventoryPackages.Any(ip => ip.CaseId == i.CaseId && ip.PackagedProductId == i.PackagedProductId && ip.DispensaryId == me),
            })
            .ToDictionaryAsync(i => i.Id, ct);
        if (items.Any(i => !known.TryGetValue(i.Id, out var k) || (k.State == ItemStates.Sold && k.SaleTransactionId != saleId)))
            return Classification(items, i => !known.TryGetValue(i.Id, out var k) ? 1 : k.State == ItemStates.Sold && k.SaleTransactionId != saleId ? 0 : 2);
        var notImported = items.Where(i => known[i.Id] is var k && !(k.Mine || saleId is not null && k.SaleTransactionId == saleId))
            .Select(i => i.Text).ToList();
        return notImported.Count > 0 ? Drf.Ok(new NonImportedItems(NonImported, notImported, false), StatusCodes.Status400BadRequest) : null;
    }

    /// <summary>Void (<paramref name="items"/> null: every unit the sale still holds) or return (the listed units).</summary>
    private static async Task<Outcome> PutBackAsync(AppDb db, Guid me, RetailTransaction transaction, long saleId, Guid[] saleItems, List<RequestedItem>? items, DateTime now, CancellationToken ct)
    {
        if (items is not null && await CheckReturnAsync(db, saleId, items, ct) is { } invalid) return Outcome.RolledBack(invalid);
        var back = await ItemTransitions.PutBackAsync(db, saleId, items?.Select(i => i.Id).ToList() ?? (IReadOnlyCollection<Guid>)saleItems, now, ct);
        if (items is not null && back.Count != items.Count)
        {
            // A concurrent void or return of the same order took some units first.
            var again = await CheckReturnAsync(db, saleId, items, ct) ?? Classification(items, i => back.Contains(i.Id) ? 2 : 0);
            return Outcome.RolledBack(again);
        }
        // One event per unit put back, with the order id: the record of which sale the unit left (a
        // unit's earlier sales are found through these, TraceApi).
        var @event = transaction.Type == TransactionTypes.Void ? ItemEvents.Voided : ItemEvents.Returned;
        await ItemTransitions.AppendEventsAsync(db, back, @event, now, me, transaction.OrderId, packageUid: null, ct);
        return Outcome.Committed(Drf.Ok(new TransactionAccepted()));
    }

    /// <summary>Check 4 for a return: only units sold in that order (and not yet put back) are valid.</summary>
    private static async Task<IResult?> CheckReturnAsync(AppDb db, long saleId, List<RequestedItem> items, CancellationToken ct)
    {
        var ids = items.Select(i => i.Id).ToList();
        var known = await db.LucidItems.AsNoTracking().Where(i => ids.Contains(i.Id))
            .Select(i => new { i.Id, Returnable = i.State == ItemStates.Sold && i.SaleTransactionId == saleId })
            .ToDictionaryAsync(i => i.Id, i => i.Returnable, ct);
        if (items.All(i => known.GetValueOrDefault(i.Id))) return null;
        return Classification(items, i => !known.TryGetValue(i.Id, out var returnable) ? 1 : returnable ? 2 : 0);
    }

    /// <summary><c>{"items":{"invalid","unknown","valid"}}</c>; <paramref name="kind"/>: 0 invalid, 1 unknown, 2 valid.</summary>
    private static IResult Classification(List<RequestedItem> items, Func<RequestedItem, int> kind)
    {
        var lists = new[] { new List<string>(), new List<string>(), new List<string>() };
        foreach (var item in items) lists[kind(item)].Add(item.Text);
        return Drf.Ok(new ItemsError<ItemClassification>(new(lists[0], lists[1], lists[2])), StatusCodes.Status400BadRequest);
    }

    /// <summary>The transaction row by hand: through the change tracker it was a quarter of a sale's time in the writer.</summary>
    private static async Task<long> InsertAsync(AppDb db, RetailTransaction t, CancellationToken ct) =>
        (await db.QueryAsync(
            $"""
            INSERT INTO retail_transactions (dispensary_id, type, order_id, performed_at, customer_id, budtender_id, recorded_at, item_ids, history_position)
            VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, {(t.Type == TransactionTypes.Complete ? HistoryPosition(db.IsSqlite) : "NULL")})
            RETURNING id
            """,
            row => row.GetInt64(0), ct, t.DispensaryId, t.Type, t.OrderId, t.PerformedAt, t.CustomerId, t.BudtenderId, t.RecordedAt, t.ItemIds)).Single();

    /// <summary>
    /// SQL for a complete's <see cref="RetailTransaction.HistoryPosition"/>. PostgreSQL: a new value of
    /// item_events' id sequence, drawn once the sale holds its units' locks, so each earlier event of
    /// theirs has a smaller id and each later one a larger. SQLite, whose one writer runs one statement
    /// at a time: the last id issued to item_events.
    /// </summary>
    private static string HistoryPosition(bool sqlite) => sqlite
        ? "(SELECT seq FROM sqlite_sequence WHERE name = 'item_events')"
        : "nextval('item_events_id_seq')";

    private static IResult Message(string message) => Drf.Ok(new TransactionMessage(message), StatusCodes.Status400BadRequest);

    /// <summary>The items list itself: a JSON array of at most <see cref="MaxItems"/> entries.</summary>
    private static JsonArray? ItemsField(DrfForm form)
    {
        var node = form.Body["items"];
        if (node is not JsonArray array)
        {
            form.AddError("items", $"Expected a list of items but got type \"{Drf.PythonTypeName(node)}\".");
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
