using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Tests.Infrastructure;

/// <summary>A minted case as tests see it: ShortUUID texts of the case, its parts and their LucidIDs.</summary>
public sealed record MintedCase(string CaseUuid, string BrandUuid, IReadOnlyList<MintedPart> Parts)
{
    public IEnumerable<string> AllLucidIds => Parts.SelectMany(p => p.LucidIds);
}

public sealed record MintedPart(string PackagedProductUuid, string BatchUuid, IReadOnlyList<string> LucidIds);

/// <summary>
/// Arranges minted cases straight in the database (catalog rows, case, LucidIDs and their
/// "minted" events), for suites that consume cases rather than test minting itself.
/// </summary>
public static class Cases
{
    public static Task<MintedCase> MintCaseAsync(this AppFixture app, params int[] unitsPerPart) => app.MintCaseAsync(null, unitsPerPart);

    public static async Task<MintedCase> MintCaseAsync(this AppFixture app, string? brandUuid, params int[] unitsPerPart)
    {
        if (unitsPerPart.Length == 0) unitsPerPart = [3];
        return await app.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            Guid brandId;
            if (brandUuid is null)
            {
                brandId = Guid.NewGuid();
                db.Brands.Add(new Brand { Id = brandId, Name = "Case Brand", CreatedAt = now });
            }
            else brandId = ShortUuid.Decode(brandUuid);

            var product = new Product { Id = Guid.NewGuid(), BrandId = brandId, Name = "Gummies", Sku = "GUM-1", UpdatedOn = now };
            var @case = new Case { Id = Guid.NewGuid(), BrandId = brandId, CreatedAt = now };
            db.AddRange(product, @case);
            var parts = new List<MintedPart>();
            foreach (var units in unitsPerPart)
            {
                var batch = new Batch { Id = Guid.NewGuid(), BrandId = brandId, Name = "Batch " + parts.Count, UpdatedOn = now };
                var pp = new PackagedProduct { Id = Guid.NewGuid(), BatchId = batch.Id, BrandId = brandId, ProductId = product.Id, UpdatedOn = now };
                db.AddRange(batch, pp);
                var items = Enumerable.Range(0, units).Select(_ => new LucidItem { Id = Guid.NewGuid(), CaseId = @case.Id, PackagedProductId = pp.Id, BrandId = brandId }).ToList();
                db.AddRange(items);
                db.Add(ItemEvent.For(ItemEventTypes.Minted, now, items.Select(i => i.Id)));
                var ids = items.Select(i => ShortUuid.Encode(i.Id)).ToList();
                parts.Add(new MintedPart(ShortUuid.Encode(pp.Id), ShortUuid.Encode(batch.Id), ids));
            }
            await db.SaveChangesAsync();
            return new MintedCase(ShortUuid.Encode(@case.Id), ShortUuid.Encode(brandId), parts);
        });
    }
}
