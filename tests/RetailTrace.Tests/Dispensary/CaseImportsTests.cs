using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;
using static RetailTrace.Tests.Dispensary.DispensaryKit;

namespace RetailTrace.Tests.Dispensary;

public abstract class CaseImportsTests(AppFixture app)
{
    private const string ImportUrl = "/api/v1.2/caseids/import/";
    private const string RemoveUrl = "/api/v1.2/caseids/import/remove/";

    [Fact]
    public async Task Import_without_fields_lists_every_required_field()
    {
        var d = await app.NewDispensaryAsync();
        var (status, raw) = await d.Client.PostAsync(ImportUrl, new { });
        Assert.Equal(400, status);
        Assert.Equal("""{"case_uuid":["This field is required."],"packaged_product_uuid":["This field is required."],"pos_product_id":["This field is required."],"pos_inventory_id":["This field is required."],"package_uid":["This field is required."]}""", raw);
    }

    [Fact]
    public async Task Import_with_malformed_ids_and_blank_strings_answers_field_errors()
    {
        var d = await app.NewDispensaryAsync();
        var (status, raw) = await d.Client.PostAsync(ImportUrl, new { case_uuid = "nope", packaged_product_uuid = 7, pos_product_id = " ", pos_inventory_id = (string?)null, package_uid = "PKG-001" });
        Assert.Equal(400, status);
        Assert.Equal("""{"case_uuid":["Enter a valid ShortUUID."],"packaged_product_uuid":["Enter a valid ShortUUID."],"pos_product_id":["This field may not be blank."],"pos_inventory_id":["This field may not be null."]}""", raw);
    }

    [Fact]
    public async Task Import_of_unknown_case_is_case_not_found()
    {
        var d = await app.NewDispensaryAsync();
        var ghost = ShortUuid.NewId();
        var (status, raw) = await d.Client.PostAsync(ImportUrl, new { case_uuid = ghost, packaged_product_uuid = ShortUuid.NewId(), pos_product_id = "P", pos_inventory_id = "I", package_uid = "PKG-001" });
        Assert.Equal(400, status);
        Assert.Equal($$"""{"detail":"Case not found for case_uuid={{ghost}}."}""", raw);
    }

