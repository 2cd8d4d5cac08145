using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Webhooks;

namespace RetailTrace.Store;

public sealed record TransferLogRequest(string? ProductId, string? FromBatchId, decimal? TransferAmount);

/// <summary>Create/replace body: the seed's InventoryTransferHistory plus <c>transferLogs</c>. Server-owned fields sent by a client are ignored.</summary>
public sealed record TransferInventoryRequest(
    string? FromShopId, string? ToShopId, string? FromInventoryId, string? ToInventoryId, string? CurrentEmployeeId,
    bool? TransferByBatch, string? DriverId, string? TransactionId, string? OrderNo, string? ActiveTopUserId,
    List<TransferLogRequest>? TransferLogs);

public sealed record TransferStatusRequest(string? CurrentEmployeeId);

public sealed record TransferLogView(
    string Id, string ProductId, string? ToProductId, string FromBatchId, string? ToBatchId, decimal TransferAmount,
    decimal? OrigFromQty, decimal? FinalFromQty, decimal? OrigToQty, decimal? FinalInventory, bool Failed);

/// <summary>InventoryTransferHistory on the wire (seed 004 order) plus its <c>transferLogs</c>.</summary>
public sealed record TransferView(
    string Id, string CompanyId, string ShopId, long Created, long Modified, bool Deleted, bool Updated, string Status,
    string CreateByEmployeeId, string? AcceptByEmployeeId, string? DeclineByEmployeeId, string FromShopId, string ToShopId,
    string FromInventoryId, string ToInventoryId, string? PrevFromInventoryId, long? DeclinedDate, long? AcceptedDate,
    string TransferNo, bool CompleteTransfer, bool TransferByBatch, long? ProcessedTime, bool Processing, string? DriverId,
    string? TransactionId, string? OrderNo, string? ActiveTopUserId, List<TransferLogView> TransferLogs)
{
    public static TransferView From(InventoryTransfer t) => new(
        t.Id, t.CompanyId, t.ShopId, t.Created, t.Modified, false, false, t.Status, t.CreateByEmployeeId, t.AcceptByEmployeeId,
        t.DeclineByEmployeeId, t.FromShopId, t.ToShopId, t.FromInventoryId, t.ToInventoryId, t.PrevFromInventoryId, t.DeclinedDate,
        t.AcceptedDate, t.TransferNo.ToString(System.Globalization.CultureInfo.InvariantCulture), t.CompleteTransfer, t.TransferByBatch,
        t.ProcessedTime, t.Processing, t.DriverId, t.TransactionId, t.OrderNo, t.ActiveTopUserId,
        t.Logs.OrderBy(l => l.Position).Select(l => new TransferLogView(l.Id, l.ProductId, l.ToProductId, l.FromBatchId, l.ToBatchId,
            Qty.ToDecimal(l.TransferAmount), Dec(l.OrigFromQty), Dec(l.FinalFromQty), Dec(l.OrigToQty), Dec(l.FinalInventory), l.Failed)).ToList());

    private static decimal? Dec(long? v) => v is { } x ? Qty.ToDecimal(x) : null;
}

/// <summary>
/// Inventory transfers between rooms of a shop or shops of a company. Creating or replacing a
/// transfer reserves its amounts (committed quantity); decline releases them; accept hands the
/// transfer to <see cref="TransferWorker"/>, which moves the stock.
/// </summary>
public static class TransfersApi
{
    public const int MaxLogs = 100;

