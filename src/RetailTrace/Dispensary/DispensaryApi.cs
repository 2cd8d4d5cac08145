namespace RetailTrace.Dispensaries;

/// <summary>The Dispensary API v1.2 family (plus its v1.5 trace twin and LucidGreen's case lookup), mapped by Program in one line.</summary>
public static class DispensaryApi
{
    public static IEndpointRouteBuilder MapDispensaryApi(this IEndpointRouteBuilder app) => app
        .MapCaseImports()
        .MapTransactions()
        .MapTrace()
        .MapCollections();
}
