using Microsoft.EntityFrameworkCore;
using RetailTrace.BrandApi;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Demo;

/// <summary>The demo brand's catalog (seeded once per database: a product, a digital COA, a batch with one packaged
/// product) and a case of 10 LucidIDs minted on every start for that start's examples; Brand API curl examples.</summary>
public static class BrandDemo
{
    private const string ProductName = "Demo Gummies";

    public sealed record Start(CasesApi.CaseResponse Case, IReadOnlyList<string> Examples);

    public static async Task<Start> StartAsync(AppDb db, TimeProvider time, DemoWorld world, string baseUrl)
    {
        var now = BrandRules.Now(time);
        var packagedId = await db.PackagedProducts.AsNoTracking()
            .Where(pp => pp.BrandId == world.Brand.Id)
            .Join(db.Products.Where(p => p.Name == ProductName), pp => pp.ProductId, p => p.Id, (pp, _) => (Guid?)pp.Id)
            .FirstOrDefaultAsync() ?? await SeedCatalogAsync(db, world, now);
        var minted = await CasesApi.MintAsync(db, world.Brand.Id, [(packagedId, 10)], now, CancellationToken.None);
        var pp = ShortUuid.Encode(packagedId);
        return new Start(minted,
        [
            "# Brand API v1.5: batches, this start's case, mint another case",
            $"curl -s {baseUrl}/api/v1.5/batches/ -H \"Authorization: Bearer $BTOKEN\"",
            $"curl -s {baseUrl}/api/v1.5/cases/{ShortUuid.Encode(minted.CaseUuid)}/ -H \"Authorization: Bearer $BTOKEN\"",
            $"curl -s -X POST {baseUrl}/api/v1.5/cases/create/ -H \"Authorization: Bearer $BTOKEN\" -H 'Content-Type: application/json' -d '{{\"contents\":[{{\"packaged_product_uuid\":\"{pp}\",\"quantity\":10}}]}}'",
        ]);
    }

    private static async Task<Guid> SeedCatalogAsync(AppDb db, DemoWorld world, DateTime now)
    {
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
        await db.WriteAsync(() =>
        {
            db.AddRange(product, coa, batch, packaged);
            return db.SaveChangesAsync();
        }, CancellationToken.None);
        return packaged.Id;
    }
}