    public static RouteGroupBuilder MapTransfers(this RouteGroupBuilder batches)
    {
        var transfers = batches.MapGroup("/transferInventory");
        transfers.MapPost("/", Create).WithName("StoreCreateTransfer")
            .WithSummary("Create a PENDING inventory transfer and reserve its amounts (FIFO by purchasedDate when a log has no fromBatchId)")
            .AcceptsJson<TransferInventoryRequest>().Produces<TransferView>().Produces<BlazeError>(400)
            .WithExamples("""
                {"fromInventoryId":"6b1057f38231718c518a25fd","toInventoryId":"6b1057f34fa9c9f2d18b407e","currentEmployeeId":"6b1057f3a496ffe4e31f1f8b",
                 "orderNo":"PO-1001","transferLogs":[{"productId":"6b1057f4edccb506409b56e9","fromBatchId":"6b1057f4edccb506409b56f0","transferAmount":5}]}
                """);
        transfers.MapPut("/{historyId}", Replace).WithName("StoreUpdateTransfer")
            .WithSummary("Replace a PENDING transfer (its reservations are swapped atomically)")
            .AcceptsJson<TransferInventoryRequest>().Produces<TransferView>().Produces<BlazeError>(400).Produces<BlazeError>(404);
        transfers.MapPost("/{historyId}/accept", Accept).WithName("StoreAcceptTransfer")
            .WithSummary("Accept a PENDING transfer; a background job then moves the stock (poll GET /transferInventory/{historyId})")
            .AcceptsJson<TransferStatusRequest>().Produces<TransferView>().Produces<BlazeError>(400).Produces<BlazeError>(404)
            .WithExamples("""{"currentEmployeeId":"6b1057f3a496ffe4e31f1f8b"}""");
        transfers.MapPost("/{historyId}/decline", Decline).WithName("StoreDeclineTransfer")
            .WithSummary("Decline a PENDING transfer; its reservations are released and nothing moves")
            .AcceptsJson<TransferStatusRequest>().Produces<TransferView>().Produces<BlazeError>(400).Produces<BlazeError>(404);
        transfers.MapGet("/{historyId}", Get).WithName("StoreGetTransfer").WithTags("Extensions")
            .WithSummary("Extension: read a transfer (e.g. to poll until completeTransfer)")
            .Produces<TransferView>().Produces<BlazeError>(404);
        return transfers;
    }

    private static IResult NotFound() => Blaze.NotFound("historyId", "Inventory transfer not found.");

    /// <summary>A caller sees the transfers its shop sends or receives.</summary>
    private static IQueryable<InventoryTransfer> Visible(AppDb db, StoreCaller caller) =>
        db.InventoryTransfers.Where(t => t.CompanyId == caller.CompanyId && (t.FromShopId == caller.ShopId || t.ToShopId == caller.ShopId));

    private static async Task<IResult> Get(string historyId, StoreCaller caller, AppDb db) =>
        await LoadAsync(db, caller, historyId) is { } view ? Blaze.Ok(view) : NotFound();

    private static async Task<TransferView?> LoadAsync(AppDb db, StoreCaller caller, string id)
    {
        var t = await Visible(db, caller).AsNoTracking().Include(x => x.Logs).FirstOrDefaultAsync(x => x.Id == id);
        return t is null ? null : TransferView.From(t);
    }

    // ---- create / replace ----

    private sealed record PlannedLog(string ProductId, string? FromBatchId, long Amount);

    private sealed record Plan(Inventory From, Inventory To, string EmployeeId, TransferInventoryRequest Request, List<PlannedLog> Logs);

    private static async Task<IResult> Create(HttpRequest request, StoreCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var (plan, error) = await PlanAsync(request, caller, db);
        if (plan is null) return error!;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var transfer = new InventoryTransfer
        {
            Id = ObjectId.NewId(time), CompanyId = caller.CompanyId, ShopId = caller.ShopId, Created = now, Modified = now,
            CreateByEmployeeId = plan.EmployeeId, FromShopId = plan.From.ShopId, ToShopId = plan.To.ShopId,
            FromInventoryId = plan.From.Id, ToInventoryId = plan.To.Id, TransferByBatch = plan.Request.TransferByBatch ?? false,
            DriverId = plan.Request.DriverId, TransactionId = plan.Request.TransactionId, OrderNo = plan.Request.OrderNo,
            ActiveTopUserId = plan.Request.ActiveTopUserId,
        };
        return await db.WriteAsync<IResult>(async () =>
        {
            // The company's counter row is written first: it numbers the transfer and serializes
            // reservations of concurrent creates, so FIFO allocation reads committed stock.
            transfer.TransferNo = await LockCompanyAsync(db, caller.CompanyId, increment: true);
            var (logs, shortage) = await ReserveAsync(db, plan, transfer.Id, now, time);
            if (logs is null) throw new Writes.Refusal(shortage!);
            transfer.Logs = logs;
            db.InventoryTransfers.Add(transfer);
            await db.SaveChangesAsync(ct);
            await WebhookOutbox.AddTransferAsync(db, WebhookEventTypes.TransferCreated, transfer.Id, time, ct);
            return Blaze.Ok(TransferView.From(transfer));
        }, ct);
    }

