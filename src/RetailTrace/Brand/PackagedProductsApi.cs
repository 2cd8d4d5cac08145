using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.BrandApi;

/// <summary>Seed 003 packaged products of a batch: create, update (PUT and PATCH, both partial), delete.</summary>
public static class PackagedProductsApi
{
    public sealed record PackagedProductRequest(string? ProductUuid, string? RegulatoryId, DateOnly? PackagedOn, string[]? DigitalCoaUuids);

    public sealed record PackagedProductResponse(Guid Uuid, ProductResponse Product, string? RegulatoryId, DateOnly? PackagedOn, List<Guid> DigitalCoaUuids)
    {
        public static PackagedProductResponse From(PackagedProduct pp, Product product) =>
            new(pp.Id, ProductResponse.From(product), pp.RegulatoryId, pp.PackagedOn, pp.DigitalCoaIds);
    }

    public const string HasLucidIds = "Cannot delete a packaged product that has LucidIDs.";

    public static void MapPackagedProducts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1.5/batches/{batchUuid}/packaged-products")
            .RequireAuthorization(LucidAuthHandler.BrandPolicy).WithTags("Batches");
        group.MapPost("/", Create).WithName("BatchPackagedProductCreate")
            .WithSummary("batch_packaged_product_create: package a product of the batch's brand")
            .AcceptsJson<PackagedProductRequest>()
            .Produces<PackagedProductResponse>(201).ProducesFieldErrors().ProducesDrf(401, 403, 404);
        group.MapMethods("/{uuid}/update/", [HttpMethods.Put, HttpMethods.Patch], Update).WithName("BatchPackagedProductUpdate")
            .WithSummary("batch_packaged_product_update: update a packaged product; omitted fields keep their values (PUT and PATCH alike)")
            .AcceptsJson<PackagedProductRequest>()
            .Produces<PackagedProductResponse>().ProducesFieldErrors().ProducesDrf(401, 403, 404);
        group.MapDelete("/{uuid}/delete/", Delete).WithName("BatchPackagedProductDelete")
            .WithSummary("batch_packaged_product_delete: delete a packaged product that has no LucidIDs")
            .Produces(StatusCodes.Status204NoContent).ProducesDrf(400, 401, 403, 404);
    }

    private static async Task<IResult> Create(string batchUuid, HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(batchUuid, out var batchId)) return Drf.NotFound();
        var batch = await db.Batches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == batchId && caller.BrandIds.Contains(b.BrandId), ct);
        if (batch is null) return Drf.NotFound();
        var (body, error) = await Drf.ReadObjectAsync(request);
        if (error is not null) return error;
        var form = new DrfForm(body!);
        var packaged = new PackagedProduct { Id = Guid.NewGuid(), BatchId = batch.Id, BrandId = batch.BrandId };
        var product = await ApplyAsync(form, packaged, creating: true, db, ct);
        if (form.Errors is { } errors) return errors;

        return await db.WriteAsync(async () =>
        {
            // The clock is read after the transaction's first statement: a write of the batch committed before it read
            // an earlier time, and one committed after it conflicts with this one (see Writes), so the batch's
            // updated_on never goes back. Read before the write, a concurrent batch update's answer would be undone.
            if (!await db.Batches.AnyAsync(b => b.Id == batch.Id, ct)) return Drf.NotFound();
            packaged.UpdatedOn = BrandRules.Now(time);
            db.PackagedProducts.Add(packaged);
            await SaveTouchingBatchAsync(db, batch.Id, packaged.UpdatedOn, ct);
            return Drf.Ok(PackagedProductResponse.From(packaged, product!), StatusCodes.Status201Created);
        }, ct);
    }

    private static async Task<IResult> Update(string batchUuid, string uuid, HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(batchUuid, out var batchId) || !ShortUuid.TryDecode(uuid, out var id)) return Drf.NotFound();
        var (body, error) = await Drf.ReadObjectAsync(request);
        return await db.WriteAsync(async () =>
        {
            var packaged = await db.PackagedProducts
                .FirstOrDefaultAsync(pp => pp.Id == id && pp.BatchId == batchId && caller.BrandIds.Contains(pp.BrandId), ct);
            if (packaged is null) return Drf.NotFound();
            if (error is not null) return error;
            var form = new DrfForm(body!);
            var product = await ApplyAsync(form, packaged, creating: false, db, ct);
            if (form.Errors is { } errors) return errors;

            product ??= await db.Products.AsNoTracking().FirstAsync(p => p.Id == packaged.ProductId, ct);
            packaged.UpdatedOn = BrandRules.Now(time);
            await SaveTouchingBatchAsync(db, batchId, packaged.UpdatedOn, ct);
            return Drf.Ok(PackagedProductResponse.From(packaged, product));
        }, ct);
    }

    private static async Task<IResult> Delete(string batchUuid, string uuid, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(batchUuid, out var batchId) || !ShortUuid.TryDecode(uuid, out var id)) return Drf.NotFound();
        try
        {
            return await db.WriteAsync(async () =>
            {
                var mine = db.PackagedProducts.Where(pp => pp.Id == id && pp.BatchId == batchId && caller.BrandIds.Contains(pp.BrandId));
                var found = await mine.Select(pp => new { HasLucidIds = db.LucidItems.Any(i => i.PackagedProductId == pp.Id) }).FirstOrDefaultAsync(ct);
                if (found is null) return Drf.NotFound();
                if (found.HasLucidIds) return Drf.BadRequest(HasLucidIds);
                await mine.ExecuteDeleteAsync(ct);
                await db.Batches.Where(b => b.Id == batchId).ExecuteUpdateAsync(s => s.SetProperty(b => b.UpdatedOn, BrandRules.Now(time)), ct);
                return TypedResults.NoContent();
            }, ct);
        }
        catch (Exception ex) when (Database.IsForeignKeyViolation(ex))
        {
            // LucidIDs minted since the check: units are never deleted with what they reference.
            return Drf.BadRequest(HasLucidIds);
        }
    }

    /// <summary>Validates in field order and copies the fields sent onto <paramref name="packaged"/>;
    /// returns the product when <c>product_uuid</c> was sent and is a product of the batch's brand.</summary>
    private static async Task<Product?> ApplyAsync(DrfForm form, PackagedProduct packaged, bool creating, AppDb db, CancellationToken ct)
    {
        Product? product = null;
        if (form.ShortUuid("product_uuid", required: creating) is { } productId)
        {
            product = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == productId && p.BrandId == packaged.BrandId, ct);
            if (product is null) form.AddError("product_uuid", BrandRules.DoesNotExist(productId));
            else packaged.ProductId = product.Id;
        }
        if (form.Has("regulatory_id")) packaged.RegulatoryId = form.String("regulatory_id", required: false, allowBlank: true, allowNull: true, maxLength: 1000);
        if (form.Has("packaged_on")) packaged.PackagedOn = form.Date("packaged_on", required: false, allowNull: true);
        if (await BrandRules.DigitalCoasAsync(form, db, packaged.BrandId, ct) is { } coas) packaged.DigitalCoaIds = coas;
        return product;
    }

    /// <summary>Saves the packaged product and moves its batch's updated_on in the caller's unit of work: a batch's detail includes its packaged products.</summary>
    private static async Task SaveTouchingBatchAsync(AppDb db, Guid batchId, DateTime now, CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        await db.Batches.Where(b => b.Id == batchId).ExecuteUpdateAsync(s => s.SetProperty(b => b.UpdatedOn, now), ct);
    }
}
