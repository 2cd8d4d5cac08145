using System.Globalization;
using System.Numerics;
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

    /// <summary>BLAZE paging: <c>start</c> (alias <c>skip</c>) from 0 to <see cref="int.MaxValue"/>, default 0; <c>limit</c>
    /// defaults to and is capped at 100 (≤ 0 means the default, any larger integer the cap). A refusal names the
    /// parameter the caller sent.</summary>
    public static IResult? TryPage(string? start, string? skip, string? limit, out int offset, out int size)
    {
        offset = 0;
        size = MaxLimit;
        var (name, startText) = string.IsNullOrEmpty(start) ? ("skip", skip) : ("start", start);
        if (!string.IsNullOrEmpty(startText))
        {
            if (!Integer(startText, out var value) || value < 0) return Blaze.BadRequest(name, $"{name} must be a non-negative integer.");
            if (value > int.MaxValue) return Blaze.BadRequest(name, $"{name} must be at most {int.MaxValue}.");
            offset = (int)value;
        }
        if (!string.IsNullOrEmpty(limit))
        {
            if (!Integer(limit, out var requested)) return Blaze.BadRequest("limit", "limit must be an integer.");
            size = requested <= 0 ? MaxLimit : (int)BigInteger.Min(requested, MaxLimit);
        }
        return null;
    }

    private static bool Integer(string text, out BigInteger value) =>
        BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
