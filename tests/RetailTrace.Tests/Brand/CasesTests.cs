using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.BrandApi;

public abstract class CasesTests(AppFixture app)
{
    [Fact]
    public async Task Minting_returns_201_with_new_lucid_ids_per_part_and_a_minted_event_each()
    {
        var b = await app.NewBrandAsync();
        var (_, _, first) = await b.NewPackagedAsync();
        var (_, _, second) = await b.NewPackagedAsync();
        var (status, body, raw) = await b.Client.PostJsonAsync("/api/v1.5/cases/create/", new
        {
            contents = new object[] { new { packaged_product_uuid = first, quantity = 3 }, new { packaged_product_uuid = second, quantity = "2" } },
        });
        Assert.Equal(201, status);
        var caseUuid = (string)body!["case_uuid"]!;
        var parts = body["contents"]!.AsArray();
        Assert.Equal([first, second], parts.Select(p => (string)p!["packaged_product_uuid"]!));
        var ids = parts.Select(p => p!["lucid_ids"]!.AsArray().Select(i => (string)i!).ToList()).ToList();
        Assert.Equal([3, 2], ids.Select(i => i.Count));
        Assert.All(ids, part => Assert.Equal(part.Order(StringComparer.Ordinal), part));
        Assert.Equal($$"""{"case_uuid":"{{caseUuid}}","contents":[{"packaged_product_uuid":"{{first}}","lucid_ids":["{{string.Join("\",\"", ids[0])}}"]},{"packaged_product_uuid":"{{second}}","lucid_ids":["{{string.Join("\",\"", ids[1])}}"]}]}""", raw);

        var caseId = ShortUuid.Decode(caseUuid);
        var stored = await app.WithDbAsync(async db => new
        {
            Items = await db.LucidItems.Where(i => i.CaseId == caseId).ToListAsync(),
            Events = await db.ItemEvents.Where(e => e.Units.Any(u => db.LucidItems.Any(i => i.CaseId == caseId && i.Id == u.ItemId)))
                .Select(e => new { e.Type, Units = e.Units.Count }).ToListAsync(),
            Case = await db.Cases.SingleAsync(c => c.Id == caseId),
        });
        Assert.Equal(ids.SelectMany(i => i).Order(StringComparer.Ordinal), stored.Items.Select(i => ShortUuid.Encode(i.Id)).Order(StringComparer.Ordinal));
        Assert.All(stored.Items, i => Assert.Equal((ItemStates.Minted, ShortUuid.Decode(b.BrandUuid), (Guid?)null), (i.State, i.BrandId, i.DispensaryId)));
        Assert.Equal(3, stored.Items.Count(i => i.PackagedProductId == ShortUuid.Decode(first)));
        Assert.Equal([(ItemEventTypes.Minted, 5)], stored.Events.Select(e => (e.Type, e.Units)));
        Assert.Equal(ShortUuid.Decode(b.BrandUuid), stored.Case.BrandId);
    }

    [Fact]
    public async Task Minting_ten_thousand_lucid_ids_is_one_fast_request()
    {
        var b = await app.NewBrandAsync();
        var (_, _, packaged) = await b.NewPackagedAsync();
        var request = new { contents = new[] { new { packaged_product_uuid = packaged, quantity = 10_000 } } };
        var clock = Stopwatch.StartNew();
        var (status, body, _) = await b.Client.PostJsonAsync("/api/v1.5/cases/create/", request);
        var first = clock.ElapsedMilliseconds;
        clock.Restart();
        var (again, _, _) = await b.Client.PostJsonAsync("/api/v1.5/cases/create/", request);
        Assert.Equal((201, 201), (status, again));
        TestContext.Current.TestOutputHelper?.WriteLine($"Minting 10,000 LucidIDs on {app.Provider}: first {first} ms, second {clock.ElapsedMilliseconds} ms");
        var ids = body!["contents"]![0]!["lucid_ids"]!.AsArray().Select(i => (string)i!).ToList();
        Assert.Equal(10_000, ids.Distinct().Count());
        var caseId = ShortUuid.Decode((string)body["case_uuid"]!);
        var (items, events) = await app.WithDbAsync(async db => (
            await db.LucidItems.CountAsync(i => i.CaseId == caseId),
            await db.ItemEventUnits.CountAsync(u => db.LucidItems.Any(i => i.CaseId == caseId && i.Id == u.ItemId)
                && db.ItemEvents.Any(e => e.Id == u.EventId && e.Type == ItemEventTypes.Minted))));
        Assert.Equal((10_000, 10_000), (items, events));
    }

