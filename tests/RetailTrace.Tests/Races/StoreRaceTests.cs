using RetailTrace.Common;
using RetailTrace.Tests.Dispensary;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Store;
using static RetailTrace.Tests.Store.StoreArrange;

namespace RetailTrace.Tests.Races;

/// <summary>Pairs of store writes on one transfer or one batch quantity, sent at once to a real server (see
/// <see cref="DispensaryRaceTests"/> for what is asserted and why PostgreSQL proves it).</summary>
public abstract class StoreRaceTests(AppFixture app)
{
    private const string Transfers = "/api/v1/partner/store/batches/transferInventory";
    private int Rounds => app.Provider == RetailTrace.Data.DatabaseProvider.Postgres ? 200 : 25;

    private static async Task<((int Status, string Raw) First, (int Status, string Raw) Second)> RaceAsync(Func<Task<(int, string)>> first, Func<Task<(int, string)>> second)
    {
        using var start = new ManualResetEventSlim();
        var a = Task.Run(async () => { start.Wait(); return await first(); });
        var b = Task.Run(async () => { start.Wait(); return await second(); });
        start.Set();
        return (await a, await b);
    }

    /// <summary>A client of the live server with the headers (credentials) of <paramref name="of"/>.</summary>
    private static HttpClient LiveClient(LiveServer live, HttpClient of)
    {
        var client = live.CreateClient();
        foreach (var header in of.DefaultRequestHeaders) client.DefaultRequestHeaders.TryAddWithoutValidation(header.Key, header.Value);
        return client;
    }

    private static async Task<(int, string)> Send(HttpClient client, HttpMethod method, string url, object body)
    {
        var (status, _, raw) = await client.SendAsync(method, url, body);
        return (status, raw);
    }

    private static async Task<(string Quantity, string Committed)> QuantityAsync(StoreTenant s, string productId, string inventoryId)
    {
        var (_, body, _) = await s.Client.GetJsonAsync($"/api/v1/partner/store/batches/{productId}/batchQuantityInfo");
        var row = body!.AsArray().Single(r => (string)r!["inventoryId"]! == inventoryId)!;
        return (row["quantity"].Json(), row["committedQty"].Json());
    }

    [Fact]
    public async Task Accept_racing_decline_of_one_transfer_acknowledges_exactly_one()
    {
        var s = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(s, Rounds);
        await using var live = new LiveServer(app);
        var client = LiveClient(live, s.Client);
        for (var round = 0; round < Rounds; round++)
        {
            var (created, t, raw) = await s.Client.PostJsonAsync(Transfers, new
            {
                fromInventoryId = s.FrontRoomId, toInventoryId = s.VaultId, currentEmployeeId = s.EmployeeId,
                transferLogs = new[] { new { productId = product, fromBatchId = batch, transferAmount = 1 } },
            });
            Assert.True(created == 200, raw);
            var id = (string)t!["id"]!;
            var (accept, decline) = await RaceAsync(
                () => Send(client, HttpMethod.Post, $"{Transfers}/{id}/accept", new { currentEmployeeId = s.EmployeeId }),
                () => Send(client, HttpMethod.Post, $"{Transfers}/{id}/decline", new { currentEmployeeId = s.EmployeeId }));
            var (_, after, _) = await s.Client.GetJsonAsync($"{Transfers}/{id}");
            if (accept.Item1 == 200)
            {
                Assert.Equal((400, Error("status", "Only a PENDING transfer can be declined.")), decline);
                Assert.Equal("ACCEPTED", (string)after!["status"]!);
            }
            else
            {
                Assert.Equal((400, Error("status", "Only a PENDING transfer can be accepted.")), accept);
                Assert.Equal(200, decline.Item1);
                Assert.Equal("DECLINED", (string)after!["status"]!);
            }
        }
    }

