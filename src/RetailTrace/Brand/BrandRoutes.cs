namespace RetailTrace.BrandApi;

/// <summary>Brand API v1.5 (LucidSource): every endpoint requires a brand client's bearer token.</summary>
public static class BrandRoutes
{
    public static void MapBrandApi(this IEndpointRouteBuilder app)
    {
        app.MapBatches();
        app.MapPackagedProducts();
        app.MapProducts();
        app.MapDigitalCoas();
        app.MapCases();
        app.MapLucidIds();
    }
}
