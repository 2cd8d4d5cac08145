using Microsoft.EntityFrameworkCore;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Races;

/// <summary>
/// No foreign key of the migrated schema deletes LucidIDs or their history when a row they point to goes: a delete
/// that would take them is refused instead (restrict). The cascades that remain into cases and inventory packages are
/// pinned here (see docs/DECISIONS.md, issue 26): no endpoint deletes their parents, and a packaged product with units
/// cannot be deleted; a new cascade into any of these tables fails this test.
/// </summary>
public abstract class NoCascadeTests(AppFixture app)
{
    /// <summary>The tables that hold units, their events and sales: never deleted by a cascade.</summary>
    private static readonly string[] History =
        ["lucid_items", "item_events", "item_event_units", "retail_transactions", "retail_transaction_items", "cases", "inventory_packages"];

    /// <summary>Cascades of the schema before issue 26 into those tables; changing them to RESTRICT needs a SQLite table rebuild.</summary>
    private static readonly string[] Pinned =
    [
        "cases <- brands", "inventory_packages <- cases", "inventory_packages <- catalog_products", "inventory_packages <- dispensaries",
        "inventory_packages <- packaged_products", "inventory_packages <- pos_package_uids",
    ];

    [Fact]
    public async Task No_foreign_key_cascades_a_delete_into_lucid_ids_or_their_history()
    {
        var cascades = await app.WithDbAsync(async db =>
        {
            var connection = db.Database.GetDbConnection();
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = db.Database.IsNpgsql()
                ? """
                  SELECT tc.table_name, ccu.table_name FROM information_schema.referential_constraints rc
                  JOIN information_schema.table_constraints tc ON tc.constraint_name = rc.constraint_name AND tc.constraint_schema = rc.constraint_schema
                  JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.unique_constraint_name AND ccu.constraint_schema = rc.unique_constraint_schema
                  WHERE rc.delete_rule = 'CASCADE' AND tc.table_schema = current_schema()
                  """
                : """
                  SELECT m.name, f."table" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
                  WHERE m.type = 'table' AND f.on_delete = 'CASCADE'
                  """;
            var found = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            while (await reader.ReadAsync(TestContext.Current.CancellationToken)) found.Add($"{reader.GetString(0)} <- {reader.GetString(1)}");
            return found.Distinct().Order().ToList();
        });
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", cascades));
        Assert.NotEmpty(cascades); // the query sees the schema's cascades (store detail rows have them)
        Assert.Equal(Pinned.Order(), cascades.Where(c => History.Contains(c[..c.IndexOf(' ')])));
    }
}

public sealed class NoCascadeTestsOnSqlite(SqliteApp app) : NoCascadeTests(app), IClassFixture<SqliteApp>;
public sealed class NoCascadeTestsOnPostgres(PostgresApp app) : NoCascadeTests(app), IClassFixture<PostgresApp>;