    [Fact]
    public async Task Import_of_packaged_product_outside_the_case_is_refused()
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(2);
        var other = await app.MintCaseAsync(2);
        var (status, raw) = await d.Client.PostAsync(ImportUrl, new { case_uuid = c.CaseUuid, packaged_product_uuid = other.Parts[0].PackagedProductUuid, pos_product_id = "P", pos_inventory_id = "I", package_uid = "PKG-001" });
        Assert.Equal(400, status);
        Assert.Equal($$"""{"detail":"Packaged product {{other.Parts[0].PackagedProductUuid}} is not part of case {{c.CaseUuid}}."}""", raw);
    }

    [Fact]
    public async Task Import_puts_the_part_into_inventory_and_records_pos_rows()
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(3);
        var (status, raw) = await d.Client.PostAsync(ImportUrl, Import(c, 0, "PKG-001", sku: "SKU-9"));
        Assert.Equal(200, status);
        Assert.Equal($$"""{"case_uuid":"{{c.CaseUuid}}","packaged_product_uuid":"{{c.Parts[0].PackagedProductUuid}}","package_uid":"PKG-001"}""", raw);
        foreach (var id in c.AllLucidIds) Assert.Equal("in_inventory", await d.Client.StateAsync(id));

        var rows = await app.WithDbAsync(async db => new
        {
            Pos = await db.PosPackageUids.SingleAsync(p => p.PackageUid == "PKG-001" && p.DispensaryId == ShortUuid.Decode(d.Uuid)),
            Catalog = await db.CatalogProducts.SingleAsync(p => p.PosProductId == "POS-P1" && p.DispensaryId == ShortUuid.Decode(d.Uuid)),
            Packages = await db.InventoryPackages.CountAsync(p => p.CaseId == ShortUuid.Decode(c.CaseUuid)),
        });
        Assert.Equal("INV-PKG-001", rows.Pos.PosInventoryId);
        Assert.Equal("SKU-9", rows.Catalog.Sku);
        Assert.Equal(ShortUuid.Decode(c.Parts[0].PackagedProductUuid), rows.Catalog.PackagedProductId);
        Assert.Equal(1, rows.Packages);
    }

    [Fact]
    public async Task Import_again_under_the_same_package_uid_is_already_imported()
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(2);
        await d.Client.ImportAsync(c, 0, "PKG-001");
        var (status, raw) = await d.Client.PostAsync(ImportUrl, Import(c, 0, "PKG-001"));
        Assert.Equal(400, status);
        Assert.Equal($$"""{"detail":"Items in CaseID {{c.CaseUuid}} are already imported into inventory PKG-001."}""", raw);
    }

    [Fact]
    public async Task Import_under_another_package_uid_moves_the_part()
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(2);
        await d.Client.ImportAsync(c, 0, "PKG-001");
        var (status, raw) = await d.Client.PostAsync(ImportUrl, Import(c, 0, "PKG-002"));
        Assert.Equal(200, status);
        Assert.Equal($$"""{"case_uuid":"{{c.CaseUuid}}","packaged_product_uuid":"{{c.Parts[0].PackagedProductUuid}}","package_uid":"PKG-002"}""", raw);
        var (_, trace, _) = await d.Client.GetJsonAsync($"/api/v1.2/lucidids/{c.Parts[0].LucidIds[0]}/");
        Assert.Equal("PKG-002", (string)trace!["package_uid"]!);
        // The old package UID stays on record (empty); removing the case from it finds nothing there.
        var (removeStatus, removeRaw) = await d.Client.PostAsync(RemoveUrl, new { case_uuid = c.CaseUuid, package_uid = "PKG-001" });
        Assert.Equal(400, removeStatus);
        Assert.Equal($$"""{"detail":"Case {{c.CaseUuid}} is not imported into package_uid=PKG-001."}""", removeRaw);
    }

    [Fact]
    public async Task Import_of_any_part_held_by_another_dispensary_is_refused()
    {
        var d1 = await app.NewDispensaryAsync();
        var d2 = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(2, 2);
        await d1.Client.ImportAsync(c, 0, "PKG-001");
        foreach (var part in new[] { 0, 1 })
        {
            var (status, raw) = await d2.Client.PostAsync(ImportUrl, Import(c, part, "PKG-001"));
            Assert.Equal(400, status);
            Assert.Equal("""{"detail":"This case has already been scanned for another dispensary."}""", raw);
        }
    }

    [Fact]
    public async Task Multi_part_case_is_imported_part_by_part_into_different_packages()
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(2, 3);
        await d.Client.ImportAsync(c, 0, "PKG-A");
        await d.Client.ImportAsync(c, 1, "PKG-B");
        var (_, a, _) = await d.Client.GetJsonAsync($"/api/v1.2/lucidids/{c.Parts[0].LucidIds[0]}/");
        var (_, b, _) = await d.Client.GetJsonAsync($"/api/v1.2/lucidids/{c.Parts[1].LucidIds[2]}/");
        Assert.Equal("PKG-A", (string)a!["package_uid"]!);
        Assert.Equal("PKG-B", (string)b!["package_uid"]!);
    }

    [Fact]
    public async Task Remove_validates_its_fields()
    {
        var d = await app.NewDispensaryAsync();
        var (status, raw) = await d.Client.PostAsync(RemoveUrl, new { packaged_product_uuid = "x" });
        Assert.Equal(400, status);
        Assert.Equal("""{"case_uuid":["This field is required."],"package_uid":["This field is required."],"packaged_product_uuid":["Enter a valid ShortUUID."]}""", raw);
    }

    [Fact]
    public async Task Remove_from_unknown_package_uid_is_not_found()
    {
        var d = await app.NewDispensaryAsync();
        var other = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(2);
        await other.Client.ImportAsync(c, 0, "PKG-001");
        var (status, raw) = await d.Client.PostAsync(RemoveUrl, new { case_uuid = c.CaseUuid, package_uid = "PKG-001" });
        Assert.Equal(400, status);
        Assert.Equal("""{"detail":"POS Package UID not found for package_uid=PKG-001."}""", raw);
    }

    [Fact]
    public async Task Remove_of_a_case_not_in_the_package_uid_is_refused()
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(2);
        var other = await app.MintCaseAsync(2);
        await d.Client.ImportAsync(c, 0, "PKG-001");
        var (status, raw) = await d.Client.PostAsync(RemoveUrl, new { case_uuid = other.CaseUuid, package_uid = "PKG-001" });
        Assert.Equal(400, status);
        Assert.Equal($$"""{"detail":"Case {{other.CaseUuid}} is not imported into package_uid=PKG-001."}""", raw);
    }

    [Fact]
    public async Task Remove_takes_units_out_of_inventory_and_frees_the_case_for_another_dispensary()
    {
        var d1 = await app.NewDispensaryAsync();
        var d2 = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(3);
        await d1.Client.ImportAsync(c, 0, "PKG-001");
        var (status, _, raw) = await d1.Client.PostJsonAsync(RemoveUrl, new { case_uuid = c.CaseUuid, package_uid = "PKG-001" });
        Assert.Equal(200, status);
        Assert.Equal("", raw);

        var id = c.Parts[0].LucidIds[0];
        var (saleStatus, saleRaw) = await d1.Client.PostAsync("/api/v1.2/transactions/complete/", Sale("after-remove", id));
        Assert.Equal(400, saleStatus);
        Assert.Equal($$"""{"message":"This transaction contains non-imported lucid ids.","non_imported_lucidids":["{{id}}"],"valid_transaction":false}""", saleRaw);

        await d2.Client.ImportAsync(c, 0, "OTHER-1");
        Assert.Equal("in_inventory", await d2.Client.StateAsync(id));
        var (traceStatus, _, _) = await d1.Client.GetJsonAsync($"/api/v1.2/lucidids/{id}/");
        Assert.Equal(404, traceStatus);
        Assert.Equal((200, "{}"), await d2.Client.PostAsync("/api/v1.2/transactions/complete/", Sale("after-reimport", id)));
        Assert.Equal("sold", await d2.Client.StateAsync(id));
    }

    [Fact]
    public async Task An_import_writes_the_part_s_place_onto_every_unit_and_a_move_keeps_its_package()
    {
        // The same rows on every provider: each unit says where it is (ItemStates, LucidItem).
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(4);
        var before = await UnitRowsAsync(c);
        Assert.All(before, u => Assert.Equal(("minted", (Guid?)null, (Guid?)null), (u.State, u.DispensaryId, u.InventoryPackageId)));
        await d.Client.ImportAsync(c, 0, "PKG-001");
        var imported = await UnitRowsAsync(c);
        await d.Client.ImportAsync(c, 0, "PKG-002");
        var moved = await UnitRowsAsync(c);
        var package = await app.WithDbAsync(db => db.InventoryPackages.SingleAsync(ip => ip.CaseId == ShortUuid.Decode(c.CaseUuid)));
        Assert.All(imported, u => Assert.Equal(("in_inventory", (Guid?)package.DispensaryId, (Guid?)package.Id), (u.State, u.DispensaryId, u.InventoryPackageId)));
        Assert.Equal(imported, moved);
        foreach (var id in c.AllLucidIds) Assert.Equal("in_inventory", await d.Client.StateAsync(id));
        var (_, trace, _) = await d.Client.GetJsonAsync($"/api/v1.2/lucidids/{c.AllLucidIds.First()}/");
        Assert.Equal("PKG-002", (string?)trace!["package_uid"]);
    }

    private Task<List<(Guid Id, string State, Guid? DispensaryId, Guid? InventoryPackageId)>> UnitRowsAsync(MintedCase c) =>
        app.WithDbAsync(async db =>
        {
            var caseId = ShortUuid.Decode(c.CaseUuid);
            var rows = await db.LucidItems.AsNoTracking().Where(i => i.CaseId == caseId).OrderBy(i => i.Id).ToListAsync();
            return rows.Select(i => (i.Id, i.State, i.DispensaryId, i.InventoryPackageId)).ToList();
        });

    [Fact]
    public async Task Remove_of_one_part_keeps_the_other_and_the_claim()
    {
        var d1 = await app.NewDispensaryAsync();
        var d2 = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(2, 2);
        await d1.Client.ImportAsync(c, 0, "PKG-001");
        await d1.Client.ImportAsync(c, 1, "PKG-001");
        var (status, _) = await d1.Client.PostAsync(RemoveUrl, new { case_uuid = c.CaseUuid, package_uid = "PKG-001", packaged_product_uuid = c.Parts[0].PackagedProductUuid });
        Assert.Equal(200, status);
        Assert.Equal("in_inventory", await d1.Client.StateAsync(c.Parts[1].LucidIds[0]));
        var (refused, refusedRaw) = await d2.Client.PostAsync(ImportUrl, Import(c, 0, "X"));
        Assert.Equal(400, refused);
        Assert.Equal("""{"detail":"This case has already been scanned for another dispensary."}""", refusedRaw);

        var (again, _) = await d1.Client.PostAsync(RemoveUrl, new { case_uuid = c.CaseUuid, package_uid = "PKG-001" });
        Assert.Equal(200, again);
        await d2.Client.ImportAsync(c, 0, "X");
    }

    [Fact]
    public async Task Sold_units_stay_sold_through_remove_and_reimport()
    {
        var d1 = await app.NewDispensaryAsync();
        var d2 = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(2);
        await d1.Client.ImportAsync(c, 0, "PKG-001");
        var sold = c.Parts[0].LucidIds[0];
        Assert.Equal(200, (await d1.Client.PostAsync("/api/v1.2/transactions/complete/", Sale("o-1", sold))).Status);
        Assert.Equal(200, (await d1.Client.PostAsync(RemoveUrl, new { case_uuid = c.CaseUuid, package_uid = "PKG-001" })).Status);
        await d2.Client.ImportAsync(c, 0, "OTHER-1");
        Assert.Equal("sold", await d1.Client.StateAsync(sold));
        Assert.Equal("in_inventory", await d2.Client.StateAsync(c.Parts[0].LucidIds[1]));
        // A return after the package is gone does not put the unit into anyone's inventory.
        Assert.Equal(200, (await d1.Client.PostAsync("/api/v1.2/transactions/return/", Sale("o-1", sold))).Status);
        Assert.Equal("removed", await d1.Client.StateAsync(sold));
    }

    [Fact]
    public async Task Endpoints_require_a_dispensary_token()
    {
        await AssertDispensaryOnlyAsync(app, ImportUrl, RemoveUrl, ImportUrl);
    }
}

public sealed class CaseImportsTestsOnSqlite(SqliteApp app) : CaseImportsTests(app), IClassFixture<SqliteApp>;

public sealed class CaseImportsTestsOnPostgres(PostgresApp app) : CaseImportsTests(app), IClassFixture<PostgresApp>;
