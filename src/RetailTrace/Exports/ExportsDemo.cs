using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Exports;

/// <summary>Demo: the demo dispensary has exports enabled; its first export is started once per database so
/// the GET answers at once (later ones follow the daily schedule or the admin run-now call).</summary>
public static class ExportsDemo
{
    public static async Task<IEnumerable<string>> SeedAsync(IServiceProvider services, Demo.World world, string baseUrl, string adminToken)
    {
        var db = services.GetRequiredService<AppDb>();
        if (!await db.ExportRuns.AnyAsync(r => r.DispensaryId == world.Dispensary.Id))
            await services.GetRequiredService<ExportScheduler>().StartNowAsync(world.Dispensary.Id, world.Dispensary.TimeZone, CancellationToken.None);
        var uuid = ShortUuid.Encode(world.Dispensary.Id);
        return
        [
            $"curl -s {baseUrl}/api/v1.2/package-uids-export/ -H \"Authorization: Bearer $DTOKEN\"",
            $"curl -s \"$(curl -s {baseUrl}/api/v1.2/package-uids-export/ -H \"Authorization: Bearer $DTOKEN\" | sed 's/.*\"export_url\":\"\\([^\"]*\\)\".*/\\1/')\"   # the export file",
            $"curl -s -X POST {baseUrl}/admin/v1/dispensaries/{uuid}/package-uid-exports -H \"Authorization: Bearer {adminToken}\"   # export now",
        ];
    }
}
