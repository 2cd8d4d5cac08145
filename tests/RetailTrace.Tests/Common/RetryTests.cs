using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Store;

namespace RetailTrace.Tests.Common;

/// <summary>
/// A POS retries on flaky networks: every write it might repeat is safe, and the repeat gets the documented
/// replay answer (docs/DECISIONS.md, Reliability). Store writes also honour an optional Idempotency-Key.
/// </summary>
public abstract class RetryTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Retried_dispensary_writes_answer_their_documented_replay_and_change_nothing()
    {
        var d = await app.NewDispensaryAsync();
        var @case = await app.MintCaseAsync(4);
        var items = @case.AllLucidIds.ToList();
        var import = new { case_uuid = @case.CaseUuid, packaged_product_uuid = @case.Parts[0].PackagedProductUuid, pos_product_id = "P1", pos_inventory_id = "I1", package_uid = "PKG-R", sku = "S" };
        await AssertTwiceAsync(d.Client, "/api/v1.2/caseids/import/", import, """{"case_uuid":"%C","packaged_product_uuid":"%P","package_uid":"PKG-R"}""",
            $$"""{"detail":"Items in CaseID {{@case.CaseUuid}} are already imported into inventory PKG-R."}""", @case);

        var sale = new { order_id = "R-1", performed_at = "2024-02-02T10:00:00Z", items = items.Take(2) };
        const string processed = """{"message":"This transaction has already been processed."}""";
        await AssertTwiceAsync(d.Client, "/api/v1.2/transactions/complete/", sale, "{}", processed, @case);
        await AssertTwiceAsync(d.Client, "/api/v1.2/transactions/return/", new { order_id = "R-1", performed_at = "2024-02-02T11:00:00Z", items = items.Take(1) }, "{}", processed, @case);
        await AssertTwiceAsync(d.Client, "/api/v1.2/transactions/void/", new { order_id = "R-1", performed_at = "2024-02-02T12:00:00Z" }, "{}", processed, @case);
        await AssertTwiceAsync(d.Client, "/api/v1.2/caseids/import/remove/", new { case_uuid = @case.CaseUuid, package_uid = "PKG-R" }, "",
            $$"""{"detail":"Case {{@case.CaseUuid}} is not imported into package_uid=PKG-R."}""", @case);

        // One event per (order, type), whatever the retries: a transaction is its event's row.
        var events = await app.WithDbAsync(db => db.ItemEvents.Where(e => e.OrderId == "R-1").GroupBy(e => e.Type)
            .Select(g => new { g.Key, Count = g.Count() }).OrderBy(g => g.Key).ToListAsync(Ct));
        Assert.Equal("returned:1,sold:1,voided:1", string.Join(",", events.Select(e => $"{e.Key}:{e.Count}")));
        foreach (var (item, putBack) in new[] { (items[0], "returned"), (items[1], "voided") })
        {
            var (status, trace, raw) = await d.Client.GetJsonAsync($"/api/v1.2/lucidids/{item}/");
            Assert.True(status == 200, raw);
            Assert.Equal(["minted", "imported", "sold", putBack, "removed"], trace!["history"]!.AsArray().Select(e => (string)e!["event"]!));
        }
    }

    private static async Task AssertTwiceAsync(HttpClient client, string url, object body, string first, string replay, MintedCase @case)
    {
        var (status, _, raw) = await client.PostJsonAsync(url, body);
        Assert.True(status == 200, raw);
        Assert.Equal(first.Replace("%C", @case.CaseUuid).Replace("%P", @case.Parts[0].PackagedProductUuid), raw);
        var (again, _, againRaw) = await client.PostJsonAsync(url, body);
        Assert.Equal(400, again);
        Assert.Equal(replay, againRaw);
    }

    [Fact]
    public async Task A_store_write_retried_with_its_Idempotency_Key_is_replayed_once_and_a_different_body_is_refused()
    {
        var store = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(store, 100);
        var body = $$"""{"fromInventoryId":"{{store.FrontRoomId}}","toInventoryId":"{{store.VaultId}}","currentEmployeeId":"{{store.EmployeeId}}","transferLogs":[{"productId":"{{product}}","fromBatchId":"{{batch}}","transferAmount":5}]}""";
        var (s1, raw1, replayed1) = await SendAsync(store.Client, HttpMethod.Post, "/api/v1/partner/store/batches/transferInventory/", body, "create-1");
        var (s2, raw2, replayed2) = await SendAsync(store.Client, HttpMethod.Post, "/api/v1/partner/store/batches/transferInventory/", body, "create-1");
        Assert.Equal((200, false), (s1, replayed1));
        Assert.Equal((200, true), (s2, replayed2));
        Assert.Equal(raw1, raw2);
        var id = (string)JsonNode.Parse(raw1)!["id"]!;
        Assert.Equal(5m, await CommittedAsync(store));

        var (s3, raw3, _) = await SendAsync(store.Client, HttpMethod.Post, "/api/v1/partner/store/batches/transferInventory/", body.Replace("\"transferAmount\":5", "\"transferAmount\":6"), "create-1");
        Assert.Equal(422, s3);
        Assert.Equal(StoreArrange.Error("Idempotency-Key", "This Idempotency-Key was already used with a different request.", "com.fourtwenty.core.exceptions.BlazeInvalidArgException"), raw3);

        // accept is not repeatable by itself (400 once no longer PENDING); with a key the retry replays the 200.
        var accept = $$"""{"currentEmployeeId":"{{store.EmployeeId}}"}""";
        var (a1, acceptRaw, _) = await SendAsync(store.Client, HttpMethod.Post, $"/api/v1/partner/store/batches/transferInventory/{id}/accept", accept, "accept-1");
        var (a2, acceptRaw2, acceptReplayed) = await SendAsync(store.Client, HttpMethod.Post, $"/api/v1/partner/store/batches/transferInventory/{id}/accept", accept, "accept-1");
        Assert.Equal((200, 200, true), (a1, a2, acceptReplayed));
        Assert.Equal(acceptRaw, acceptRaw2);
        Assert.Equal(1, await app.WithDbAsync(db => db.InventoryTransfers.CountAsync(t => t.ShopId == store.ShopId, Ct)));
    }

    [Fact]
    public async Task Idempotency_keys_are_scoped_per_shop()
    {
        var first = await app.NewStoreAsync();
        var second = await app.NewStoreAsync(first.CompanyId);
        foreach (var store in new[] { first, second })
        {
            var (product, batch) = await app.StockAsync(store, 10);
            var body = $$"""{"fromInventoryId":"{{store.FrontRoomId}}","toInventoryId":"{{store.VaultId}}","currentEmployeeId":"{{store.EmployeeId}}","transferLogs":[{"productId":"{{product}}","fromBatchId":"{{batch}}","transferAmount":1}]}""";
            var (status, raw, replayed) = await SendAsync(store.Client, HttpMethod.Post, "/api/v1/partner/store/batches/transferInventory/", body, "shared-key");
            Assert.True(status == 200 && !replayed, raw);
            Assert.Equal(store.ShopId, (string)JsonNode.Parse(raw)!["shopId"]!);
        }
    }

    private async Task<decimal> CommittedAsync(StoreTenant store)
    {
        var (_, body, _) = await store.Client.GetJsonAsync($"/api/v1/partner/store/batches/quantities?inventoryId={store.FrontRoomId}");
        return body!["values"]!.AsArray().Sum(r => (decimal)r!["committedQty"]!);
    }

    private static async Task<(int Status, string Raw, bool Replayed)> SendAsync(HttpClient client, HttpMethod method, string url, string body, string key)
    {
        using var request = new HttpRequestMessage(method, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await client.SendAsync(request, Ct);
        var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var v) && v.Single() == "true";
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct), replayed);
    }
}

public sealed class RetryTestsOnSqlite(SqliteApp app) : RetryTests(app), IClassFixture<SqliteApp>;
public sealed class RetryTestsOnPostgres(PostgresApp app) : RetryTests(app), IClassFixture<PostgresApp>;
