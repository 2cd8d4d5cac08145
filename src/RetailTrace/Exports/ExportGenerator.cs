using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Exports;

/// <summary>
/// Writes a dispensary's Package UID export: <c>{"&lt;package_uid&gt;":{"&lt;case&gt;":["&lt;lucid_id&gt;",…]},"&lt;empty uid&gt;":{}}</c>
/// with every POS Package UID of the dispensary and, under each, the LucidIDs of the case parts
/// imported into it.
/// <para>
/// One ordered query streams the rows straight into a <see cref="Utf8JsonWriter"/>, so memory stays
/// flat whatever the size. The database does all sorting: package UIDs by code point (their column's
/// collation), cases and LucidIDs by their uuid value. A ShortUUID is that value in fixed-width
/// base 57 with an ascending alphabet, so uuid order is exactly ShortUUID string order, on PostgreSQL
/// (<c>uuid</c> compares bytes) and on SQLite (uppercase canonical text compares the same way). The
/// writer still checks the order as it goes and fails the export rather than publish a mis-sorted file.
/// </para>
/// </summary>
public static class ExportGenerator
{
    public sealed record Totals(long Packages, long LucidIds);

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // A downloaded data file, never embedded in HTML: keep package UIDs readable ("<", "&", non-ASCII as is).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private const int FlushBytes = 1 << 16;

    public static async Task<Totals> WriteAsync(AppDb context, Guid dispensaryId, Stream output, CancellationToken ct)
    {
        // A million rows are read once, in order, into the file: they must stream, not be buffered.
        await using var db = context.Streaming();
        var rows =
            from p in db.PosPackageUids.AsNoTracking()
            where p.DispensaryId == dispensaryId
            join ip in db.InventoryPackages on p.Id equals ip.PosPackageUidId into parts
            from part in parts.DefaultIfEmpty()
            join li in db.LucidItems on new { part!.CaseId, part.PackagedProductId } equals new { li.CaseId, li.PackagedProductId } into units
            from unit in units.DefaultIfEmpty()
            orderby p.PackageUid, part.CaseId, unit!.Id
            select new Row(p.PackageUid, (Guid?)part.CaseId, (Guid?)unit.Id);
        await using var json = new Utf8JsonWriter(output, WriterOptions);
        return await WriteRowsAsync(rows.AsAsyncEnumerable(), json, ct);
    }

    private sealed record Row(string PackageUid, Guid? CaseId, Guid? LucidId);

    private static async Task<Totals> WriteRowsAsync(IAsyncEnumerable<Row> rows, Utf8JsonWriter json, CancellationToken ct)
    {
        long packages = 0, ids = 0;
        string? package = null;
        Guid? currentCase = null;
        string previousCase = "", previousId = "";
        json.WriteStartObject();
        await foreach (var row in rows.WithCancellation(ct))
        {
            var uid = row.PackageUid;
            if (uid != package)
            {
                if (currentCase is not null) json.WriteEndArray();
                if (package is not null) json.WriteEndObject();
                if (json.BytesPending > FlushBytes) await json.FlushAsync(ct);
                json.WritePropertyName(uid);
                json.WriteStartObject();
                package = uid;
                currentCase = null;
                previousCase = "";
                packages++;
            }
            if (row.CaseId is not { } caseId) continue; // a package UID without imported parts: {}

            if (caseId != currentCase)
            {
                if (currentCase is not null) json.WriteEndArray();
                var caseText = ShortUuid.Encode(caseId);
                EnsureAscending(previousCase, caseText);
                json.WritePropertyName(caseText);
                json.WriteStartArray();
                currentCase = caseId;
                previousCase = caseText;
                previousId = "";
            }
            if (row.LucidId is not { } lucidId) continue; // an imported part without LucidIDs: []

            var idText = ShortUuid.Encode(lucidId);
            EnsureAscending(previousId, idText);
            json.WriteStringValue(idText);
            previousId = idText;
            ids++;
        }
        if (currentCase is not null) json.WriteEndArray();
        if (package is not null) json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(ct);
        return new Totals(packages, ids);
    }

    private static void EnsureAscending(string previous, string next)
    {
        if (string.CompareOrdinal(previous, next) >= 0)
            throw new InvalidOperationException($"Export rows arrived out of ShortUUID order ({previous} before {next}); the file would not be sorted.");
    }
}
