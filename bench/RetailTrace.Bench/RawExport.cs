using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using RetailTrace.Common;

namespace RetailTrace.Bench;

/// <summary>
/// The raw limit of the package UID export: one ordered SELECT over the same tables, streamed
/// straight to grouped JSON with Utf8JsonWriter, no server around it. Prints seconds and peak RSS.
/// </summary>
public static class RawExport
{
    public static async Task RunAsync(string provider, string connectionString, string dispensaryShortUuid, string file)
    {
        var watch = Stopwatch.StartNew();
        var postgres = provider.Equals("postgres", StringComparison.OrdinalIgnoreCase);
        await using DbConnection conn = postgres ? new NpgsqlConnection(connectionString) : new SqliteConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            SELECT p.package_uid, ip.case_id, li.id
            FROM pos_package_uids p
            LEFT JOIN inventory_packages ip ON ip.pos_package_uid_id = p.id
            LEFT JOIN lucid_items li ON li.case_id = ip.case_id AND li.packaged_product_id = ip.packaged_product_id
            WHERE p.dispensary_id = @d
            ORDER BY p.package_uid, ip.case_id, li.id
            """;
        var parameter = cmd.CreateParameter();
        parameter.ParameterName = "@d";
        var dispensary = ShortUuid.Decode(dispensaryShortUuid);
        parameter.Value = postgres ? dispensary : dispensary.ToString().ToUpperInvariant();
        cmd.Parameters.Add(parameter);

        await using var output = File.Create(file);
        await using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        string? package = null;
        Guid? currentCase = null;
        long rows = 0;
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows++;
                var uid = reader.GetString(0);
                if (uid != package)
                {
                    if (currentCase is not null) json.WriteEndArray();
                    if (package is not null) json.WriteEndObject();
                    json.WritePropertyName(uid);
                    json.WriteStartObject();
                    package = uid;
                    currentCase = null;
                }
                if (reader.IsDBNull(1)) continue;
                var caseId = reader.GetGuid(1);
                if (caseId != currentCase)
                {
                    if (currentCase is not null) json.WriteEndArray();
                    json.WritePropertyName(ShortUuid.Encode(caseId));
                    json.WriteStartArray();
                    currentCase = caseId;
                }
                if (!reader.IsDBNull(2)) json.WriteStringValue(ShortUuid.Encode(reader.GetGuid(2)));
                if (json.BytesPending > 64 * 1024) await json.FlushAsync();
            }
        }
        if (currentCase is not null) json.WriteEndArray();
        if (package is not null) json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync();
        var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024);
        Console.WriteLine(FormattableString.Invariant($"RAW seconds={watch.Elapsed.TotalSeconds:F2} peak_mib={peak} rows={rows}"));
    }
}
