using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Data;

/// <summary>
/// The committed SQL migrations must build exactly the schema the EF model describes: a database
/// migrated from scratch is compared with one created from the model (tables, columns, types,
/// nullability, keys, indexes, foreign keys).
/// </summary>
public class SchemaTests
{
    [Fact]
    public async Task Sqlite_migrations_match_the_model()
    {
        var dir = Directory.CreateTempSubdirectory("rt-schema-").FullName;
        var migrated = await SnapshotAsync(DatabaseProvider.Sqlite, $"Data Source={dir}/migrated.db", migrate: true);
        var modelled = await SnapshotAsync(DatabaseProvider.Sqlite, $"Data Source={dir}/model.db", migrate: false);
        SqliteConnection.ClearAllPools();
        Assert.Equal(modelled, migrated);
    }

    [Fact]
    public async Task Postgres_migrations_match_the_model()
    {
        var (server, reason) = await PostgresServer.GetAsync();
        if (server is null)
        {
            if (PostgresServer.Required) Assert.Fail(reason);
            Assert.Skip(reason!);
        }
        var migrated = await SnapshotAsync(DatabaseProvider.Postgres, await PostgresServer.CreateDatabaseAsync(server), migrate: true);
        var modelled = await SnapshotAsync(DatabaseProvider.Postgres, await PostgresServer.CreateDatabaseAsync(server), migrate: false);
        Assert.Equal(modelled, migrated);
    }

    [Fact]
    public async Task Migrating_twice_is_a_no_op()
    {
        var dir = Directory.CreateTempSubdirectory("rt-schema-").FullName;
        var options = new DbContextOptionsBuilder<AppDb>();
        RetailTrace.Data.Database.Configure(options, DatabaseProvider.Sqlite, $"Data Source={dir}/twice.db");
        await using var db = new AppDb(options.Options);
        await Migrator.MigrateAsync(db, TestContext.Current.CancellationToken);
        await Migrator.MigrateAsync(db, TestContext.Current.CancellationToken);
        var applied = await db.Database.SqlQueryRaw<string>("SELECT version AS \"Value\" FROM schema_migrations").ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(Migrator.Scripts(DatabaseProvider.Sqlite).Select(s => s.Version), applied.Order());
        SqliteConnection.ClearAllPools();
    }

    private static async Task<List<string>> SnapshotAsync(DatabaseProvider provider, string connectionString, bool migrate)
    {
        var options = new DbContextOptionsBuilder<AppDb>();
        RetailTrace.Data.Database.Configure(options, provider, connectionString);
        await using var db = new AppDb(options.Options);
        if (migrate) await Migrator.MigrateAsync(db);
        else await db.Database.EnsureCreatedAsync();
        var conn = db.Database.GetDbConnection();
        await conn.OpenAsync();
        var rows = provider == DatabaseProvider.Sqlite ? await SqliteSchema(conn) : await PostgresSchema(conn);
        await conn.CloseAsync();
        return rows.Where(r => !r.Contains("schema_migrations")).Order(StringComparer.Ordinal).ToList();
    }

    private static async Task<List<string>> SqliteSchema(DbConnection conn)
    {
        var tables = await Query(conn, "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'");
        var rows = new List<string>();
        foreach (var t in tables)
        {
            rows.AddRange((await Query(conn, $"SELECT '{t}.' || name || ' ' || type || ' notnull=' || \"notnull\" || ' pk=' || pk FROM pragma_table_info('{t}')")).Select(r => "column " + r));
            rows.AddRange((await Query(conn, $"SELECT '{t}.' || il.name || ' unique=' || il.\"unique\" || ' partial=' || il.partial || ' (' || (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) || ')' FROM pragma_index_list('{t}') il WHERE il.origin = 'c'")).Select(r => "index " + r));
            rows.AddRange((await Query(conn, $"SELECT '{t}.' || \"from\" || ' -> ' || \"table\" || '.' || \"to\" || ' on_delete=' || on_delete FROM pragma_foreign_key_list('{t}')")).Select(r => "fk " + r));
        }
        return rows;
    }

    private static async Task<List<string>> PostgresSchema(DbConnection conn)
    {
        var rows = new List<string>();
        rows.AddRange((await Query(conn, """
            SELECT table_name || '.' || column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '')
                   || coalesce(' numeric(' || numeric_precision || ',' || numeric_scale || ')', '')
                   || ' nullable=' || is_nullable || ' identity=' || is_identity || ' default=' || coalesce(column_default, '')
            FROM information_schema.columns WHERE table_schema = 'public'
            """)).Select(r => "column " + r));
        rows.AddRange((await Query(conn, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'")).Select(r => "index " + r));
        rows.AddRange((await Query(conn, """
            SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
            FROM pg_constraint WHERE connamespace = 'public'::regnamespace
            """)).Select(r => "constraint " + r));
        return rows;
    }

    private static async Task<List<string>> Query(DbConnection conn, string sql)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        await using var reader = await cmd.ExecuteReaderAsync();
        var list = new List<string>();
        while (await reader.ReadAsync()) list.Add(reader.IsDBNull(0) ? "" : reader.GetString(0));
        return list;
    }
}
