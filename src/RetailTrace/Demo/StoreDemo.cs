using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Store;

namespace RetailTrace.Demo;

/// <summary>
/// Demo stock for the store API (seeded once per database: two products, three batches, stock in the demo shop's two
/// rooms) and its curl examples. The transfer example moves 5 units of the first product out of whichever room holds
/// more of it that is not reserved, so accepted transfers go back and forth and the example never runs out of stock.
/// </summary>
public static class StoreDemo
{
    private const int TransferUnits = 5;

    public static async Task<IEnumerable<string>> StartAsync(AppDb db, TimeProvider time, DemoWorld world, DemoWorld.Credentials creds, string baseUrl)
    {
        var shop = world.Shop;
        var first = await db.ProductBatches.AsNoTracking().Where(b => b.ShopId == shop.Id).OrderBy(b => b.Created).ThenBy(b => b.Id)
            .Select(b => new { b.Id, b.ProductId }).FirstOrDefaultAsync();
        if (first is null)
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var day = (long)TimeSpan.FromDays(1).TotalMilliseconds;
            StoreProduct Product(string name, string sku) => new()
            {
                Id = ObjectId.NewId(time), CompanyId = shop.CompanyId, ShopId = shop.Id, Name = name, Sku = sku, Created = now, Modified = now,
            };
            ProductBatch Batch(StoreProduct p, string lot, long purchased, string status) => ProductBatch.From(new ProductBatchDocument
            {
                Id = ObjectId.NewId(time), CompanyId = shop.CompanyId, ShopId = shop.Id, ProductId = p.Id, Status = status,
                Created = now, Modified = now, PurchasedDate = purchased, Sku = p.Sku, ProductName = p.Name, LotId = lot,
                TrackPackageLabel = "PKG-" + lot, Thc = 21.4m, Cbd = 0.3m, TrackTraceSystem = "METRC",
            });
            BatchQuantity Stock(ProductBatch b, Inventory room, long thousandths) => new()
            {
                Id = ObjectId.NewId(time), CompanyId = shop.CompanyId, ShopId = shop.Id, ProductId = b.ProductId, InventoryId = room.Id,
                BatchId = b.Id, Quantity = thousandths, Created = now, Modified = now,
            };
            var gelato = Product("Gelato 3.5g", "GEL-35");
            var gummies = Product("Berry Gummies 10pk", "GUM-10");
            var g1 = Batch(gelato, "LOT-G1", now - 30 * day, "READY_FOR_SALE");
            var g2 = Batch(gelato, "LOT-G2", now - 5 * day, "READY_FOR_SALE");
            var b1 = Batch(gummies, "LOT-B1", now - 10 * day, "RECEIVED");
            var stock = new[] { Stock(g1, world.Front, 12_000), Stock(g1, world.Vault, 40_000), Stock(g2, world.Vault, 60_000), Stock(b1, world.Front, 25_000) };
            foreach (var b in new[] { g1, g2, b1 }) b.Quantity = stock.Where(q => q.BatchId == b.Id).Sum(q => q.Quantity);
            await db.WriteAsync(async () =>
            {
                db.AddRange(gelato, gummies);
                await ProductBatch.AddAsync(db, [g1, g2, b1], CancellationToken.None);
                db.AddRange(stock);
                return await db.SaveChangesAsync();
            }, CancellationToken.None);
            first = new { g1.Id, g1.ProductId };
        }

        var productId = first.ProductId;
        var available = await db.BatchQuantities.AsNoTracking()
            .Where(q => q.ShopId == shop.Id && q.ProductId == productId)
            .GroupBy(q => q.InventoryId).Select(g => new { Room = g.Key, Free = g.Sum(q => q.Quantity - q.Committed) })
            .ToDictionaryAsync(x => x.Room, x => x.Free);
        var (from, to) = available.GetValueOrDefault(world.Vault.Id) >= available.GetValueOrDefault(world.Front.Id)
            ? (world.Vault, world.Front) : (world.Front, world.Vault);

        var auth = $"-H 'partner_key: {creds.PartnerKey}' -H 'Authorization: {creds.DeveloperKey}'";
        var store = $"{baseUrl}/api/v1/partner/store/batches";
        return
        [
            $"# Store API ({shop.Name}): batches, quantities, a transfer from {from.Name} to {to.Name} applied by the worker",
            $"curl -s {auth} '{store}?limit=10'",
            $"curl -s {auth} '{store}/quantities?inventoryId={world.Vault.Id}'",
            $"TRANSFER=$(curl -s {auth} -H 'Content-Type: application/json' -X POST {store}/transferInventory -d '{{\"fromInventoryId\":\"{from.Id}\",\"toInventoryId\":\"{to.Id}\",\"currentEmployeeId\":\"{world.Employee.Id}\",\"transferLogs\":[{{\"productId\":\"{productId}\",\"transferAmount\":{TransferUnits}}}]}}' | sed 's/^{{\"id\":\"\\([0-9a-f]*\\)\".*/\\1/')",
            $"curl -s {auth} -H 'Content-Type: application/json' -X POST {store}/transferInventory/$TRANSFER/accept -d '{{\"currentEmployeeId\":\"{world.Employee.Id}\"}}'",
            $"curl -s {auth} {store}/transferInventory/$TRANSFER   # completeTransfer:true once the worker ran (a few seconds)",
        ];
    }
}
