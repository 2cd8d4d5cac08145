using System.Data.Common;
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
/// flat whatever the size. The database does all sorting: package UIDs by code point (binary
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

    public static async Task<Totals> WriteAsync(AppDb db, Guid dispensaryId, Stream output, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = $"""
                SELECT p.package_uid, ip.case_id, li.id
                FROM pos_package_uids p
                LEFT JOIN inventory_packages ip ON ip.pos_package_uid_id = p.id
                LEFT JOIN lucid_items li ON li.case_id = ip.case_id AND li.packaged_product_id = ip.packaged_product_id
                WHERE p.dispensary_id = @dispensary
                ORDER BY p.package_uid{(db.IsSqlite ? "" : " COLLATE \"C\"")}, ip.case_id, li.id
                """;
            var parameter = cmd.CreateParameter();
            parameter.ParameterName = "@dispensary";
            // SQLite keeps Guids as EF Core writes them: uppercase canonical text.
            parameter.Value = db.IsSqlite ? dispensaryId.ToString().ToUpperInvariant() : dispensaryId;
            cmd.Parameters.Add(parameter);

            await using var reader = await cmd.ExecuteReaderAsync(ct);
            await using var json = new Utf8JsonWriter(output, WriterOptions);
            return await WriteRowsAsync(reader, json, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<Totals> WriteRowsAsync(DbDataReader reader, Utf8JsonWriter json, CancellationToken ct)
    {
        long packages = 0, ids = 0;
        string? package = null;
        Guid? currentCase = null;
        string previousCase = "", previousId = "";
        json.WriteStartObject();
        while (await reader.ReadAsync(ct))
        {
            var uid = reader.GetString(0);
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
            if (reader.IsDBNull(1)) continue; // a package UID without imported parts: {}

            var caseId = reader.GetGuid(1);
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
            if (reader.IsDBNull(2)) continue; // an imported part without LucidIDs: []

            var idText = ShortUuid.Encode(reader.GetGuid(2));
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
