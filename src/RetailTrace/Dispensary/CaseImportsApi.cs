using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Dispensaries;

public sealed record CaseImportRequest(string CaseUuid, string PackagedProductUuid, string PosProductId, string PosInventoryId, string PackageUid, string? Sku);

public sealed record CaseImportResponse(string CaseUuid, string PackagedProductUuid, string PackageUid);

public sealed record CaseImportRemoveRequest(string CaseUuid, string PackageUid, string? PackagedProductUuid);

/// <summary>
/// POST /api/v1.2/caseids/import/ and /caseids/import/remove/ (seed 000, SPEC §5).
/// Every request is one write transaction that first claims the case row with a conditional
/// update: that row is the lock all imports and removals of a case serialize on, and the claim's
/// WHERE clause is what keeps two dispensaries from ever holding parts of the same case.
/// </summary>
public static class CaseImportsApi
{
    public static IEndpointRouteBuilder MapCaseImports(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1.2/caseids/import").WithTags("Dispensary: CaseIDs")
            .RequireAuthorization(LucidAuthHandler.DispensaryPolicy);

        group.MapPost("/", ImportAsync)
            .WithName("CaseIdsImport")
            .WithSummary("Import a case part into the dispensary's inventory under a POS Package UID")
            .AcceptsJson<CaseImportRequest>()
            .Produces<CaseImportResponse>()
            .Produces<DrfDetail>(StatusCodes.Status400BadRequest)
            .Produces<DrfDetail>(StatusCodes.Status401Unauthorized)
            .Produces<DrfDetail>(StatusCodes.Status403Forbidden);

        group.MapPost("/remove/", RemoveAsync)
            .WithName("CaseIdsImportRemove")
            .WithSummary("Remove an imported case (or one part of it) from a POS Package UID")
            .AcceptsJson<CaseImportRemoveRequest>()
            .Produces(StatusCodes.Status200OK)
            .Produces<DrfDetail>(StatusCodes.Status400BadRequest)
            .Produces<DrfDetail>(StatusCodes.Status401Unauthorized)
            .Produces<DrfDetail>(StatusCodes.Status403Forbidden);
        return app;
    }

