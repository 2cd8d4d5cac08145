using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Tests.Dispensary;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Races;

/// <summary>
/// No foreign key of the migrated schema deletes LucidIDs, their cases, their inventory packages or their history when
/// a row they point to goes: a delete that would take them is refused instead (RESTRICT, or NO ACTION for an optional
/// key). Every key of those tables is listed here, so a new one is noticed, and each key of a case or an inventory
/// package is tried: deleting the row it references is refused and nothing is lost.
/// </summary>
public abstract class NoCascadeTests(AppFixture app)
{
    /// <summary>The tables that hold units, their cases and packages, and their events: never deleted by a cascade.</summary>
    private static readonly string[] History = ["lucid_items", "item_events", "item_event_units", "cases", "inventory_packages"];

    /// <summary>Every foreign key of <see cref="History"/>, as "child &lt;- parent: delete rule".</summary>
    private static readonly string[] Keys =
    [
        "cases <- brands: RESTRICT", "cases <- dispensaries: NO ACTION",
        "inventory_packages <- cases: RESTRICT", "inventory_packages <- catalog_products: RESTRICT", "inventory_packages <- dispensaries: RESTRICT",
        "inventory_packages <- packaged_products: RESTRICT", "inventory_packages <- pos_package_uids: RESTRICT",
        "item_event_units <- item_events: RESTRICT", "item_event_units <- lucid_items: RESTRICT",
        "lucid_items <- cases: RESTRICT", "lucid_items <- packaged_products: RESTRICT",
    ];

    [Fact]
    public async Task No_foreign_key_cascades_a_delete_into_lucid_ids_or_their_history()
    {
        var keys = await app.WithDbAsync(async db =>
        {
            var connection = db.Database.GetDbConnection();
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = db.Database.IsNpgsql()
                ? """
                  SELECT tc.table_name, ccu.table_name, rc.delete_rule FROM information_schema.referential_constraints rc
                  JOIN information_schema.table_constraints tc ON tc.constraint_name = rc.constraint_name AND tc.constraint_schema = rc.constraint_schema
                  JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.unique_constraint_name AND ccu.constraint_schema = rc.unique_constraint_schema
                  WHERE tc.table_schema = current_schema()
                  """
                : """
                  SELECT m.name, f."table", f.on_delete FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
                  WHERE m.type = 'table'
                  """;
            var found = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            while (await reader.ReadAsync(TestContext.Current.CancellationToken)) found.Add($"{reader.GetString(0)} <- {reader.GetString(1)}: {reader.GetString(2)}");
            return found.Distinct().Order(StringComparer.Ordinal).ToList();
        });
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", keys));
        Assert.Contains(keys, k => k.EndsWith(": CASCADE", StringComparison.Ordinal)); // the query sees cascades (store detail rows have them)
        Assert.Equal(Keys.Order(StringComparer.Ordinal), keys.Where(k => History.Contains(k[..k.IndexOf(' ')])));
    }

    [Fact]
    public async Task Deleting_any_row_an_imported_case_part_references_is_refused_and_keeps_everything()
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(2);
        await d.Client.ImportAsync(c, 0, "NC-" + Guid.NewGuid().ToString("N")[..8]);
        var caseId = ShortUuid.Decode(c.CaseUuid);
        var package = await app.WithDbAsync(db => db.InventoryPackages.AsNoTracking().SingleAsync(p => p.CaseId == caseId));
        var brandId = ShortUuid.Decode(c.BrandUuid);
        (string Table, Guid Id)[] parents =
        [
            ("brands", brandId), ("dispensaries", package.DispensaryId), ("cases", caseId), ("packaged_products", package.PackagedProductId),
            ("catalog_products", package.CatalogProductId), ("pos_package_uids", package.PosPackageUidId),
        ];
        foreach (var (table, id) in parents)
        {
            var refused = await app.WithDbAsync(async db =>
            {
                // The table name is one of the constants above; the id is a parameter.
#pragma warning disable EF1003
                try { await db.Database.ExecuteSqlRawAsync("DELETE FROM " + table + " WHERE id = {0}", new object[] { id }, TestContext.Current.CancellationToken); }
#pragma warning restore EF1003
                catch (Exception ex) when (RetailTrace.Data.Database.IsForeignKeyViolation(ex)) { return true; }
                return false;
            });
            Assert.True(refused, $"deleting the referenced row of {table} was not refused");
        }
        var kept = await app.WithDbAsync(async db => (
            await db.Cases.CountAsync(x => x.Id == caseId && x.BrandId == brandId),
            await db.InventoryPackages.CountAsync(p => p.Id == package.Id),
            await db.LucidItems.CountAsync(i => i.CaseId == caseId && i.InventoryPackageId == package.Id)));
        Assert.Equal((1, 1, 2), kept);
    }
}

public sealed class NoCascadeTestsOnSqlite(SqliteApp app) : NoCascadeTests(app), IClassFixture<SqliteApp>;
public sealed class NoCascadeTestsOnPostgres(PostgresApp app) : NoCascadeTests(app), IClassFixture<PostgresApp>;