    [Fact]
    public async Task Accept_racing_a_replace_of_one_transfer_keeps_the_reservation_of_the_logs_that_stayed()
    {
        var s = await app.NewStoreAsync();
        await using var live = new LiveServer(app);
        var client = LiveClient(live, s.Client);
        var (acceptedFirst, replacedFirst) = (0, 0);
        for (var round = 0; round < Rounds; round++)
        {
            var (product, batch) = await app.StockAsync(s, 10);
            object Logs(int amount) => new
            {
                fromInventoryId = s.FrontRoomId, toInventoryId = s.VaultId, currentEmployeeId = s.EmployeeId,
                transferLogs = new[] { new { productId = product, fromBatchId = batch, transferAmount = amount } },
            };
            var (created, t, raw) = await s.Client.PostJsonAsync(Transfers, Logs(2));
            Assert.True(created == 200, raw);
            var id = (string)t!["id"]!;
            var (accept, replace) = await RaceAsync(
                () => Send(client, HttpMethod.Post, $"{Transfers}/{id}/accept", new { currentEmployeeId = s.EmployeeId }),
                () => Send(client, HttpMethod.Put, $"{Transfers}/{id}", Logs(5)));
            Assert.True(accept.Item1 == 200, $"round {round}: accept → {accept.Item1} {accept.Item2}");
            // A replace after the accept is refused and the accepted logs (2) stay reserved; before it, its 5 are.
            string expected;
            if (replace.Item1 == 200) { replacedFirst++; expected = "5"; }
            else
            {
                acceptedFirst++;
                expected = "2";
                Assert.Equal((400, Error("status", "Only a PENDING transfer can be updated.")), replace);
            }
            var (_, after, _) = await s.Client.GetJsonAsync($"{Transfers}/{id}");
            Assert.Equal(expected, after!["transferLogs"]![0]!["transferAmount"].Json());
            Assert.Equal(("10", expected), await QuantityAsync(s, product, s.FrontRoomId));
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{app.Provider}: accepted first {acceptedFirst}, replaced first {replacedFirst}");
    }

    [Fact]
    public async Task A_transfer_reserving_stock_racing_a_quantity_edit_of_the_same_batch_and_room_loses_neither()
    {
        var s = await app.NewStoreAsync();
        await using var live = new LiveServer(app);
        var client = LiveClient(live, s.Client);
        var admin = LiveClient(live, app.AdminClient());
        for (var round = 0; round < Rounds; round++)
        {
            var (product, batch) = await app.StockAsync(s, 10);
            var (create, edit) = await RaceAsync(
                () => Send(client, HttpMethod.Post, Transfers, new
                {
                    fromInventoryId = s.FrontRoomId, toInventoryId = s.VaultId, currentEmployeeId = s.EmployeeId,
                    transferLogs = new[] { new { productId = product, fromBatchId = batch, transferAmount = 4 } },
                }),
                () => Send(admin, HttpMethod.Put, "/admin/v1/store/batch-quantities", new { shop_id = s.ShopId, batch_id = batch, inventory_id = s.FrontRoomId, quantity = 20 }));
            Assert.True(create.Item1 == 200, $"round {round}: create → {create.Item1} {create.Item2}");
            Assert.True(edit.Item1 == 200, $"round {round}: edit → {edit.Item1} {edit.Item2}");
            // Both stay true in either order: the edit's 20 on hand and the transfer's 4 reserved.
            Assert.Equal(("20", "4"), await QuantityAsync(s, product, s.FrontRoomId));
        }
    }

    [Fact]
    public async Task The_worker_applying_an_accepted_transfer_racing_a_quantity_edit_of_its_room_keeps_both()
    {
        var s = await app.NewStoreAsync();
        await using var live = new LiveServer(app);
        var admin = LiveClient(live, app.AdminClient());
        // The worker applies every accepted transfer in the database: first those other tests of this class left.
        await app.ProcessTransfersAsync();
        var (editedFirst, appliedFirst) = (0, 0);
        for (var round = 0; round < Rounds; round++)
        {
            var (product, batch) = await app.StockAsync(s, 10);
            var (created, t, raw) = await s.Client.PostJsonAsync(Transfers, new
            {
                fromInventoryId = s.FrontRoomId, toInventoryId = s.VaultId, currentEmployeeId = s.EmployeeId,
                transferLogs = new[] { new { productId = product, fromBatchId = batch, transferAmount = 4 } },
            });
            Assert.True(created == 200, raw);
            var id = (string)t!["id"]!;
            var (accepted, _, acceptRaw) = await s.Client.PostJsonAsync($"{Transfers}/{id}/accept", new { currentEmployeeId = s.EmployeeId });
            Assert.True(accepted == 200, acceptRaw);

            var (apply, edit) = await RaceAsync(
                async () => (await app.ProcessTransfersAsync(), ""),
                () => Send(admin, HttpMethod.Put, "/admin/v1/store/batch-quantities", new { shop_id = s.ShopId, batch_id = batch, inventory_id = s.FrontRoomId, quantity = 20 }));
            Assert.True(apply.Item1 == 1, $"round {round}: the worker applied {apply.Item1} transfers (a failure is logged and rolled back)");
            Assert.True(edit.Item1 == 200, $"round {round}: edit → {edit.Item1} {edit.Item2}");
            // The edit answered what it left in the room: 20 with the 4 still reserved (the worker then moved them out
            // of its 20), or 20 with nothing reserved (the worker had moved them out of the 10 before).
            var editSawReservation = System.Text.Json.Nodes.JsonNode.Parse(edit.Item2)!["committedQty"].Json() switch
            {
                "4" => true,
                "0" => false,
                var other => throw new Xunit.Sdk.XunitException($"round {round}: the edit answered committedQty {other}"),
            };
            if (editSawReservation) editedFirst++; else appliedFirst++;
            var (front, moved) = editSawReservation ? ("16", "20") : ("20", "10");
            Assert.Equal((front, "0"), await QuantityAsync(s, product, s.FrontRoomId));
            Assert.Equal(("4", "0"), await QuantityAsync(s, product, s.VaultId));
            var (_, after, _) = await s.Client.GetJsonAsync($"{Transfers}/{id}");
            Assert.True((bool)after!["completeTransfer"]!, after.ToJsonString());
            var log = after["transferLogs"]![0]!;
            Assert.Equal((moved, decimal.Parse(moved) - 4 + ""), (log["origFromQty"].Json(), log["finalFromQty"].Json()));
            var (_, shown, _) = await s.Client.GetJsonAsync($"/api/v1/partner/store/batches?batchId={batch}");
            Assert.Equal(decimal.Parse(front) + 4 + "", shown!["values"]![0]!["quantity"].Json());
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{app.Provider}: edited first {editedFirst}, applied first {appliedFirst}");
    }

    [Theory]
    [InlineData("partners", "partner_key")]
    [InlineData("developer-keys", "developer_key")]
    public async Task Rotating_a_key_racing_its_revocation_never_brings_it_back(string kind, string field)
    {
        await using var live = new LiveServer(app);
        var admin = LiveClient(live, app.AdminClient());
        var (rotatedFirst, revokedFirst) = (0, 0);
        for (var round = 0; round < Rounds; round++)
        {
            var s = await app.NewStoreAsync();
            var id = await app.KeyIdAsync(kind, s);
            var (rotate, revoke) = await RaceAsync(
                () => Send(admin, HttpMethod.Post, $"/admin/v1/{kind}/{id}/rotate", new { }),
                () => Send(admin, HttpMethod.Post, $"/admin/v1/{kind}/{id}/revoke", new { }));
            Assert.True(revoke.Item1 == 204, $"round {round}: revoke → {revoke.Item1} {revoke.Item2}");
            // The key stays revoked in either order; a rotation acknowledged first left the key it showed, revoked.
            var row = await app.WithDbAsync(db => Task.FromResult(kind == "partners"
                ? db.Partners.Where(p => p.Id == id).Select(p => new { p.Revoked, p.KeyHash }).Single()
                : db.DeveloperKeys.Where(k => k.Id == id).Select(k => new { k.Revoked, k.KeyHash }).Single()));
            Assert.True(row.Revoked, $"round {round}: the revoked key is live again");
            if (rotate.Item1 == 200)
            {
                rotatedFirst++;
                var key = (string)System.Text.Json.Nodes.JsonNode.Parse(rotate.Item2)![field]!;
                Assert.Equal(Secrets.Hash(key), row.KeyHash);
            }
            else
            {
                revokedFirst++;
                Assert.Equal(400, rotate.Item1);
                Assert.Equal("""{"id":["A revoked key cannot be rotated."]}""", System.Text.Json.Nodes.JsonNode.Parse(rotate.Item2)!["errors"].Json());
            }
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{app.Provider}: rotated first {rotatedFirst}, revoked first {revokedFirst}");
    }
}

public sealed class StoreRaceTestsOnSqlite(SqliteApp app) : StoreRaceTests(app), IClassFixture<SqliteApp>;
public sealed class StoreRaceTestsOnPostgres(PostgresApp app) : StoreRaceTests(app), IClassFixture<PostgresApp>;
