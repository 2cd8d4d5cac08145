using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Dispensaries;

/// <summary>
/// Demo curl examples for the Dispensary API: import a demo case part under a package UID, sell
/// one of its LucidIDs, trace it. The case itself is minted by the brand demo; it is looked up
/// here (any case of the demo brand), and without one there are no examples.
/// </summary>
public static class DispensaryDemo
{
    public static async Task<IReadOnlyList<string>> ExamplesAsync(AppDb db, Demo.World world, string baseUrl, TimeProvider time)
    {
        var part = await db.LucidItems.AsNoTracking()
            .Where(i => i.BrandId == world.Brand.Id)
            .OrderBy(i => i.CaseId).ThenBy(i => i.PackagedProductId).ThenBy(i => i.Id)
            .Select(i => new { i.CaseId, i.PackagedProductId, i.Id })
            .FirstOrDefaultAsync();
        if (part is null) return [];
        string caseUuid = ShortUuid.Encode(part.CaseId), ppUuid = ShortUuid.Encode(part.PackagedProductId), lucidId = ShortUuid.Encode(part.Id);
        // A fresh order id per start, so the sale example works again after a restart.
        var orderId = "DEMO-" + time.GetUtcNow().ToUnixTimeSeconds();
        const string auth = "-H \"Authorization: Bearer $DTOKEN\" -H 'Content-Type: application/json'";
        return
        [
            "# Dispensary API v1.2: import a demo case part, sell one LucidID, trace it",
            $$"""curl -s -X POST {{baseUrl}}/api/v1.2/caseids/import/ {{auth}} -d '{"case_uuid":"{{caseUuid}}","packaged_product_uuid":"{{ppUuid}}","pos_product_id":"POS-1","pos_inventory_id":"INV-1","package_uid":"PKG-001"}'""",
            $$"""curl -s -X POST {{baseUrl}}/api/v1.2/transactions/complete/ {{auth}} -d '{"performed_at":"{{Drf.FormatDateTime(time.GetUtcNow().UtcDateTime)}}","items":["{{lucidId}}"],"order_id":"{{orderId}}"}'""",
            $"curl -s {baseUrl}/api/v1.2/lucidids/{lucidId}/ -H \"Authorization: Bearer $DTOKEN\"",
        ];
    }
}
