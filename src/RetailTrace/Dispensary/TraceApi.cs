using RetailTrace.Auth;
using RetailTrace.Common;

namespace RetailTrace.Dispensaries;

/// <summary>
/// GET /api/v1.2/lucidids/&lt;id&gt;/: a LucidID this dispensary holds or has sold, with its history
/// (its own events and the minting). Anything else, unknown and malformed ids answer 404.
/// </summary>
public static class TraceApi
{
    public static IEndpointRouteBuilder MapTrace(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1.2/lucidids/{lucidId}/", TraceAsync)
            .RequireAuthorization(LucidAuthHandler.DispensaryPolicy)
            .WithTags("Dispensary: Trace")
            .WithName("DispensaryLucidIdTrace")
            .WithSummary("Trace a LucidID this dispensary holds or has sold")
            .Produces<TraceResponse>()
            .Produces<DrfDetail>(StatusCodes.Status404NotFound)
            .Produces<DrfDetail>(StatusCodes.Status401Unauthorized)
            .Produces<DrfDetail>(StatusCodes.Status403Forbidden);
        return app;
    }

    private static async Task<IResult> TraceAsync(string lucidId, LucidCaller caller, Data.AppDb db, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(lucidId, out var id)) return Drf.NotFound();
        var trace = await LucidIdTrace.LoadAsync(db, id, ct);
        return trace is not null && trace.VisibleTo(caller.Dispensary) ? Drf.Ok(trace.Response(caller.Dispensary)) : Drf.NotFound();
    }
}
