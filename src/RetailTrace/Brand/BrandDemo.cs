using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.BrandApi;

/// <summary>Demo catalog of the demo brand (seeded once per database): a product, a digital COA, a batch with
/// one packaged product and one minted case of 10 LucidIDs; contributes Brand API curl examples.</summary>
public static class BrandDemo
{
    private const string ProductName = "Demo Gummies";

    public static async Task<IEnumerable<string>> SeedAsync(AppDb db, TimeProvider time, Demo.World world, string baseUrl)
    {
        var packagedId = await db.PackagedProducts.AsNoTracking()
            .Where(pp => pp.BrandId == world.Brand.Id)
            .Join(db.Products.Where(p => p.Name == ProductName), pp => pp.ProductId, p => p.Id, (pp, _) => (Guid?)pp.Id)
            .FirstOrDefaultAsync();
        if (packagedId is null)
        {
            var now = BrandRules.Now(time);
            var product = new Product
            {
                Id = Guid.NewGuid(), BrandId = world.Brand.Id, Name = ProductName, Sku = "DG-10", ProductType = "Edible",
                PackageSize = """{"value":10,"unit":"count"}""", TotalThc = """{"value":100,"unit":"mg"}""",
                UsageRecommendation = "<p>Start low and go slow.</p>", UpdatedOn = now,
            };
            var coa = new DigitalCoa { Id = Guid.NewGuid(), BrandId = world.Brand.Id, Name = "Demo COA", LabName = "Demo Labs", UpdatedOn = now };
            var batch = new Batch
            {
                Id = Guid.NewGuid(), BrandId = world.Brand.Id, Name = "Demo Batch 1", RegulatoryId = "1A4000000000000000000001",
                ProducedOn = now, ExtractionMethod = "CO2", DigitalCoaIds = [coa.Id], UpdatedOn = now,
            };
            var packaged = new PackagedProduct { Id = Guid.NewGuid(), BatchId = batch.Id, BrandId = world.Brand.Id, ProductId = product.Id, DigitalCoaIds = [coa.Id], UpdatedOn = now };
            await db.WriteAsync(db =>
            {
                db.AddRange(product, coa, batch, packaged);
                return db.SaveChangesAsync();
            }, CancellationToken.None);
            await CasesApi.MintAsync(db, world.Brand.Id, [(packaged.Id, 10)], now, CancellationToken.None);
            packagedId = packaged.Id;
        }
        var caseId = await db.LucidItems.AsNoTracking().Where(i => i.PackagedProductId == packagedId).Select(i => i.CaseId).FirstAsync();
        var pp = ShortUuid.Encode(packagedId.Value);
        return
        [
            $"curl -s {baseUrl}/api/v1.5/batches/ -H \"Authorization: Bearer $BTOKEN\"",
            $"curl -s {baseUrl}/api/v1.5/cases/{ShortUuid.Encode(caseId)}/ -H \"Authorization: Bearer $BTOKEN\"",
            $"curl -s -X POST {baseUrl}/api/v1.5/cases/create/ -H \"Authorization: Bearer $BTOKEN\" -H 'Content-Type: application/json' -d '{{\"contents\":[{{\"packaged_product_uuid\":\"{pp}\",\"quantity\":10}}]}}'",
        ];
    }
}
