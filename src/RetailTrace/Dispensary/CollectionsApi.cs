using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.BrandApi;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Dispensaries;

public sealed record CollectionCaseItem(string LucidId, string PackagedProductUuid, string BatchUuid, string State);

public sealed record CollectionCase(string CaseUuid, List<CollectionCaseItem> Items);

/// <summary>
/// <c>GET /api/v1/collections/case/&lt;case_uuid&gt;/</c>: LucidGreen's case lookup, which POS integrations (the
/// LucidRetail extension for Treez) call with the token from <c>/o/token/</c> to list a scanned case's LucidIDs
/// before importing it. A dispensary client may look up any minted case (a case is a physical label it scans);
/// a brand client only its brands' cases. Unknown (or, for a brand, foreign) cases answer DRF's 404.
/// </summary>
public static class CollectionsApi
{
    public static IEndpointRouteBuilder MapCollections(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/collections/case/{caseUuid}/", GetCaseAsync)
            .RequireAuthorization(LucidAuthHandler.AnyClientPolicy)
            .WithTags("LucidGreen clients")
            .WithName("CollectionsCase")
            .WithSummary("A minted case's LucidIDs with their packaged product, batch and state (dispensary: any case; brand: its own), in LucidID order")
            .Produces<CollectionCase>().ProducesDrf(401, 404);
        return app;
    }

    private static async Task<IResult> GetCaseAsync(string caseUuid, LucidCaller caller, AppDb db, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(caseUuid, out var id)) return Drf.NotFound();
        var brand = await db.Cases.AsNoTracking().Where(c => c.Id == id).Select(c => (Guid?)c.BrandId).FirstOrDefaultAsync(ct);
        if (brand is not { } owner || (caller.Kind == ClientKind.Brand && !caller.CanAccessBrand(owner))) return Drf.NotFound();
        var items = await db.LucidItems.AsNoTracking().Where(i => i.CaseId == id)
            .Join(db.PackagedProducts, i => i.PackagedProductId, pp => pp.Id, (i, pp) => new { i.Id, i.PackagedProductId, pp.BatchId, i.State })
            .ToListAsync(ct);
        return Drf.Ok(new CollectionCase(ShortUuid.Encode(id), items
            .Select(i => new CollectionCaseItem(ShortUuid.Encode(i.Id), ShortUuid.Encode(i.PackagedProductId), ShortUuid.Encode(i.BatchId), i.State))
            .OrderBy(i => i.LucidId, StringComparer.Ordinal).ToList()));
    }
}