    private static async Task<IResult> Replace(string historyId, HttpRequest request, StoreCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        if (!await Visible(db, caller).AnyAsync(t => t.Id == historyId && t.FromShopId == caller.ShopId, ct)) return NotFound();
        var (plan, error) = await PlanAsync(request, caller, db);
        if (plan is null) return error!;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return await db.WriteAsync<IResult>(async () =>
        {
            // The counter lock also serializes replacements of the company's transfers, so the old
            // source room read here is the one holding the old reservations.
            await LockCompanyAsync(db, caller.CompanyId, increment: false);
            var oldFrom = await db.InventoryTransfers.Where(t => t.Id == historyId).Select(t => t.FromInventoryId).SingleAsync();
            var newFrom = plan.From.Id;
            var updated = await db.InventoryTransfers
                .Where(t => t.Id == historyId && t.FromShopId == caller.ShopId && t.Status == TransferStatus.Pending)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(t => t.PrevFromInventoryId, t => oldFrom != newFrom ? oldFrom : t.PrevFromInventoryId)
                    .SetProperty(t => t.FromInventoryId, newFrom)
                    .SetProperty(t => t.ToInventoryId, plan.To.Id)
                    .SetProperty(t => t.ToShopId, plan.To.ShopId)
                    .SetProperty(t => t.TransferByBatch, plan.Request.TransferByBatch ?? false)
                    .SetProperty(t => t.DriverId, plan.Request.DriverId)
                    .SetProperty(t => t.TransactionId, plan.Request.TransactionId)
                    .SetProperty(t => t.OrderNo, plan.Request.OrderNo)
                    .SetProperty(t => t.ActiveTopUserId, plan.Request.ActiveTopUserId)
                    .SetProperty(t => t.Modified, now));
            if (updated == 0) return NotPending("updated");
            var old = await db.InventoryTransferLogs.AsNoTracking().Where(l => l.TransferId == historyId).ToListAsync();
            await ReleaseAsync(db, old, oldFrom, now);
            await db.InventoryTransferLogs.Where(l => l.TransferId == historyId).ExecuteDeleteAsync();
            var (logs, shortage) = await ReserveAsync(db, plan, historyId, now, time);
            if (logs is null) throw new Writes.Refusal(shortage!);
            db.InventoryTransferLogs.AddRange(logs);
            await db.SaveChangesAsync(ct);
            return Blaze.Ok((await LoadAsync(db, caller, historyId))!);
        }, ct);
    }

    private static IResult NotPending(string verb) => Blaze.BadRequest("status", $"Only a PENDING transfer can be {verb}.");

    /// <summary>Validates the body and resolves inventories, employee, products and batches (reads only).</summary>
    private static async Task<(Plan?, IResult?)> PlanAsync(HttpRequest httpRequest, StoreCaller caller, AppDb db)
    {
        var (body, error) = await Blaze.ReadObjectAsync(httpRequest, whenEmpty: new JsonObject());
        if (body is null) return (null, error);
        TransferInventoryRequest r;
        try { r = ParseTransfer(body); }
        catch (Blaze.FieldException e) { return (null, Blaze.BadRequest(e.Field, e.Message)); }

        if (string.IsNullOrWhiteSpace(r.FromInventoryId)) return (null, Blaze.BadRequest("fromInventoryId", "fromInventoryId is required."));
        if (string.IsNullOrWhiteSpace(r.ToInventoryId)) return (null, Blaze.BadRequest("toInventoryId", "toInventoryId is required."));
        if (string.IsNullOrWhiteSpace(r.CurrentEmployeeId)) return (null, Blaze.BadRequest("currentEmployeeId", "currentEmployeeId is required."));
        if (r.FromInventoryId == r.ToInventoryId) return (null, Blaze.BadRequest("toInventoryId", "fromInventoryId and toInventoryId must be different."));
        var from = await db.Inventories.AsNoTracking().FirstOrDefaultAsync(i => i.Id == r.FromInventoryId && i.ShopId == caller.ShopId);
        if (from is null) return (null, Blaze.BadRequest("fromInventoryId", "Inventory not found in this shop."));
        if (r.FromShopId is { } fs && fs != caller.ShopId) return (null, Blaze.BadRequest("fromShopId", "fromShopId must be the shop of the developer key."));
        var to = await db.Inventories.AsNoTracking().FirstOrDefaultAsync(i => i.Id == r.ToInventoryId && i.CompanyId == caller.CompanyId);
        if (to is null) return (null, Blaze.BadRequest("toInventoryId", "Inventory not found in this company."));
        if (r.ToShopId is { } ts && ts != to.ShopId) return (null, Blaze.BadRequest("toShopId", "toInventoryId is not an inventory of toShopId."));
        if (!await db.Employees.AnyAsync(e => e.Id == r.CurrentEmployeeId && e.CompanyId == caller.CompanyId))
            return (null, Blaze.BadRequest("currentEmployeeId", "Employee not found."));

        if (r.TransferLogs is not { Count: > 0 } requested) return (null, Blaze.BadRequest("transferLogs", "transferLogs must not be empty."));
        if (requested.Count > MaxLogs) return (null, Blaze.BadRequest("transferLogs", $"At most {MaxLogs} transfer logs per transfer."));
        var logs = new List<PlannedLog>();
        foreach (var log in requested)
        {
            if (string.IsNullOrWhiteSpace(log.ProductId)) return (null, Blaze.BadRequest("productId", "productId is required."));
            if (log.TransferAmount is not { } amount) return (null, Blaze.BadRequest("transferAmount", "transferAmount is required."));
            if (amount <= 0) return (null, Blaze.BadRequest("transferAmount", "Transfer amount must be greater than 0."));
            if (!Qty.TryFromDecimal(amount, out var thousandths))
                return (null, Blaze.BadRequest("transferAmount", "Transfer amount must have at most 3 decimals and be below 10^12."));
            logs.Add(new PlannedLog(log.ProductId, log.FromBatchId, thousandths));
        }
        var productIds = logs.Select(l => l.ProductId).Distinct().ToList();
        var known = await db.StoreProducts.Where(p => p.CompanyId == caller.CompanyId && productIds.Contains(p.Id)).Select(p => p.Id).ToListAsync();
        if (productIds.FirstOrDefault(p => !known.Contains(p)) is { } unknownProduct)
            return (null, Blaze.BadRequest("productId", $"Product {unknownProduct} not found."));
        var batchIds = logs.Where(l => l.FromBatchId != null).Select(l => l.FromBatchId!).Distinct().ToList();
        var batches = await db.ProductBatches.AsNoTracking().Where(b => batchIds.Contains(b.Id) && b.ShopId == caller.ShopId && !b.Deleted)
            .Select(b => new { b.Id, b.ProductId }).ToDictionaryAsync(b => b.Id, b => b.ProductId);
        if (logs.FirstOrDefault(l => l.FromBatchId != null && (!batches.TryGetValue(l.FromBatchId, out var p) || p != l.ProductId)) is { } badBatch)
            return (null, Blaze.BadRequest("fromBatchId", $"Batch {badBatch.FromBatchId} of product {badBatch.ProductId} not found in this shop."));
        return (new Plan(from, to, r.CurrentEmployeeId, r, logs), null);
    }

    /// <summary>
    /// Reserves every planned amount with a conditional update (never beyond sellable stock) and
    /// returns the resolved logs, one per source batch. On shortage the caller's transaction is
    /// left uncommitted, so nothing stays reserved.
    /// </summary>
    private static async Task<(List<InventoryTransferLog>?, IResult?)> ReserveAsync(AppDb db, Plan plan, string transferId, long now, TimeProvider time)
    {
        var fromInventory = plan.From.Id;
        var sameShop = plan.From.ShopId == plan.To.ShopId;
        var result = new List<InventoryTransferLog>();
        foreach (var log in plan.Logs)
        {
            var allocations = new List<(string BatchId, long Amount)>();
            if (log.FromBatchId is { } batchId) allocations.Add((batchId, log.Amount));
            else
            {
                // FIFO: oldest purchase first; batches without a purchase date last.
                var candidates = await (
                        from q in db.BatchQuantities.AsNoTracking()
                        join b in db.ProductBatches on q.BatchId equals b.Id
                        where q.InventoryId == fromInventory && q.ProductId == log.ProductId && !b.Deleted && q.Quantity > q.Committed
                        orderby b.PurchasedDate == null, b.PurchasedDate, b.Created, b.Id
                        select new { q.BatchId, Sellable = q.Quantity - q.Committed })
                    .ToListAsync();
                var need = log.Amount;
                foreach (var c in candidates)
                {
                    if (need == 0) break;
                    var take = Math.Min(need, c.Sellable);
                    allocations.Add((c.BatchId, take));
                    need -= take;
                }
                if (need > 0) return (null, Shortage(log.ProductId, null));
            }
            foreach (var (allocated, amount) in allocations)
            {
                var reserved = await db.BatchQuantities
                    .Where(q => q.BatchId == allocated && q.InventoryId == fromInventory && q.Quantity - q.Committed >= amount)
                    .ExecuteUpdateAsync(s => s.SetProperty(q => q.Committed, q => q.Committed + amount).SetProperty(q => q.Modified, now));
                if (reserved == 0) return (null, Shortage(log.ProductId, log.FromBatchId));
                result.Add(new InventoryTransferLog
                {
                    Id = ObjectId.NewId(time), TransferId = transferId, Position = result.Count, ProductId = log.ProductId,
                    ToProductId = log.ProductId, FromBatchId = allocated, ToBatchId = sameShop ? allocated : null, TransferAmount = amount,
                });
            }
        }
        return (result, null);
    }

    private static IResult Shortage(string productId, string? batchId) => Blaze.BadRequest("transferAmount", batchId is null
        ? $"Not enough sellable quantity of product {productId} in the source inventory."
        : $"Not enough sellable quantity of batch {batchId} in the source inventory.");

    /// <summary>Gives back what <paramref name="logs"/> reserved in <paramref name="fromInventory"/>.</summary>
    internal static async Task ReleaseAsync(AppDb db, IEnumerable<InventoryTransferLog> logs, string fromInventory, long now)
    {
        foreach (var g in logs.GroupBy(l => l.FromBatchId))
        {
            var amount = g.Sum(l => l.TransferAmount);
            var released = await db.BatchQuantities
                .Where(q => q.BatchId == g.Key && q.InventoryId == fromInventory && q.Committed >= amount)
                .ExecuteUpdateAsync(s => s.SetProperty(q => q.Committed, q => q.Committed - amount).SetProperty(q => q.Modified, now));
            if (released == 0) throw new InvalidOperationException($"Reservation of batch {g.Key} in {fromInventory} is missing.");
        }
    }

    /// <summary>Writes the company's transfer counter row (creating it once) and returns its value; the row lock lasts until commit.</summary>
    private static async Task<long> LockCompanyAsync(AppDb db, string companyId, bool increment)
    {
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO transfer_counters (company_id, last_no) VALUES ({companyId}, 0) ON CONFLICT (company_id) DO NOTHING");
        var step = increment ? 1 : 0;
        await db.TransferCounters.Where(c => c.CompanyId == companyId).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastNo, c => c.LastNo + step));
        return await db.TransferCounters.Where(c => c.CompanyId == companyId).Select(c => c.LastNo).SingleAsync();
    }

    // ---- accept / decline ----

    private static async Task<IResult> Accept(string historyId, HttpRequest request, StoreCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        if (!await Visible(db, caller).AnyAsync(t => t.Id == historyId, ct)) return NotFound();
        var (employee, error) = await EmployeeAsync(request, caller, db);
        if (employee is null) return error!;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return await db.WriteAsync<IResult>(async () =>
        {
            var accepted = await Visible(db, caller).Where(t => t.Id == historyId && t.Status == TransferStatus.Pending)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(t => t.Status, TransferStatus.Accepted).SetProperty(t => t.AcceptByEmployeeId, employee)
                    .SetProperty(t => t.AcceptedDate, now).SetProperty(t => t.Processing, true).SetProperty(t => t.Modified, now), ct);
            if (accepted == 0) return NotPending("accepted");
            await WebhookOutbox.AddTransferAsync(db, WebhookEventTypes.TransferAccepted, historyId, time, ct);
            return Blaze.Ok((await LoadAsync(db, caller, historyId))!);
        }, ct);
    }

    private static async Task<IResult> Decline(string historyId, HttpRequest request, StoreCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        if (!await Visible(db, caller).AnyAsync(t => t.Id == historyId, ct)) return NotFound();
        var (employee, error) = await EmployeeAsync(request, caller, db);
        if (employee is null) return error!;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return await db.WriteAsync<IResult>(async () =>
        {
            var declined = await Visible(db, caller).Where(t => t.Id == historyId && t.Status == TransferStatus.Pending)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(t => t.Status, TransferStatus.Declined).SetProperty(t => t.DeclineByEmployeeId, employee)
                    .SetProperty(t => t.DeclinedDate, now).SetProperty(t => t.Modified, now), ct);
            if (declined == 0) return NotPending("declined");
            var fromInventory = await db.InventoryTransfers.Where(t => t.Id == historyId).Select(t => t.FromInventoryId).SingleAsync(ct);
            var logs = await db.InventoryTransferLogs.AsNoTracking().Where(l => l.TransferId == historyId).ToListAsync(ct);
            await ReleaseAsync(db, logs, fromInventory, now);
            await WebhookOutbox.AddTransferAsync(db, WebhookEventTypes.TransferDeclined, historyId, time, ct);
            return Blaze.Ok((await LoadAsync(db, caller, historyId))!);
        }, ct);
    }

    private static async Task<(string?, IResult?)> EmployeeAsync(HttpRequest request, StoreCaller caller, AppDb db)
    {
        var (body, error) = await Blaze.ReadObjectAsync(request, whenEmpty: new JsonObject());
        if (body is null) return (null, error);
        string? id;
        try { id = Blaze.String(body, "currentEmployeeId"); }
        catch (Blaze.FieldException e) { return (null, Blaze.BadRequest(e.Field, e.Message)); }
        if (string.IsNullOrWhiteSpace(id)) return (null, Blaze.BadRequest("currentEmployeeId", "currentEmployeeId is required."));
        if (!await db.Employees.AnyAsync(e => e.Id == id && e.CompanyId == caller.CompanyId))
            return (null, Blaze.BadRequest("currentEmployeeId", "Employee not found."));
        return (id, null);
    }

    // ---- body reading with BLAZE field errors ----

    private static TransferInventoryRequest ParseTransfer(JsonObject o)
    {
        List<TransferLogRequest>? logs = null;
        if (o["transferLogs"] is { } node)
        {
            if (node is not JsonArray array) throw new Blaze.FieldException("transferLogs", "transferLogs must be an array.");
            logs = array.Select(item => item is JsonObject log
                ? new TransferLogRequest(Blaze.String(log, "productId"), Blaze.String(log, "fromBatchId"), Number(log, "transferAmount"))
                : throw new Blaze.FieldException("transferLogs", "Each transfer log must be an object.")).ToList();
        }
        return new TransferInventoryRequest(Blaze.String(o, "fromShopId"), Blaze.String(o, "toShopId"), Blaze.String(o, "fromInventoryId"), Blaze.String(o, "toInventoryId"),
            Blaze.String(o, "currentEmployeeId"), Blaze.Boolean(o, "transferByBatch"), Blaze.String(o, "driverId"), Blaze.String(o, "transactionId"), Blaze.String(o, "orderNo"),
            Blaze.String(o, "activeTopUserId"), logs);
    }

    private static decimal? Number(JsonObject o, string name) => o[name] switch
    {
        null => null,
        var v when v.GetValueKind() == JsonValueKind.Number && v.AsValue().TryGetValue<decimal>(out var d) => d,
        var v when v.GetValueKind() == JsonValueKind.Number => throw new Blaze.FieldException(name, $"{name} is out of range."),
        _ => throw new Blaze.FieldException(name, $"{name} must be a number."),
    };
}
