using RetailTrace.Common;

namespace RetailTrace.Demo;

/// <summary>
/// Package UID export curl examples: the operator's "export now" (after the import example, so the file lists this
/// start's case under its package UID), then the signed URL and the file behind it. The export runs in the
/// background and takes well under the printed pause on a demo database.
/// </summary>
public static class ExportsDemo
{
    public static IEnumerable<string> Examples(DemoWorld world, string baseUrl, string adminToken, string packageUid)
    {
        var exportUrl = $"curl -s {baseUrl}/api/v1.2/package-uids-export/ -H \"Authorization: Bearer $DTOKEN\"";
        return
        [
            "# Package UID export: run today's now (admin API), then fetch its signed URL and the file",
            $"curl -s -X POST {baseUrl}/admin/v1/dispensaries/{ShortUuid.Encode(world.Dispensary.Id)}/package-uid-exports -H \"Authorization: Bearer {adminToken}\"",
            "sleep 2",
            exportUrl,
            $"curl -s \"$({exportUrl} | sed 's/.*\"export_url\":\"\\([^\"]*\\)\".*/\\1/')\"   # the file lists {packageUid} with this start's case",
        ];
    }
}
