using RetailTrace.Auth;
using RetailTrace.Common;

namespace RetailTrace.Store;

/// <summary>SearchResult: BLAZE's page envelope.</summary>
public sealed record SearchResult<T>(IReadOnlyList<T> Values, int Skip, int Limit, long Total);

/// <summary>The BLAZE partner store API (<c>/api/v1/partner/store/batches</c>), its admin provisioning and its transfer worker.</summary>
public static class StoreApi
{
    public const int MaxLimit = 100;

    public static IEndpointRouteBuilder MapStore(this IEndpointRouteBuilder app)
    {
        var batches = app.MapGroup("/api/v1/partner/store/batches")
            .RequireAuthorization(BlazeAuthHandler.Policy)
            .WithTags("Store API")
            .WithMetadata(new Microsoft.AspNetCore.Http.ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(BlazeError), ["application/json"]));
        batches.MapProductBatches();
        batches.MapBatchQuantities();
        batches.MapTransfers();
        app.MapStoreAdmin();
        return app;
    }

    public static IServiceCollection AddStoreTransferWorker(this IServiceCollection services)
    {
        services.AddSingleton<TransferWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<TransferWorker>());
        return services;
    }

    /// <summary>BLAZE paging: <c>start</c> (alias <c>skip</c>) ≥ 0, default 0; <c>limit</c> defaults to and is capped at 100 (≤ 0 means the default).</summary>
    public static IResult? TryPage(string? start, string? skip, string? limit, out int offset, out int size)
    {
        offset = 0;
        size = MaxLimit;
        var startText = string.IsNullOrEmpty(start) ? skip : start;
        if (!string.IsNullOrEmpty(startText) && (!int.TryParse(startText, out offset) || offset < 0))
            return Blaze.BadRequest("start", "start must be a non-negative integer.");
        if (!string.IsNullOrEmpty(limit))
        {
            if (!int.TryParse(limit, out var requested)) return Blaze.BadRequest("limit", "limit must be an integer.");
            size = requested <= 0 ? MaxLimit : Math.Min(requested, MaxLimit);
        }
        return null;
    }
}
