using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Crash;

/// <summary>The real server process killed with SIGKILL mid-work, then started again on the same database.</summary>
public abstract class CrashTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    protected abstract DatabaseProvider Provider { get; }

    [Fact]
    public async Task Every_acknowledged_admin_write_survives_a_kill_during_a_burst()
    {
        await using var server = await ServerProcess.StartAsync(Provider);
        using var http = server.Admin();

        var acknowledged = new ConcurrentBag<string>();
        var burst = Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
        {
            for (var i = 0; i < 200; i++)
            {
                try
                {
                    var (status, body, _) = await http.PostJsonAsync("/admin/v1/brands", new { name = $"crash-{worker}-{i}" });
                    if (status == 201) acknowledged.Add((string)body!["uuid"]!);
                }
                catch (HttpRequestException) { return; } // the server is gone
                catch (TaskCanceledException) { return; }
            }
        }));
        // Kill while the burst is in full flight: after some writes were acknowledged, well before all 1,600.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (acknowledged.Count < 50 && DateTime.UtcNow < deadline) await Task.Delay(10, Ct);
        await server.KillAsync();
        await burst;
        Assert.NotEmpty(acknowledged);

        await server.StartAsync();
        Assert.True(acknowledged.Count < 1600, "the kill came after the burst had finished");
        // Brands have no read endpoint: binding an OAuth client to each proves it exists after the restart.
        foreach (var uuid in acknowledged)
        {
            var (status, body, raw) = await http.PostJsonAsync("/admin/v1/oauth-clients", new { name = "probe", brand_uuids = new[] { uuid }, default_brand_uuid = uuid });
            Assert.True(status == 201, $"acknowledged brand {uuid} is missing after the crash: {raw}");
            Assert.Equal(uuid, (string)body!["default_brand_uuid"]!);
        }
    }

    [Fact]
    public async Task Every_acknowledged_sale_survives_a_kill_during_a_transaction_burst_and_nothing_is_half_written()
    {
        await using var server = await ServerProcess.StartAsync(Provider);
        var (dispensary, pos, ids) = await server.StockedDispensaryAsync(600);
        // 200 orders of 3 distinct items each, sent by 6 POS lanes at once.
        var orders = ids.Chunk(3).Select((items, i) => (Order: $"ORDER-{i}", Items: items)).ToList();
        var acknowledged = new ConcurrentBag<string>();
        var next = -1;
        var burst = Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var i && i < orders.Count)
            {
                try
                {
                    var (status, _, raw) = await pos.PostJsonAsync("/api/v1.2/transactions/complete/",
                        new { order_id = orders[i].Order, performed_at = "2024-05-01T12:00:00Z", items = orders[i].Items });
                    Assert.True(status == 200, raw);
                    acknowledged.Add(orders[i].Order);
                }
                catch (HttpRequestException) { return; }
                catch (TaskCanceledException) { return; }
            }
        }));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (acknowledged.Count < 20 && DateTime.UtcNow < deadline) await Task.Delay(5, Ct);
        await server.KillAsync();
        await burst;
        Assert.True(acknowledged.Count is > 0 and < 200, $"the kill did not land mid-burst ({acknowledged.Count} of 200 acknowledged)");

        await server.StartAsync();
        var dispensaryId = ShortUuid.Decode(dispensary);
        var sent = orders.ToDictionary(o => o.Order, o => o.Items.Select(ShortUuid.Decode).ToHashSet());
        await server.WithDbAsync(async db =>
        {
            var sales = await db.ItemEvents.AsNoTracking().Where(e => e.DispensaryId == dispensaryId && e.Type == ItemEventTypes.Sold)
                .Select(e => new { e.Id, e.OrderId, Units = e.Units.Select(u => u.ItemId).ToList() }).ToListAsync(Ct);
            var recorded = sales.ToDictionary(t => t.OrderId!);
            foreach (var order in acknowledged) Assert.True(recorded.ContainsKey(order), $"acknowledged {order} was lost");
            var itemIds = sent.Values.SelectMany(x => x).ToList();
            var items = await db.LucidItems.AsNoTracking().Where(i => itemIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, Ct);
            foreach (var (order, expected) in sent)
            {
                if (recorded.TryGetValue(order, out var sale))
                {
                    // Recorded (acknowledged or not): one sold event listing every item, each sold by it.
                    Assert.Equal(expected.Order(), sale.Units.Order());
                    foreach (var id in expected)
                        Assert.True(items[id].State == ItemStates.Sold && items[id].SaleEventId == sale.Id, $"{order}: item {id} is {items[id].State}");
                }
                else
                {
                    // Not recorded: not a trace of it anywhere; the unit is in inventory as the import left it.
                    foreach (var id in expected)
                        Assert.True(items[id].State == ItemStates.InInventory && items[id].SaleEventId is null, $"unrecorded {order}: item {id} is {items[id].State}");
                }
            }
            return true;
        });

        // The POS retries whatever it did not see acknowledged: new ones succeed, ones that committed unseen are "already processed".
        foreach (var (order, items) in orders.Where(o => !acknowledged.Contains(o.Order)))
        {
            var (status, body, raw) = await pos.PostJsonAsync("/api/v1.2/transactions/complete/", new { order_id = order, performed_at = "2024-05-01T12:00:00Z", items });
            Assert.True(status == 200 || (status == 400 && body.Json() == """{"message":"This transaction has already been processed."}"""), raw);
        }
        var soldCount = await server.WithDbAsync(db => db.LucidItems.CountAsync(i => i.DispensaryId == dispensaryId && i.State == ItemStates.Sold, Ct));
        Assert.Equal(600, soldCount);
    }

    [Fact]
    public async Task A_kill_during_export_generation_leaves_no_visible_file_and_the_export_finishes_after_restart()
    {
        const int units = 200_000;
        var exportDir = TempDirs.New("crash-export-");
        await using var server = await ServerProcess.StartAsync(Provider, new Dictionary<string, string>
        {
            ["ObjectStore:LocalPath"] = exportDir, ["Exports:PollSeconds"] = "1", ["Exports:LeaseSeconds"] = "10",
        });
        var admin = server.Admin();
        var dispensary = (string)(await admin.CreatedAsync("/admin/v1/dispensaries", new { name = "Big", export_time = "00:00" }))["uuid"]!;
        var pos = await server.BearerAsync(await admin.CreatedAsync("/admin/v1/oauth-clients", new { name = "POS", dispensary_uuid = dispensary }));
        var (caseId, expected) = await server.WithDbAsync(db => BulkImportAsync(db, ShortUuid.Decode(dispensary), units));

        // Enabling makes the export due at once (00:00 UTC has passed); the scheduler polls every second.
        var (patched, _, patchRaw) = await admin.SendAsync(HttpMethod.Patch, $"/admin/v1/dispensaries/{dispensary}", new { package_uid_export_enabled = true });
        Assert.True(patched == 200, patchRaw);
        var tmp = Path.Combine(exportDir, ".tmp");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!(Directory.Exists(tmp) && Directory.EnumerateFiles(tmp).Any()) && DateTime.UtcNow < deadline) await Task.Delay(2, Ct);
        await server.KillAsync();
        Assert.True(Directory.Exists(tmp) && Directory.EnumerateFiles(tmp).Any(), "the export never started writing");
        Assert.Empty(PublishedFiles(exportDir));
        var status = await server.WithDbAsync(db => db.ExportRuns.AsNoTracking().Select(r => r.Status).SingleAsync(Ct));
        Assert.Equal(ExportStatuses.InProgress, status);

        // After the restart the dead claim goes stale (lease 10 s) and the scheduler generates the export again.
        await server.StartAsync();
        var (code, body, raw) = await pos.GetJsonAsync("/api/v1.2/package-uids-export/");
        Assert.True(code == 202, raw);
        deadline = DateTime.UtcNow.AddSeconds(40);
        while (code == 202 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250, Ct);
            (code, body, raw) = await pos.GetJsonAsync("/api/v1.2/package-uids-export/");
        }
        Assert.True(code == 200, raw);
        using var download = server.Client();
        var file = JsonNode.Parse(await download.GetStringAsync(new Uri((string)body!["export_url"]!).PathAndQuery, Ct))!;
        var lucidIds = file["PKG-BIG"]![ShortUuid.Encode(caseId)]!.AsArray().Select(n => (string)n!).ToList();
        Assert.Equal(expected, lucidIds);
        Assert.Single(PublishedFiles(exportDir));
    }

    [Fact]
    public async Task Stock_moves_exactly_once_when_the_server_is_killed_right_after_transfers_are_accepted()
    {
        await using var server = await ServerProcess.StartAsync(Provider, new Dictionary<string, string>
        {
            ["Store:TransferWorker:Enabled"] = "true", ["Store:TransferWorker:PollSeconds"] = "0.1",
        });
        var admin = server.Admin();
        var company = (string)(await admin.CreatedAsync("/admin/v1/companies", new { name = "Crash Co" }))["id"]!;
        var shop = (string)(await admin.CreatedAsync("/admin/v1/shops", new { company_id = company, name = "Shop" }))["id"]!;
        var front = (string)(await admin.CreatedAsync("/admin/v1/inventories", new { shop_id = shop, name = "Front" }))["id"]!;
        var vault = (string)(await admin.CreatedAsync("/admin/v1/inventories", new { shop_id = shop, name = "Vault" }))["id"]!;
        var employee = (string)(await admin.CreatedAsync("/admin/v1/employees", new { company_id = company, first_name = "Ada", last_name = "B" }))["id"]!;
        var partnerKey = (string)(await admin.CreatedAsync("/admin/v1/partners", new { name = "P" }))["partner_key"]!;
        var devKey = (string)(await admin.CreatedAsync("/admin/v1/developer-keys", new { shop_id = shop }))["developer_key"]!;
        var product = (string)(await admin.CreatedAsync("/admin/v1/store/products", new { shop_id = shop, name = "Blue Dream" }))["id"]!;
        var batch = (string)(await admin.CreatedAsync("/admin/v1/store/batches", new { shop_id = shop, productId = product }))["id"]!;
        var (set, _, setRaw) = await admin.SendAsync(HttpMethod.Put, "/admin/v1/store/batch-quantities", new { shop_id = shop, batch_id = batch, inventory_id = front, quantity = 1000 });
        Assert.True(set == 200, setRaw);
        var store = server.Client();
        store.DefaultRequestHeaders.Add("partner_key", partnerKey);
        store.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", devKey);

        var transfers = new List<string>();
        for (var i = 0; i < 30; i++)
            transfers.Add((string)(await store.CreatedAsync("/api/v1/partner/store/batches/transferInventory/", new
            {
                fromInventoryId = front, toInventoryId = vault, currentEmployeeId = employee,
                transferLogs = new[] { new { productId = product, fromBatchId = batch, transferAmount = 7 } },
            }))["id"]!);
        // Accept all at once and kill as soon as the first accept is acknowledged: the worker is mid-flight.
        var acknowledged = 0;
        var accepts = Task.WhenAll(transfers.Select(async id =>
        {
            try
            {
                var (status, _, _) = await store.PostJsonAsync($"/api/v1/partner/store/batches/transferInventory/{id}/accept", new { currentEmployeeId = employee });
                if (status == 200) Interlocked.Increment(ref acknowledged);
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
        }));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (Volatile.Read(ref acknowledged) == 0 && DateTime.UtcNow < deadline) await Task.Delay(1, Ct);
        await server.KillAsync();
        await accepts;
        Assert.True(acknowledged > 0, "no accept was acknowledged before the kill");

        await server.StartAsync();
        var accepted = new List<string>();
        deadline = DateTime.UtcNow.AddSeconds(20);
        foreach (var id in transfers)
        {
            JsonNode? view;
            do
            {
                var (code, body, raw) = await store.GetJsonAsync($"/api/v1/partner/store/batches/transferInventory/{id}");
                Assert.True(code == 200, raw);
                view = body;
                if ((string)view!["status"]! != "ACCEPTED" || (bool)view["completeTransfer"]!) break;
                await Task.Delay(100, Ct);
            }
            while (DateTime.UtcNow < deadline);
            var status = (string)view!["status"]!;
            if (status == "ACCEPTED")
            {
                Assert.True((bool)view["completeTransfer"]! && !(bool)view["processing"]!, $"transfer {id} was never applied");
                accepted.Add(id);
            }
            else Assert.Equal("PENDING", status);
        }
        Assert.True(accepted.Count >= acknowledged);
        var moved = 7 * accepted.Count;
        var reserved = 7 * (transfers.Count - accepted.Count);
        Assert.Equal((1000m - moved, (decimal)reserved), await QuantityAsync(store, front, batch));
        Assert.Equal(((decimal)moved, 0m), await QuantityAsync(store, vault, batch));
    }

    private static async Task<(decimal Quantity, decimal Committed)> QuantityAsync(HttpClient store, string inventory, string batch)
    {
        var (status, body, raw) = await store.GetJsonAsync($"/api/v1/partner/store/batches/quantities?inventoryId={inventory}");
        Assert.True(status == 200, raw);
        var row = body!["values"]!.AsArray().Single(r => (string)r!["batchId"]! == batch)!;
        return ((decimal)row["quantity"]!, (decimal)row["committedQty"]!);
    }

    private static IEnumerable<string> PublishedFiles(string exportDir) =>
        Directory.EnumerateFiles(exportDir, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(exportDir, f).StartsWith(".tmp", StringComparison.Ordinal) && Path.GetFileName(f) != ".signing-key");

    /// <summary>
    /// One case of <paramref name="units"/> LucidIDs imported under PKG-BIG, inserted set-based (the API would take minutes):
    /// returns the case and its LucidIDs in export order.
    /// </summary>
    private static async Task<(Guid Case, List<string> LucidIds)> BulkImportAsync(AppDb db, Guid dispensaryId, int units)
    {
        var now = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var brand = new Brand { Id = Guid.NewGuid(), Name = "Big Brand", CreatedAt = now };
        var product = new Product { Id = Guid.NewGuid(), BrandId = brand.Id, Name = "Gummies", UpdatedOn = now };
        var batch = new Batch { Id = Guid.NewGuid(), BrandId = brand.Id, Name = "Batch", UpdatedOn = now };
        var packaged = new PackagedProduct { Id = Guid.NewGuid(), BatchId = batch.Id, BrandId = brand.Id, ProductId = product.Id, UpdatedOn = now };
        var @case = new Case { Id = Guid.NewGuid(), BrandId = brand.Id, CreatedAt = now };
        var uid = new PosPackageUid { Id = Guid.NewGuid(), DispensaryId = dispensaryId, PackageUid = "PKG-BIG", PosInventoryId = "INV-BIG", CreatedAt = now, UpdatedAt = now };
        var catalog = new CatalogProduct { Id = Guid.NewGuid(), DispensaryId = dispensaryId, PosProductId = "POS-BIG", PackagedProductId = packaged.Id, UpdatedAt = now };
        var package = new InventoryPackage
        {
            Id = Guid.NewGuid(), DispensaryId = dispensaryId, PosPackageUidId = uid.Id, CaseId = @case.Id, PackagedProductId = packaged.Id, CatalogProductId = catalog.Id, ImportedAt = now,
        };
        db.AddRange(brand, product, batch, packaged, @case, uid, catalog, package);
        await db.SaveChangesAsync(Ct);

        // Item ids <prefix>-0000-4000-8000-<n as 12 hex digits>: unique, and their order is n's order.
        var prefix = Guid.NewGuid().ToString("N")[..8];
        var sqlite = db.Database.IsSqlite();
        string G(Guid g) => sqlite ? $"'{g.ToString().ToUpperInvariant()}'" : $"'{g}'";
        var sql = sqlite
            ? $"""
              WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {units})
              INSERT INTO lucid_items (id, case_id, packaged_product_id, brand_id, state, dispensary_id, inventory_package_id)
              SELECT printf('%s-0000-4000-8000-%012X', upper('{prefix}'), i), {G(@case.Id)}, {G(packaged.Id)}, {G(brand.Id)}, 'in_inventory', {G(dispensaryId)}, {G(package.Id)} FROM n
              """
            : $"""
              INSERT INTO lucid_items (id, case_id, packaged_product_id, brand_id, state, dispensary_id, inventory_package_id)
              SELECT ('{prefix}-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, {G(@case.Id)}, {G(packaged.Id)}, {G(brand.Id)}, 'in_inventory', {G(dispensaryId)}, {G(package.Id)}
              FROM generate_series(1, {units}) i
              """;
        await db.Database.ExecuteSqlRawAsync(sql, Ct);
        var ids = Enumerable.Range(1, units).Select(i => ShortUuid.Encode(Guid.Parse($"{prefix}-0000-4000-8000-{i:X12}"))).ToList();
        ids.Sort(StringComparer.Ordinal);
        return (@case.Id, ids);
    }
}

public sealed class CrashTestsOnSqlite : CrashTests { protected override DatabaseProvider Provider => DatabaseProvider.Sqlite; }
public sealed class CrashTestsOnPostgres : CrashTests { protected override DatabaseProvider Provider => DatabaseProvider.Postgres; }