    private static async Task<IResult> ImportAsync(HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var (body, error) = await Drf.ReadObjectAsync(request);
        if (error is not null) return error;
        var form = new DrfForm(body!);
        var caseId = form.ShortUuid("case_uuid");
        var packagedProductId = form.ShortUuid("packaged_product_uuid");
        var posProductId = form.String("pos_product_id");
        var posInventoryId = form.String("pos_inventory_id");
        var packageUid = form.String("package_uid");
        var sku = form.String("sku", required: false, allowBlank: true, allowNull: true);
        if (form.Errors is { } fieldErrors) return fieldErrors;

        var me = caller.Dispensary;
        var caseUuid = ShortUuid.Encode(caseId!.Value);
        var ppUuid = ShortUuid.Encode(packagedProductId!.Value);
        return await db.InWriteTransactionAsync(async db =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            // The claim first: it answers whether the part exists too, and the checks below run only
            // when it fails, in the SPEC's order (no case, not in the case, another dispensary's).
            var claim = await db.QueryAsync(
                """
                UPDATE cases SET dispensary_id = @p0
                WHERE id = @p1 AND (dispensary_id IS NULL OR dispensary_id = @p0)
                RETURNING EXISTS (SELECT 1 FROM lucid_items WHERE case_id = @p1 AND packaged_product_id = @p2)
                """,
                row => row.GetBoolean(0), ct, me, caseId, packagedProductId);
            if (claim is not [true])
            {
                var hasPart = await db.Cases.Where(c => c.Id == caseId)
                    .Select(c => (bool?)db.LucidItems.Any(i => i.CaseId == caseId && i.PackagedProductId == packagedProductId))
                    .FirstOrDefaultAsync(ct);
                return Outcome.RolledBack(Drf.BadRequest(
                    hasPart is null ? $"Case not found for case_uuid={caseUuid}."
                    : hasPart == false ? $"Packaged product {ppUuid} is not part of case {caseUuid}."
                    : "This case has already been scanned for another dispensary."));
            }

            // Read after the claim: the case row lock makes this the latest committed state. One
            // statement reads the part's current package and the POS rows this import names, if on record.
            var known = (await db.QueryAsync(
                """
                SELECT ip.id, p.package_uid,
                    (SELECT id FROM pos_package_uids WHERE dispensary_id = @p2 AND package_uid = @p3 AND pos_inventory_id = @p4),
                    (SELECT id FROM catalog_products
                     WHERE dispensary_id = @p2 AND pos_product_id = @p5 AND packaged_product_id = @p1 AND (CAST(@p6 AS varchar(255)) IS NULL OR sku = @p6))
                FROM (SELECT 1) AS one
                LEFT JOIN inventory_packages ip ON ip.case_id = @p0 AND ip.packaged_product_id = @p1
                LEFT JOIN pos_package_uids p ON p.id = ip.pos_package_uid_id
                """,
                row => (Current: row.IsDBNull(0) ? (Guid?)null : row.GetGuid(0), CurrentUid: row.IsDBNull(1) ? null : row.GetString(1),
                    PosPackageUid: row.IsDBNull(2) ? (Guid?)null : row.GetGuid(2), CatalogProduct: row.IsDBNull(3) ? (Guid?)null : row.GetGuid(3)),
                ct, caseId, packagedProductId, me, packageUid, posInventoryId, posProductId, sku)).Single();
            if (known.CurrentUid == packageUid)
                return Outcome.RolledBack(Drf.BadRequest($"Items in CaseID {caseUuid} are already imported into inventory {packageUid}."));

            // A part moving to another package UID keeps its Inventory Package row.
            var package = new InventoryPackage
            {
                Id = known.Current ?? Guid.NewGuid(), DispensaryId = me, CaseId = caseId.Value, PackagedProductId = packagedProductId.Value,
                PosPackageUidId = known.PosPackageUid ?? await UpsertPosPackageUidAsync(db, me, packageUid!, posInventoryId!, now, ct),
                CatalogProductId = known.CatalogProduct ?? await UpsertCatalogProductAsync(db, me, posProductId!, sku, packagedProductId.Value, now, ct),
                ImportedAt = now,
            };
            await ItemTransitions.ImportAsync(db, package, packageUid!, ct);
            return Outcome.Committed(Drf.Ok(new CaseImportResponse(caseUuid, ppUuid, packageUid!)));
        }, ct);
    }

    private static async Task<IResult> RemoveAsync(HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var (body, error) = await Drf.ReadObjectAsync(request);
        if (error is not null) return error;
        var form = new DrfForm(body!);
        var caseId = form.ShortUuid("case_uuid");
        var packageUid = form.String("package_uid");
        var packagedProductId = form.ShortUuid("packaged_product_uuid", required: false, allowNull: true);
        if (form.Errors is { } fieldErrors) return fieldErrors;

        var me = caller.Dispensary;
        var caseUuid = ShortUuid.Encode(caseId!.Value);
        return await db.InWriteTransactionAsync(async db =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            var posPackageUidId = await db.PosPackageUids.Where(p => p.DispensaryId == me && p.PackageUid == packageUid)
                .Select(p => (Guid?)p.Id).FirstOrDefaultAsync(ct);
            if (posPackageUidId is null)
                return Outcome.RolledBack(Drf.BadRequest($"POS Package UID not found for package_uid={packageUid}."));

            // Lock the case row (a no-op update) so this serializes with imports of the same case.
            await db.Cases.Where(c => c.Id == caseId && c.DispensaryId == me).ExecuteUpdateAsync(s => s.SetProperty(c => c.DispensaryId, me), ct);
            var packages = await db.InventoryPackages
                .Where(ip => ip.DispensaryId == me && ip.CaseId == caseId && ip.PosPackageUidId == posPackageUidId)
                .Where(ip => packagedProductId == null || ip.PackagedProductId == packagedProductId)
                .Select(ip => new { ip.Id, ip.PackagedProductId }).ToListAsync(ct);
            if (packages.Count == 0)
                return Outcome.RolledBack(Drf.BadRequest($"Case {caseUuid} is not imported into package_uid={packageUid}."));

            var changed = await ItemTransitions.RemoveAsync(db, caseId.Value, packages.Select(p => p.PackagedProductId).ToList(), now, ct);
            var removed = changed.Where(c => c.State == ItemStates.Removed).Select(c => c.Id).ToList();
            await ItemTransitions.AppendEventsAsync(db, removed, ItemEvents.Removed, now, me, orderId: null, packageUid, ct);
            var packageIds = packages.Select(p => p.Id).ToList();
            await db.InventoryPackages.Where(ip => packageIds.Contains(ip.Id)).ExecuteDeleteAsync(ct);
            // The case is free for anyone once no part of it is imported any more.
            await db.Cases.Where(c => c.Id == caseId && !db.InventoryPackages.Any(ip => ip.CaseId == caseId))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.DispensaryId, (Guid?)null), ct);
            return Outcome.Committed(TypedResults.Ok());
        }, ct);
    }

    // Most imports name a package UID and a POS product that are on record unchanged: the read after
    // the claim finds those, and they are not written, so concurrent imports into one package UID take
    // no lock on its row (a write there serialized them until commit). Otherwise INSERT … ON CONFLICT
    // … DO UPDATE (same text on SQLite and PostgreSQL): concurrent imports of different cases into one
    // new package UID both succeed instead of one failing on the unique index.
    private static async Task<Guid> UpsertPosPackageUidAsync(AppDb db, Guid dispensaryId, string packageUid, string posInventoryId, DateTime now, CancellationToken ct) =>
        (await db.QueryAsync(
            """
            INSERT INTO pos_package_uids (id, dispensary_id, package_uid, pos_inventory_id, created_at, updated_at)
            VALUES (@p0, @p1, @p2, @p3, @p4, @p4)
            ON CONFLICT (dispensary_id, package_uid) DO UPDATE SET pos_inventory_id = excluded.pos_inventory_id, updated_at = excluded.updated_at
            RETURNING id
            """,
            row => row.GetGuid(0), ct, Guid.NewGuid(), dispensaryId, packageUid, posInventoryId, now)).Single();

    /// <summary>An omitted sku keeps the one on record.</summary>
    private static async Task<Guid> UpsertCatalogProductAsync(AppDb db, Guid dispensaryId, string posProductId, string? sku, Guid packagedProductId, DateTime now, CancellationToken ct) =>
        (await db.QueryAsync(
            """
            INSERT INTO catalog_products (id, dispensary_id, pos_product_id, sku, packaged_product_id, updated_at)
            VALUES (@p0, @p1, @p2, @p3, @p4, @p5)
            ON CONFLICT (dispensary_id, pos_product_id) DO UPDATE SET
                sku = COALESCE(excluded.sku, catalog_products.sku),
                packaged_product_id = excluded.packaged_product_id, updated_at = excluded.updated_at
            RETURNING id
            """,
            row => row.GetGuid(0), ct, Guid.NewGuid(), dispensaryId, posProductId, sku, packagedProductId, now)).Single();
}