    [Fact]
    public async Task Case_detail_lists_parts_and_where_each_is_imported()
    {
        var b = await app.NewBrandAsync();
        var (_, _, first) = await b.NewPackagedAsync();
        var (_, _, second) = await b.NewPackagedAsync();
        var minted = await b.Client.CreatedAsync("/api/v1.5/cases/create/", new
        {
            contents = new[] { new { packaged_product_uuid = first, quantity = 2 }, new { packaged_product_uuid = second, quantity = 1 } },
        });
        var caseUuid = (string)minted["case_uuid"]!;
        var dispensary = await app.NewDispensaryAsync();
        await app.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var uid = new PosPackageUid { Id = Guid.NewGuid(), DispensaryId = ShortUuid.Decode(dispensary.Uuid), PackageUid = "PKG-001", PosInventoryId = "INV-1", CreatedAt = now, UpdatedAt = now };
            var catalog = new CatalogProduct { Id = Guid.NewGuid(), DispensaryId = uid.DispensaryId, PosProductId = "POS-1", UpdatedAt = now };
            db.AddRange(uid, catalog, new InventoryPackage
            {
                Id = Guid.NewGuid(), DispensaryId = uid.DispensaryId, PosPackageUidId = uid.Id, CaseId = ShortUuid.Decode(caseUuid),
                PackagedProductId = ShortUuid.Decode(first), CatalogProductId = catalog.Id, ImportedAt = now,
            });
            await db.SaveChangesAsync();
        });

        var (status, _, raw) = await b.Client.GetJsonAsync($"/api/v1.5/cases/{caseUuid}/");
        Assert.Equal(200, status);
        string Ids(string pp) => string.Join(",", minted["contents"]!.AsArray().Single(p => (string)p!["packaged_product_uuid"]! == pp)!["lucid_ids"]!.AsArray().Select(i => $"\"{(string)i!}\""));
        var parts = new[]
        {
            $$$"""{"packaged_product_uuid":"{{{first}}}","lucid_ids":[{{{Ids(first)}}}],"imported":{"dispensary_uuid":"{{{dispensary.Uuid}}}","package_uid":"PKG-001"}}""",
            $$"""{"packaged_product_uuid":"{{second}}","lucid_ids":[{{Ids(second)}}],"imported":null}""",
        }.OrderBy(p => p[26..48], StringComparer.Ordinal);
        Assert.Equal($$"""{"case_uuid":"{{caseUuid}}","contents":[{{string.Join(",", parts)}}]}""", raw);
    }

    [Fact]
    public async Task Unknown_cases_are_not_found()
    {
        var b = await app.NewBrandAsync();
        foreach (var id in new[] { ShortUuid.NewId(), "short" })
        {
            var (status, _, raw) = await b.Client.GetJsonAsync($"/api/v1.5/cases/{id}/");
            Assert.Equal(404, status);
            Assert.Equal("""{"detail":"Not found."}""", raw);
        }
    }

    [Theory]
    [InlineData("""{}""", """{"contents":["This field is required."]}""")]
    [InlineData("""{"contents":null}""", """{"contents":["This field may not be null."]}""")]
    [InlineData("""{"contents":"x"}""", """{"contents":{"non_field_errors":["Expected a list of items but got type \"str\"."]}}""")]
    [InlineData("""{"contents":[]}""", """{"contents":{"non_field_errors":["This list may not be empty."]}}""")]
    [InlineData("""{"contents":[1]}""", """{"contents":[{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}]}""")]
    [InlineData("""{"contents":[{"packaged_product_uuid":"bad","quantity":1.5}]}""", """{"contents":[{"packaged_product_uuid":["Enter a valid ShortUUID."],"quantity":["A valid integer is required."]}]}""")]
    [InlineData("""{"contents":[{"packaged_product_uuid":"2222222222222222222222"}]}""", """{"contents":[{"quantity":["This field is required."]}]}""")]
    [InlineData("""{"contents":[{"packaged_product_uuid":"2222222222222222222222","quantity":0}]}""", """{"contents":[{"quantity":["Ensure this value is greater than or equal to 1."]}]}""")]
    [InlineData("""{"contents":[{"packaged_product_uuid":"2222222222222222222222","quantity":1e30}]}""", """{"contents":[{"quantity":["A valid integer is required."]}]}""")]
    [InlineData("""{"contents":[{"packaged_product_uuid":"2222222222222222222222","quantity":10001}]}""", """{"contents":[{"quantity":["Ensure this value is less than or equal to 10000."]}]}""")]
    [InlineData("""{"contents":[{"packaged_product_uuid":"2222222222222222222222","quantity":true}]}""", """{"contents":[{"quantity":["A valid integer is required."]}]}""")]
    [InlineData("""{"contents":[{"packaged_product_uuid":"2222222222222222222222","quantity":6000},{"packaged_product_uuid":"2222222222222222222223","quantity":5000}]}""", """{"contents":["A case holds at most 10000 LucidIDs."]}""")]
    [InlineData("""{"contents":[{"packaged_product_uuid":"2222222222222222222222","quantity":1},{"packaged_product_uuid":"2222222222222222222222","quantity":1}]}""", """{"contents":["Each packaged product may appear only once in a case."]}""")]
    public async Task Minting_validates_contents(string request, string expected)
    {
        var b = await app.NewBrandAsync();
        var (status, _, raw) = await b.Client.PostRawAsync("/api/v1.5/cases/create/", request);
        Assert.Equal(400, status);
        Assert.Equal(expected, raw);
    }

    [Fact]
    public async Task Minting_for_unknown_or_foreign_packaged_products_names_them()
    {
        var b = await app.NewBrandAsync();
        var other = await app.NewBrandAsync();
        var (_, _, mine) = await b.NewPackagedAsync();
        var (_, _, theirs) = await other.NewPackagedAsync();
        var (status, _, raw) = await b.Client.PostJsonAsync("/api/v1.5/cases/create/", new
        {
            contents = new[] { new { packaged_product_uuid = mine, quantity = 1 }, new { packaged_product_uuid = theirs, quantity = 1 } },
        });
        Assert.Equal(400, status);
        Assert.Equal($$"""{"contents":[{},{"packaged_product_uuid":["Invalid pk \"{{theirs}}\" - object does not exist."]}]}""", raw);
    }
}

public sealed class CasesTestsOnSqlite(SqliteApp app) : CasesTests(app), IClassFixture<SqliteApp>;
public sealed class CasesTestsOnPostgres(PostgresApp app) : CasesTests(app), IClassFixture<PostgresApp>;
