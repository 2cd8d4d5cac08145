using RetailTrace.Auth;
using RetailTrace.Common;

namespace RetailTrace.BrandApi;

/// <summary>Extension: GET /api/v1.5/lucidids/&lt;id&gt;/, a LucidID of one of the client's brands with its whole history.</summary>
public static class LucidIdsApi
{
    public static void MapLucidIds(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1.5/lucidids/{lucidId}/", TraceAsync)
            .RequireAuthorization(LucidAuthHandler.BrandPolicy)
            .WithTags("Extensions")
            .WithName("BrandLucidIdTrace")
            .WithSummary("Trace a LucidID of one of the client's brands")
            .Produces<TraceResponse>()
            .Produces<DrfDetail>(StatusCodes.Status404NotFound)
            .Produces<DrfDetail>(StatusCodes.Status401Unauthorized)
            .Produces<DrfDetail>(StatusCodes.Status403Forbidden);

    private static async Task<IResult> TraceAsync(string lucidId, LucidCaller caller, Data.AppDb db, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(lucidId, out var id)) return Drf.NotFound();
        var trace = await LucidIdTrace.LoadAsync(db, id, ct);
        return trace is not null && caller.CanAccessBrand(trace.Unit.BrandId) ? Drf.Ok(trace.Response(null)) : Drf.NotFound();
    }
}
