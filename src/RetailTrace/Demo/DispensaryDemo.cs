using RetailTrace.BrandApi;
using RetailTrace.Common;

namespace RetailTrace.Demo;

/// <summary>
/// Dispensary API v1.2 curl examples on this start's fresh case: import it under a package UID of its own, sell one of
/// its LucidIDs under an order id of its own, trace that LucidID. Nothing in them exists before the start, so they
/// succeed on every start.
/// </summary>
public static class DispensaryDemo
{
    public sealed record Sale(string PackageUid, IReadOnlyList<string> Examples);

    public static Sale Examples(DemoWorld world, CasesApi.CaseResponse @case, string baseUrl, TimeProvider time)
    {
        var caseUuid = ShortUuid.Encode(@case.CaseUuid);
        var part = @case.Contents[0];
        var lucidId = part.LucidIds[0];
        var suffix = caseUuid[^8..];
        var packageUid = "DEMO-PKG-" + suffix;
        const string auth = "-H \"Authorization: Bearer $DTOKEN\" -H 'Content-Type: application/json'";
        return new Sale(packageUid,
        [
            $"# Dispensary API v1.2 ({world.Dispensary.Name}): import this start's case, sell one LucidID, trace it",
            $$"""curl -s -X POST {{baseUrl}}/api/v1.2/caseids/import/ {{auth}} -d '{"case_uuid":"{{caseUuid}}","packaged_product_uuid":"{{ShortUuid.Encode(part.PackagedProductUuid)}}","pos_product_id":"POS-1","pos_inventory_id":"INV-1","package_uid":"{{packageUid}}"}'""",
            $$"""curl -s -X POST {{baseUrl}}/api/v1.2/transactions/complete/ {{auth}} -d '{"performed_at":"{{Drf.FormatDateTime(time.GetUtcNow().UtcDateTime)}}","items":["{{lucidId}}"],"order_id":"DEMO-ORDER-{{suffix}}"}'""",
            $"curl -s {baseUrl}/api/v1.2/lucidids/{lucidId}/ -H \"Authorization: Bearer $DTOKEN\"",
        ]);
    }
}
