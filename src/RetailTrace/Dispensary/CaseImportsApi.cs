using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Webhooks;

namespace RetailTrace.Dispensaries;

public sealed record CaseImportRequest(string CaseUuid, string PackagedProductUuid, string PosProductId, string PosInventoryId, string PackageUid, string? Sku);

public sealed record CaseImportResponse(string CaseUuid, string PackagedProductUuid, string PackageUid);

public sealed record CaseImportRemoveRequest(string CaseUuid, string PackageUid, string? PackagedProductUuid);

/// <summary>
/// POST /api/v1.2/caseids/import/ and /caseids/import/remove/: a case part (case × packaged product)
/// goes into the dispensary's inventory under a POS Package UID, and out again. Each request is one
/// write (<see cref="Writes"/>): it reads the case, decides in the SPEC's order of checks, then writes
/// the case's claim, the POS records, the part's package, its units and one event listing them.
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
            .WithExamples(
                request: """{"case_uuid":"Tz7hWq3mKp9sVb2xNc4dRf","packaged_product_uuid":"Hm4kP8wQz2rTn6vXc9bJyE","pos_product_id":"POS-1001","pos_inventory_id":"INV-2001","package_uid":"PKG-001"}""",
                response: """{"case_uuid":"Tz7hWq3mKp9sVb2xNc4dRf","packaged_product_uuid":"Hm4kP8wQz2rTn6vXc9bJyE","package_uid":"PKG-001"}""")
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
        var (c, pp) = (caseId!.Value, packagedProductId!.Value);
        var (caseUuid, ppUuid) = (ShortUuid.Encode(c), ShortUuid.Encode(pp));
        int? placed = null;
        var result = await db.WriteAsync(async () =>
        {
            placed = null;
            var found = await db.Cases.Where(x => x.Id == c).Select(x => new
            {
                Holder = x.DispensaryId,
                HasPart = db.LucidItems.Any(i => i.CaseId == c && i.PackagedProductId == pp),
                Package = db.InventoryPackages.Where(ip => ip.CaseId == c && ip.PackagedProductId == pp).Select(ip => (Guid?)ip.Id).FirstOrDefault(),
                PackageUid = db.InventoryPackages.Where(ip => ip.CaseId == c && ip.PackagedProductId == pp)
                    .Join(db.PosPackageUids, ip => ip.PosPackageUidId, u => u.Id, (_, u) => u.PackageUid).FirstOrDefault(),
                // The POS records this import names, when on record as named: most imports change neither.
                PosPackageUid = db.PosPackageUids.Where(u => u.DispensaryId == me && u.PackageUid == packageUid && u.PosInventoryId == posInventoryId)
                    .Select(u => (Guid?)u.Id).FirstOrDefault(),
                CatalogProduct = db.CatalogProducts.Where(p => p.DispensaryId == me && p.PosProductId == posProductId && p.PackagedProductId == pp && (sku == null || p.Sku == sku))
                    .Select(p => (Guid?)p.Id).FirstOrDefault(),
            }).FirstOrDefaultAsync(ct);
            if (found is null) return Drf.BadRequest($"Case not found for case_uuid={caseUuid}.");
            if (!found.HasPart) return Drf.BadRequest($"Packaged product {ppUuid} is not part of case {caseUuid}.");
            if (found.Holder is { } holder && holder != me) return Drf.BadRequest("This case has already been scanned for another dispensary.");
            if (found.PackageUid == packageUid)
                return Drf.BadRequest($"Items in CaseID {caseUuid} are already imported into inventory {packageUid}.");

            var now = time.GetUtcNow().UtcDateTime;
            // Every import and removal writes the case row: concurrent ones of one case meet there (Writes).
            await db.Cases.Where(x => x.Id == c).ExecuteUpdateAsync(s => s.SetProperty(x => x.DispensaryId, me), ct);
            var posPackageUid = found.PosPackageUid ?? await UpsertPosPackageUidAsync(db, me, packageUid!, posInventoryId!, now, ct);
            var catalogProduct = found.CatalogProduct ?? await UpsertCatalogProductAsync(db, me, posProductId!, sku, pp, now, ct);
            // A part moving to another package UID keeps its Inventory Package row (and its units their package).
            var package = found.Package ?? Guid.NewGuid();
            if (found.Package is null)
                db.InventoryPackages.Add(new InventoryPackage
                {
                    Id = package, DispensaryId = me, CaseId = c, PackagedProductId = pp,
                    PosPackageUidId = posPackageUid, CatalogProductId = catalogProduct, ImportedAt = now,
                });
            else
                await db.InventoryPackages.Where(ip => ip.Id == package).ExecuteUpdateAsync(s => s
                    .SetProperty(ip => ip.PosPackageUidId, posPackageUid).SetProperty(ip => ip.CatalogProductId, catalogProduct)
                    .SetProperty(ip => ip.ImportedAt, now), ct);

            var moving = db.LucidItems.Where(LucidItem.OfPart(c, pp)).Where(LucidItem.Importable);
            var units = await moving.Select(i => i.Id).ToListAsync(ct);
            await moving.ExecuteUpdateAsync(LucidItem.PlaceIn(me, package), ct);
            var imported = ItemEvent.For(ItemEventTypes.Imported, now, units);
            (imported.DispensaryId, imported.PackageUid) = (me, packageUid);
            db.ItemEvents.Add(imported);
            WebhookOutbox.AddImport(db, imported, c, pp);
            await db.SaveChangesAsync(ct);
            placed = units.Count;
            return Drf.Ok(new CaseImportResponse(caseUuid, ppUuid, packageUid!));
        }, ct);
        if (placed is { } n) RetailTraceMetrics.ItemEvent(ItemEventTypes.Imported, n);
        return result;
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
        var c = caseId!.Value;
        int? taken = null;
        var result = await db.WriteAsync(async () =>
        {
            taken = null;
            var posPackageUid = await db.PosPackageUids.Where(p => p.DispensaryId == me && p.PackageUid == packageUid)
                .Select(p => (Guid?)p.Id).FirstOrDefaultAsync(ct);
            if (posPackageUid is null) return Drf.BadRequest($"POS Package UID not found for package_uid={packageUid}.");
            var packages = await db.InventoryPackages
                .Where(ip => ip.DispensaryId == me && ip.CaseId == c && ip.PosPackageUidId == posPackageUid)
                .Where(ip => packagedProductId == null || ip.PackagedProductId == packagedProductId)
                .Select(ip => new { ip.Id, ip.PackagedProductId }).ToListAsync(ct);
            if (packages.Count == 0) return Drf.BadRequest($"Case {ShortUuid.Encode(c)} is not imported into package_uid={packageUid}.");

            var now = time.GetUtcNow().UtcDateTime;
            var removed = new List<Guid>();
            foreach (var part in packages)
            {
                var leaving = db.LucidItems.Where(LucidItem.OfPart(c, part.PackagedProductId)).Where(LucidItem.Removable);
                // Sold units leave their package too, but stay sold: the event lists the units that leave inventory.
                removed.AddRange(await leaving.Where(i => i.State != ItemStates.Sold).Select(i => i.Id).ToListAsync(ct));
                await leaving.ExecuteUpdateAsync(LucidItem.TakeOutOfInventory, ct);
            }
            var packageIds = packages.Select(p => p.Id).ToList();
            await db.InventoryPackages.Where(ip => packageIds.Contains(ip.Id)).ExecuteDeleteAsync(ct);
            // The case is free for anyone once no part of it is imported any more.
            await db.Cases.Where(x => x.Id == c).ExecuteUpdateAsync(s => s.SetProperty(x => x.DispensaryId,
                x => db.InventoryPackages.Any(ip => ip.CaseId == c) ? x.DispensaryId : null), ct);
            var @event = ItemEvent.For(ItemEventTypes.Removed, now, removed);
            (@event.DispensaryId, @event.PackageUid) = (me, packageUid);
            db.ItemEvents.Add(@event);
            WebhookOutbox.AddRemoval(db, @event, c, packages.Select(p => p.PackagedProductId));
            await db.SaveChangesAsync(ct);
            taken = removed.Count;
            return TypedResults.Ok();
        }, ct);
        if (taken is { } n) RetailTraceMetrics.ItemEvent(ItemEventTypes.Removed, n);
        return result;
    }

    // INSERT … ON CONFLICT … DO UPDATE (same text on SQLite and PostgreSQL), which EF has no LINQ for:
    // imports of different cases into one new package UID both succeed instead of one failing on the unique index.
    private static async Task<Guid> UpsertPosPackageUidAsync(AppDb db, Guid dispensaryId, string packageUid, string posInventoryId, DateTime now, CancellationToken ct) =>
        (await db.Database.SqlQuery<Guid>($"""
            INSERT INTO pos_package_uids (id, dispensary_id, package_uid, pos_inventory_id, created_at, updated_at)
            VALUES ({Guid.NewGuid()}, {dispensaryId}, {packageUid}, {posInventoryId}, {now}, {now})
            ON CONFLICT (dispensary_id, package_uid) DO UPDATE SET pos_inventory_id = excluded.pos_inventory_id, updated_at = excluded.updated_at
            RETURNING id AS "Value"
            """).ToListAsync(ct)).Single();

    /// <summary>An omitted sku keeps the one on record.</summary>
    private static async Task<Guid> UpsertCatalogProductAsync(AppDb db, Guid dispensaryId, string posProductId, string? sku, Guid packagedProductId, DateTime now, CancellationToken ct) =>
        (await db.Database.SqlQuery<Guid>($"""
            INSERT INTO catalog_products (id, dispensary_id, pos_product_id, sku, packaged_product_id, updated_at)
            VALUES ({Guid.NewGuid()}, {dispensaryId}, {posProductId}, {sku}, {packagedProductId}, {now})
            ON CONFLICT (dispensary_id, pos_product_id) DO UPDATE SET
                sku = COALESCE(excluded.sku, catalog_products.sku),
                packaged_product_id = excluded.packaged_product_id, updated_at = excluded.updated_at
            RETURNING id AS "Value"
            """).ToListAsync(ct)).Single();
}
