using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Webhooks;

namespace RetailTrace.Store;

/// <summary>
/// Applies accepted transfers: polls for <c>processing AND NOT complete_transfer</c> rows and moves
/// each transfer's stock in one transaction. The state lives in the database, so a transfer
/// accepted before a crash is applied after the next start. The first statement of each
/// transaction is the conditional completion update, which is the claim: with several server
/// processes on one database only one of them matches the row (PostgreSQL holds its row lock
/// until commit; SQLite serializes writers), so a transfer is never applied twice.
/// Configuration: <c>Store:TransferWorker:Enabled</c> (default true), <c>Store:TransferWorker:PollSeconds</c> (default 2).
/// </summary>
public sealed class TransferWorker(IServiceScopeFactory scopes, TimeProvider time, IConfiguration config, ILogger<TransferWorker> log, DatabaseOutage outage)
    : BackgroundService
{
    private const int BatchSize = 100;

    /// <summary>The hosted loop's last poll in this process (null before the first, or when the worker is off).</summary>
    public BackgroundPass? LastPass { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!config.GetValue("Store:TransferWorker:Enabled", true)) return;
        var interval = TimeSpan.FromSeconds(Math.Max(0.1, config.GetValue("Store:TransferWorker:PollSeconds", 2.0)));
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            try { LastPass = BackgroundPass.Succeeded(time, await ProcessPendingAsync(stoppingToken)); }
            catch (Exception ex) when (Database.IsUnavailable(ex)) { LastPass = BackgroundPass.Failure(time); outage.Report(ex); }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LastPass = BackgroundPass.Failure(time);
                log.LogError(ex, "Transfer processing failed; retrying on the next poll.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Applies every accepted, unprocessed transfer (oldest acceptance first); returns how many this call applied.</summary>
    public async Task<int> ProcessPendingAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        var applied = 0;
        while (true)
        {
            var ids = await db.InventoryTransfers.AsNoTracking().Where(t => t.Processing && !t.CompleteTransfer)
                .OrderBy(t => t.AcceptedDate).ThenBy(t => t.Id).Select(t => t.Id).Take(BatchSize).ToListAsync(ct);
            var round = 0;
            foreach (var id in ids)
            {
                try
                {
                    if (await ApplyAsync(db, id, ct) is not { } acceptedAt) continue;
                    round++;
                    RetailTraceMetrics.TransferApplied(time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(acceptedAt));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Rolled back; stays accepted and unprocessed, retried on the next poll without blocking the others.
                    log.LogError(ex, "Applying inventory transfer {TransferId} failed.", id);
                }
            }
            applied += round;
            if (ids.Count < BatchSize || round == 0) return applied;
        }
    }

    /// <summary>Applies one transfer as a unit of work; an exception rolls it back whole. Returns the transfer's
    /// acceptance time (epoch ms), or null when another worker applied it first.</summary>
    private Task<long?> ApplyAsync(AppDb db, string id, CancellationToken ct) => db.WriteAsync<long?>(async () =>
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var claimed = await db.InventoryTransfers
            .Where(t => t.Id == id && t.Status == TransferStatus.Accepted && t.Processing && !t.CompleteTransfer)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Processing, false).SetProperty(t => t.CompleteTransfer, true)
                .SetProperty(t => t.ProcessedTime, now).SetProperty(t => t.Modified, now), ct);
        if (claimed == 0) return null;

        var transfer = await db.InventoryTransfers.AsNoTracking().SingleAsync(t => t.Id == id, ct);
        var logs = await db.InventoryTransferLogs.Where(l => l.TransferId == id).OrderBy(l => l.Position).ToListAsync(ct);
        var touched = new HashSet<string>();
        foreach (var line in logs)
        {
            var amount = line.TransferAmount;
            var moved = await db.BatchQuantities
                .Where(q => q.BatchId == line.FromBatchId && q.InventoryId == transfer.FromInventoryId && q.Committed >= amount)
                .ExecuteUpdateAsync(s => s.SetProperty(q => q.Quantity, q => q.Quantity - amount)
                    .SetProperty(q => q.Committed, q => q.Committed - amount).SetProperty(q => q.Modified, now), ct);
            if (moved == 0) throw new InvalidOperationException($"Transfer {id}: reservation of batch {line.FromBatchId} is missing.");
            var finalFrom = await QuantityAsync(db, line.FromBatchId, transfer.FromInventoryId, ct);

            var toBatchId = transfer.FromShopId == transfer.ToShopId
                ? line.FromBatchId
                : await BatchCopyAsync(db, line.FromBatchId, transfer.ToShopId, now, ct);
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO batch_quantities (id, company_id, shop_id, product_id, inventory_id, batch_id, quantity, committed, created, modified)
                VALUES ({ObjectId.NewId(time)}, {transfer.CompanyId}, {transfer.ToShopId}, {line.ProductId}, {transfer.ToInventoryId}, {toBatchId}, {amount}, 0, {now}, {now})
                ON CONFLICT (batch_id, inventory_id) DO UPDATE SET quantity = batch_quantities.quantity + excluded.quantity, modified = excluded.modified
                """, ct);
            var finalTo = await QuantityAsync(db, toBatchId, transfer.ToInventoryId, ct);

            line.OrigFromQty = finalFrom + amount;
            line.FinalFromQty = finalFrom;
            line.OrigToQty = finalTo - amount;
            line.FinalInventory = finalTo;
            line.ToBatchId = toBatchId;
            line.ToProductId = line.ProductId;
            touched.Add(line.FromBatchId);
            touched.Add(toBatchId);
        }
        await db.SaveChangesAsync(ct);
        foreach (var batchId in touched)
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                UPDATE product_batches SET modified = {now},
                    quantity = (SELECT COALESCE(SUM(q.quantity), 0) FROM batch_quantities q WHERE q.batch_id = {batchId})
                WHERE id = {batchId}
                """, ct);
        await WebhookOutbox.AddTransferAsync(db, WebhookEventTypes.TransferCompleted, id, time, ct);
        return transfer.AcceptedDate ?? now;
    }, ct);

    private static Task<long> QuantityAsync(AppDb db, string batchId, string inventoryId, CancellationToken ct) =>
        db.BatchQuantities.Where(q => q.BatchId == batchId && q.InventoryId == inventoryId).Select(q => q.Quantity).SingleAsync(ct);

    /// <summary>
    /// The destination shop's own batch for a cross-shop transfer: the original batch when stock
    /// returns to its shop, else the one copy per (origin batch, shop), created on first use.
    /// </summary>
    private async Task<string> BatchCopyAsync(AppDb db, string sourceBatchId, string shopId, long now, CancellationToken ct)
    {
        var source = await db.ProductBatches.AsNoTracking().SingleAsync(b => b.Id == sourceBatchId, ct);
        var origin = source.SourceBatchId ?? source.Id;
        var existing = await db.ProductBatches.AsNoTracking()
            .Where(b => b.ShopId == shopId && (b.Id == origin || b.SourceBatchId == origin)).Select(b => b.Id).FirstOrDefaultAsync(ct);
        if (existing is not null) return existing;
        // The source's document with the copy's own identity, shop and time: every field is copied, and the copy's columns come from it.
        var copy = ProductBatch.From(source.Document with { Id = ObjectId.NewId(time), ShopId = shopId, Created = now, Modified = now }, sourceBatchId: origin);
        await ProductBatch.AddAsync(db, [copy], ct);
        return copy.Id;
    }
}
