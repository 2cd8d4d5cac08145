using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace RetailTrace.Bench;

/// <summary>
/// The raw limits every scenario is compared with, served by a bare Kestrel app on the same machine
/// and provider: <c>POST /echo</c> (parse and write back JSON) and <c>POST /insert</c> (one durable
/// single-row INSERT per request through a pooled connection, SQLite writes serialized in-process as
/// the server does).
/// </summary>
public static class Baseline
{
    public static async Task RunAsync(string provider, string connectionString, string urls)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(urls);
        var app = builder.Build();
        var postgres = provider.Equals("postgres", StringComparison.OrdinalIgnoreCase);
        await CreateTableAsync(postgres, connectionString);
        var sqliteWrite = new SemaphoreSlim(1, 1);

        app.MapPost("/echo", async (HttpRequest request) =>
        {
            var node = await JsonNode.ParseAsync(request.Body);
            return Results.Text(node!.ToJsonString(), "application/json");
        });
        app.MapPost("/insert", async (HttpRequest request) =>
        {
            var node = await JsonNode.ParseAsync(request.Body);
            var orderId = (string?)node?["order_id"] ?? Guid.NewGuid().ToString();
            if (postgres)
            {
                await using var conn = new NpgsqlConnection(connectionString);
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand("INSERT INTO bench_rows (order_id, created_at) VALUES (@o, now())", conn);
                cmd.Parameters.AddWithValue("o", orderId);
                await cmd.ExecuteNonQueryAsync();
            }
            else
            {
                await sqliteWrite.WaitAsync();
                try
                {
                    await using var conn = new SqliteConnection(connectionString);
                    await conn.OpenAsync();
                    await using var cmd = conn.CreateCommand();
                    cmd.CommandText = "INSERT INTO bench_rows (order_id, created_at) VALUES ($o, datetime('now'))";
                    cmd.Parameters.AddWithValue("$o", orderId);
                    await cmd.ExecuteNonQueryAsync();
                }
                finally { sqliteWrite.Release(); }
            }
            return Results.Text("{}", "application/json");
        });
        await app.RunAsync();
    }

    private static async Task CreateTableAsync(bool postgres, string connectionString)
    {
        const string ddl = "CREATE TABLE IF NOT EXISTS bench_rows (id {0} PRIMARY KEY, order_id varchar(255) NOT NULL UNIQUE, created_at {1} NOT NULL)";
        if (postgres)
        {
            await using var conn = new NpgsqlConnection(connectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(string.Format(ddl, "bigserial", "timestamptz"), conn);
            await cmd.ExecuteNonQueryAsync();
        }
        else
        {
            await using var conn = new SqliteConnection(connectionString);
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode=WAL; " + string.Format(ddl, "INTEGER", "TEXT");
            await cmd.ExecuteNonQueryAsync();
        }
    }
}
