using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace RetailTrace.Bench;

/// <summary>
/// The raw limits every scenario is compared with, served by a bare Kestrel app on the same machine
/// and provider: <c>POST /echo</c> (parse and write back JSON), <c>POST /insert</c> (one durable
/// single-row INSERT per request through a pooled connection, SQLite writes serialized in-process),
/// and <c>GET /memory-batches</c> (a store page of 100 batches serialized from memory).
/// </summary>
public static class Baseline
{
    public static async Task RunAsync(string provider, string connectionString, string urls, string? storePageFile = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(urls);
        var app = builder.Build();
        var postgres = provider.Equals("postgres", StringComparison.OrdinalIgnoreCase);
        await CreateTableAsync(postgres, connectionString);
        var sqliteWrite = new SemaphoreSlim(1, 1);

        app.MapGet("/healthz", () => "ok");
        if (storePageFile is not null)
        {
            // The same 100 ProductBatch objects the store endpoint returned, serialized from memory with the store's options.
            var page = JsonNode.Parse(await File.ReadAllTextAsync(storePageFile))!;
            var values = page["values"]!.AsArray().Select(v => v!.AsObject()).ToList();
            app.MapGet("/memory-batches", () => Results.Json(new { values, skip = 0, limit = 100, total = (long)page["total"]! }, RetailTrace.Common.Blaze.Json));
        }
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
