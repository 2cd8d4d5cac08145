using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Data;
using RetailTrace.Exports;

// Package UID export benchmark (SQLite). Each phase runs in its own process so its peak working set is its own:
//   ExportBench fill   <db> [packages=10000] [idsPerPackage=100]   bulk-fills a fresh database
//   ExportBench export <db> <out.json>                             ExportGenerator (grouped, ShortUUIDs, sorted)
//   ExportBench raw    <db> <out.json>                             baseline: the same ORDER BY query, rows streamed as JSON arrays
if (args is not [var mode, var dbPath, ..])
{
    Console.Error.WriteLine("usage: ExportBench fill|export|raw <db> [...]");
    return 2;
}
var connectionString = $"Data Source={dbPath}";
var options = new DbContextOptionsBuilder<AppDb>();
RetailTrace.Data.Database.Configure(options, DatabaseProvider.Sqlite, connectionString);
await using var db = new AppDb(options.Options);
var dispensaryId = Guid.Parse("00000000-0000-4000-8000-00000000d15a");
var clock = Stopwatch.StartNew();

switch (mode)
{
    case "fill":
        await Migrator.MigrateAsync(db);
        var (packages, perPackage) = (args.Length > 2 ? int.Parse(args[2]) : 10_000, args.Length > 3 ? int.Parse(args[3]) : 100);
        await FillAsync(connectionString, dispensaryId, packages, perPackage);
        Report($"fill {packages:N0} package UIDs x {perPackage} LucidIDs", clock, null);
        break;
    case "export":
        await using (var file = File.Create(args[2]))
        {
            var totals = await ExportGenerator.WriteAsync(db, dispensaryId, file, CancellationToken.None);
            Report($"ExportGenerator: {totals.Packages:N0} package UIDs, {totals.LucidIds:N0} LucidIDs", clock, file.Length);
        }
        break;
    case "raw":
        await using (var file = File.Create(args[2]))
        {
            var rows = await RawAsync(connectionString, dispensaryId, file);
            Report($"raw SELECT ... ORDER BY -> JSON rows: {rows:N0} rows", clock, file.Length);
        }
        break;
    default:
        Console.Error.WriteLine($"unknown mode {mode}");
        return 2;
}
return 0;

static void Report(string what, Stopwatch clock, long? bytes)
{
    using var self = Process.GetCurrentProcess();
    Console.WriteLine($"{what}: {clock.Elapsed.TotalSeconds:F2} s, peak working set {self.PeakWorkingSet64 / 1048576.0:F0} MiB" +
        (bytes is { } b ? $", file {b / 1048576.0:F1} MiB" : ""));
}

static string Text(Guid id) => id.ToString().ToUpperInvariant();

