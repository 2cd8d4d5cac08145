using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Admin;

public abstract class IdempotencyTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private async Task<(int Status, string Body, bool Replayed)> PostBrand(string key, string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/brands") { Content = JsonContent.Create(new { name }) };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await app.AdminClient().SendAsync(request, Ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response.Headers.Contains("Idempotent-Replayed"));
    }

    private Task<int> BrandCount(string name) => app.WithDbAsync(db => db.Brands.CountAsync(b => b.Name == name, Ct));

    [Fact]
    public async Task A_retried_admin_create_replays_the_first_response_and_creates_once()
    {
        var key = Guid.NewGuid().ToString();
        var name = "Idem " + key[..8];
        var first = await PostBrand(key, name);
        var retry = await PostBrand(key, name);
        Assert.Equal(201, first.Status);
        Assert.False(first.Replayed);
        Assert.Equal((201, first.Body, true), retry);
        Assert.Equal(1, await BrandCount(name));
    }

    [Fact]
    public async Task A_refused_request_is_replayed_as_refused()
    {
        // Only a 5xx is not kept: a client retrying a 400 gets the same 400, marked as a replay.
        var key = Guid.NewGuid().ToString();
        var first = await PostBrand(key, "");
        Assert.Equal(400, first.Status);
        Assert.False(first.Replayed);
        Assert.Equal((400, first.Body, true), await PostBrand(key, ""));
    }

    [Fact]
    public async Task A_key_is_at_most_255_characters()
    {
        var name = "Long " + Guid.NewGuid().ToString()[..8];
        var (status, body, _) = await PostBrand(new string('k', 256), name);
        Assert.Equal(400, status);
        Assert.Equal("Idempotency-Key must be at most 255 characters.", (string)JsonNode.Parse(body)!["detail"]!);
        Assert.Equal(0, await BrandCount(name));

        var longest = Guid.NewGuid().ToString("N") + new string('k', 255 - 32);
        var first = await PostBrand(longest, name);
        Assert.Equal(201, first.Status);
        Assert.Equal((201, first.Body, true), await PostBrand(longest, name));
        Assert.Equal(1, await BrandCount(name));
    }

    [Fact]
    public async Task Reusing_a_key_with_a_different_body_is_422()
    {
        var key = Guid.NewGuid().ToString();
        Assert.Equal(201, (await PostBrand(key, "A " + key[..6])).Status);
        var (status, body, _) = await PostBrand(key, "B " + key[..6]);
        Assert.Equal(422, status);
        Assert.Equal("This Idempotency-Key was already used with a different request.", (string)JsonNode.Parse(body)!["detail"]!);
        Assert.Equal(0, await BrandCount("B " + key[..6]));
    }

    [Fact]
    public async Task Concurrent_first_attempts_with_one_key_create_once()
    {
        var key = Guid.NewGuid().ToString();
        var name = "Race " + key[..8];
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostBrand(key, name)));
        Assert.All(results, r => Assert.Contains(r.Status, new[] { 201, 409 }));
        Assert.Contains(results, r => r.Status == 201);
        Assert.Equal(1, await BrandCount(name));
        var uuids = results.Where(r => r.Status == 201).Select(r => (string)JsonNode.Parse(r.Body)!["uuid"]!).Distinct();
        Assert.Single(uuids);
    }

    [Fact]
    public async Task A_claim_left_by_a_crashed_first_attempt_is_taken_over_after_a_minute()
    {
        var key = Guid.NewGuid().ToString();
        var name = "Crashed " + key[..8];
        var body = System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { name }));
        var hash = RetailTrace.Common.Idempotency.RequestHash("POST", "/admin/v1/brands", System.Security.Cryptography.SHA256.HashData(body));
        await app.WithDbAsync(async db =>
        {
            db.IdempotencyRecords.Add(new RetailTrace.Data.IdempotencyRecord { Scope = "admin", Key = key, RequestHash = hash, CreatedAt = DateTime.UtcNow.AddMinutes(-2) });
            await db.SaveChangesAsync(Ct);
        });
        var (status, _, replayed) = await PostBrand(key, name);
        Assert.Equal(201, status);
        Assert.False(replayed);
        Assert.Equal(1, await BrandCount(name));
    }

    [Fact]
    public async Task A_fresh_claim_of_a_running_first_attempt_answers_409()
    {
        var key = Guid.NewGuid().ToString();
        var name = "Running " + key[..8];
        var body = System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { name }));
        var hash = RetailTrace.Common.Idempotency.RequestHash("POST", "/admin/v1/brands", System.Security.Cryptography.SHA256.HashData(body));
        await app.WithDbAsync(async db =>
        {
            db.IdempotencyRecords.Add(new RetailTrace.Data.IdempotencyRecord { Scope = "admin", Key = key, RequestHash = hash, CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync(Ct);
        });
        Assert.Equal(409, (await PostBrand(key, name)).Status);
        Assert.Equal(0, await BrandCount(name));
    }

    [Fact]
    public async Task Writes_without_a_key_are_not_deduplicated()
    {
        var name = "NoKey " + Guid.NewGuid().ToString("N")[..8];
        var admin = app.AdminClient();
        Assert.Equal(201, (await admin.PostJsonAsync("/admin/v1/brands", new { name })).Status);
        Assert.Equal(201, (await admin.PostJsonAsync("/admin/v1/brands", new { name })).Status);
        Assert.Equal(2, await BrandCount(name));
    }
}

public sealed class IdempotencyTestsOnSqlite(SqliteApp app) : IdempotencyTests(app), IClassFixture<SqliteApp>;
public sealed class IdempotencyTestsOnPostgres(PostgresApp app) : IdempotencyTests(app), IClassFixture<PostgresApp>;