static async Task FillAsync(string cs, Guid dispensaryId, int packages, int perPackage)
{
    await using var conn = new SqliteConnection(cs);
    await conn.OpenAsync();
    await using var tx = conn.BeginTransaction();
    var now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss");
    Guid brand = Guid.NewGuid(), product = Guid.NewGuid(), batch = Guid.NewGuid(), pp = Guid.NewGuid(), catalog = Guid.NewGuid();
    async Task Exec(string sql)
    {
        await using var c = conn.CreateCommand();
        c.Transaction = tx;
        c.CommandText = sql;
        await c.ExecuteNonQueryAsync();
    }
    await Exec($"INSERT INTO brands VALUES ('{Text(brand)}','Bench','{now}')");
    await Exec($"INSERT INTO dispensaries VALUES ('{Text(dispensaryId)}','Bench',1,'02:00','UTC','{now}')");
    await Exec($"INSERT INTO products (id,brand_id,name,sku,description,product_type,usage,variety,strain,product_line,package_size,upc,servings,serving_size,total_thc,total_cbd,thc_cbd_ratio,tests_description,about_ingredients,special_diet,allergen,testing_methodology,usage_recommendation,ingredients,images,barcode,updated_on) VALUES ('{Text(product)}','{Text(brand)}','P','','','','','','','','{{}}','','','{{}}','{{}}','{{}}','','','','[]','[]','','','[]','{{}}','','{now}')");
    await Exec($"INSERT INTO batches VALUES ('{Text(batch)}','{Text(brand)}','B','',NULL,NULL,'','[]','[]','{now}')");
    await Exec($"INSERT INTO packaged_products VALUES ('{Text(pp)}','{Text(batch)}','{Text(brand)}','{Text(product)}',NULL,NULL,'[]','{now}')");
    await Exec($"INSERT INTO catalog_products VALUES ('{Text(catalog)}','{Text(dispensaryId)}','POS-1',NULL,'{Text(pp)}','{now}')");

    SqliteCommand Prepare(string sql, int count)
    {
        var c = conn.CreateCommand();
        c.Transaction = tx;
        c.CommandText = sql;
        for (var i = 0; i < count; i++) c.Parameters.Add(new SqliteParameter("$p" + i, null));
        return c;
    }
    using var pos = Prepare("INSERT INTO pos_package_uids VALUES ($p0,$p1,$p2,$p3,$p4,$p4)", 5);
    using var @case = Prepare("INSERT INTO cases VALUES ($p0,$p1,$p2,$p3)", 4);
    using var part = Prepare("INSERT INTO inventory_packages VALUES ($p0,$p1,$p2,$p3,$p4,$p5,$p6)", 7);
    using var item = Prepare("INSERT INTO lucid_items VALUES ($p0,$p1,$p2,$p3,'in_inventory',$p4,$p5,NULL,$p6)", 7);
    for (var p = 0; p < packages; p++)
    {
        Guid posId = Guid.NewGuid(), caseId = Guid.NewGuid(), partId = Guid.NewGuid();
        Set(pos, Text(posId), Text(dispensaryId), $"1A4000000000000000{p:D6}", $"INV-{p}", now);
        await pos.ExecuteNonQueryAsync();
        Set(@case, Text(caseId), Text(brand), Text(dispensaryId), now);
        await @case.ExecuteNonQueryAsync();
        Set(part, Text(partId), Text(dispensaryId), Text(posId), Text(caseId), Text(pp), Text(catalog), now);
        await part.ExecuteNonQueryAsync();
        for (var i = 0; i < perPackage; i++)
        {
            Set(item, Text(Guid.NewGuid()), Text(caseId), Text(pp), Text(brand), Text(dispensaryId), Text(partId), now);
            await item.ExecuteNonQueryAsync();
        }
    }
    await tx.CommitAsync();
}

static void Set(SqliteCommand command, params object[] values)
{
    for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i];
}

static async Task<long> RawAsync(string cs, Guid dispensaryId, Stream output)
{
    await using var conn = new SqliteConnection(cs);
    await conn.OpenAsync();
    await using var cmd = conn.CreateCommand();
    cmd.CommandText = """
        SELECT p.package_uid, ip.case_id, li.id
        FROM pos_package_uids p
        LEFT JOIN inventory_packages ip ON ip.pos_package_uid_id = p.id
        LEFT JOIN lucid_items li ON li.case_id = ip.case_id AND li.packaged_product_id = ip.packaged_product_id
        WHERE p.dispensary_id = $d
        ORDER BY p.package_uid, ip.case_id, li.id
        """;
    cmd.Parameters.AddWithValue("$d", Text(dispensaryId));
    await using var reader = await cmd.ExecuteReaderAsync();
    await using var json = new Utf8JsonWriter(output);
    long rows = 0;
    json.WriteStartArray();
    while (await reader.ReadAsync())
    {
        json.WriteStartArray();
        json.WriteStringValue(reader.GetString(0));
        json.WriteStringValue(reader.IsDBNull(1) ? null : reader.GetString(1));
        json.WriteStringValue(reader.IsDBNull(2) ? null : reader.GetString(2));
        json.WriteEndArray();
        if (json.BytesPending > 1 << 16) await json.FlushAsync();
        rows++;
    }
    json.WriteEndArray();
    await json.FlushAsync();
    return rows;
}
