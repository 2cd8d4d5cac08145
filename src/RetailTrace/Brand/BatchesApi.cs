using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.BrandApi;

/// <summary>Seed 003 batches: list, detail, create, update. Each response keeps the field order its seed example shows.</summary>
public static class BatchesApi
{
    /// <summary>Seed fields plus, as extensions, the detail-only attributes and the batch's COAs.</summary>
    public sealed record BatchRequest(
        string? BrandUuid, string? Name, string? RegulatoryId, DateTime? ProducedOn,
        DateOnly? HarvestedOn, string? ExtractionMethod, JsonElement[]? TestingLaboratories, string[]? DigitalCoaUuids);

    public sealed record BatchListItem(Guid BrandUuid, string Name, DateTime? ProducedOn, string RegulatoryId, DateTime UpdatedOn, List<Guid> DigitalCoaUuids, Guid Uuid)
    {
        public static BatchListItem From(Batch b) => new(b.BrandId, b.Name, b.ProducedOn, b.RegulatoryId, b.UpdatedOn, b.DigitalCoaIds, b.Id);
    }

    public sealed record BatchResponse(Guid Uuid, string Name, string RegulatoryId, DateTime? ProducedOn, Guid BrandUuid, DateTime UpdatedOn, List<Guid> DigitalCoaUuids)
    {
        public static BatchResponse From(Batch b) => new(b.Id, b.Name, b.RegulatoryId, b.ProducedOn, b.BrandId, b.UpdatedOn, b.DigitalCoaIds);
    }

    public sealed record BatchUpdateResponse(Guid Uuid, string Name, string RegulatoryId, DateTime? ProducedOn, Guid BrandUuid, List<Guid> DigitalCoaUuids, DateTime UpdatedOn)
    {
        public static BatchUpdateResponse From(Batch b) => new(b.Id, b.Name, b.RegulatoryId, b.ProducedOn, b.BrandId, b.DigitalCoaIds, b.UpdatedOn);
    }

    public sealed record BatchDetail(
        Guid Uuid, string Name, string RegulatoryId, DateTime? ProducedOn, Guid BrandUuid, DateTime UpdatedOn, List<Guid> DigitalCoaUuids,
        [property: JsonConverter(typeof(RawJson))] string TestingLaboratories, List<BatchPackagedProduct> PackagedProducts);

    public sealed record BatchPackagedProduct(
        Guid Uuid, ProductResponse Product, string? RegulatoryId, DateOnly? PackagedOn, List<Guid> DigitalCoaUuids,
        string BatchName, DateOnly? HarvestedOn, string ExtractionMethod);

    public static void MapBatches(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1.5/batches").RequireAuthorization(LucidAuthHandler.BrandPolicy).WithTags("Batches");
        group.MapGet("/", List).WithName("BatchesList").WithPageParameter()
            .WithSummary("batches_list: the batches of every accessible brand, newest updated_on first (100 per page)")
            .Produces<DrfPage<BatchListItem>>().ProducesDrf(401, 403, 404)
            .WithExamples(response: """
                {"count":2,"next":null,"previous":null,"results":[
                  {"brand_uuid":"Fq3xKc8mZp2wTb6nRv4hJy","name":"Batch 1","produced_on":null,"regulatory_id":"WAJ416334, INSZ7OL","updated_on":"2022-02-02T08:33:00.732327Z","digital_coa_uuids":["Gz5nVq2pKx8mRc4tWb7hDs"],"uuid":"Wd7pQm3kXz9cNb2vRt5hGs"},
                  {"brand_uuid":"Fq3xKc8mZp2wTb6nRv4hJy","name":"Batch 2","produced_on":"2019-07-10T21:53:37.000000Z","regulatory_id":"","updated_on":"2019-09-25T06:07:32.000000Z","digital_coa_uuids":[],"uuid":"Kp4mHx8qZc2vTn6bWr3dYf"}]}
                """);
        group.MapGet("/{uuid}/", Get).WithName("BatchesGet")
            .WithSummary("batches_get: a batch with its packaged products and their products")
            .Produces<BatchDetail>().ProducesDrf(401, 403, 404);
        group.MapPost("/create/", Create).WithName("BatchesCreate")
            .WithSummary("batches_create: create a batch for brand_uuid, or for the client's default brand")
            .AcceptsJson<BatchRequest>()
            .WithExamples(
                request: """{"name":"Batch Name","regulatory_id":"WAJ416334, INSZ7OL","produced_on":"2021-01-14T12:27:47-08:00","brand_uuid":"Fq3xKc8mZp2wTb6nRv4hJy"}""",
                status: 201,
                response: """{"uuid":"Wd7pQm3kXz9cNb2vRt5hGs","name":"Batch Name","regulatory_id":"WAJ416334, INSZ7OL","produced_on":"2021-01-14T20:27:47.000000Z","brand_uuid":"Fq3xKc8mZp2wTb6nRv4hJy","updated_on":"2021-01-20T16:17:00.597205Z","digital_coa_uuids":[]}""")
            .Produces<BatchResponse>(201).ProducesFieldErrors().ProducesDrf(401, 403);
        group.MapPut("/{uuid}/update/", Update).WithName("BatchesUpdate")
            .WithSummary("batches_update: update a batch; omitted fields keep their values")
            .AcceptsJson<BatchRequest>()
            .Produces<BatchUpdateResponse>().ProducesFieldErrors().ProducesDrf(401, 403, 404);
        // SPEC: PUT and PATCH are both partial updates.
        group.MapPatch("/{uuid}/update/", Update).WithName("BatchesPartialUpdate")
            .WithSummary("batches_partial_update: update a batch; omitted fields keep their values (as PUT)")
            .AcceptsJson<BatchRequest>()
            .Produces<BatchUpdateResponse>().ProducesFieldErrors().ProducesDrf(401, 403, 404);
    }

    // Newest first, ties by id: a backward walk of the (brand_id, updated_on, id) index. A client of one
    // brand filters by equality, which keeps the walk in index order (with an IN list the database sorts
    // every batch of the brands). Deep pages skip index entries only: the page's rows are read by id.
    private static Task<IResult> List(HttpRequest request, LucidCaller caller, AppDb db, CancellationToken ct)
    {
        var batches = caller.BrandIds is [var only]
            ? db.Batches.AsNoTracking().Where(b => b.BrandId == only)
            : db.Batches.AsNoTracking().Where(b => caller.BrandIds.Contains(b.BrandId));
        return DrfPagination.PageAsync(request, NewestFirst(batches), BatchListItem.From, ct,
            fetch: page => NewestFirst(db.Batches.AsNoTracking().Join(page.Select(p => p.Id), b => b.Id, id => id, (b, _) => b)));
    }

    private static IOrderedQueryable<Batch> NewestFirst(IQueryable<Batch> batches) =>
        batches.OrderByDescending(b => b.UpdatedOn).ThenByDescending(b => b.Id);

    private static async Task<IResult> Get(string uuid, LucidCaller caller, AppDb db, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(uuid, out var id)) return Drf.NotFound();
        var batch = await db.Batches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id && caller.BrandIds.Contains(b.BrandId), ct);
        if (batch is null) return Drf.NotFound();
        var parts = await db.PackagedProducts.AsNoTracking().Where(pp => pp.BatchId == id)
            .Join(db.Products, pp => pp.ProductId, p => p.Id, (pp, p) => new { Packaged = pp, Product = p })
            .OrderBy(x => x.Packaged.Id)
            .ToListAsync(ct);
        return Drf.Ok(new BatchDetail(batch.Id, batch.Name, batch.RegulatoryId, batch.ProducedOn, batch.BrandId, batch.UpdatedOn,
            batch.DigitalCoaIds, batch.TestingLaboratories,
            parts.Select(x => new BatchPackagedProduct(x.Packaged.Id, ProductResponse.From(x.Product) with { Images = ImageSlots(x.Product.Images) }, x.Packaged.RegulatoryId,
                x.Packaged.PackagedOn, x.Packaged.DigitalCoaIds, batch.Name, batch.HarvestedOn, batch.ExtractionMethod)).ToList()));
    }

    private static async Task<IResult> Create(HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var (body, error) = await Drf.ReadObjectAsync(request);
        if (error is not null) return error;
        var form = new DrfForm(body!);
        var brandId = BrandRules.OwningBrand(form, caller);
        var batch = new Batch { Id = Guid.NewGuid(), Name = "" };
        await ApplyAsync(form, batch, brandId, creating: true, db, ct);
        if (form.Errors is { } errors) return errors;
        batch.BrandId = brandId!.Value;
        batch.UpdatedOn = BrandRules.Now(time);
        await db.InsertAsync(batch, ct);
        return Drf.Ok(BatchResponse.From(batch), StatusCodes.Status201Created);
    }

    private static async Task<IResult> Update(string uuid, HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(uuid, out var id)) return Drf.NotFound();
        var (body, error) = await Drf.ReadObjectAsync(request);
        return await db.WriteAsync(async () =>
        {
            var batch = await db.Batches.FirstOrDefaultAsync(b => b.Id == id && caller.BrandIds.Contains(b.BrandId), ct);
            if (batch is null) return Drf.NotFound();
            if (error is not null) return error;
            var form = new DrfForm(body!);
            await ApplyAsync(form, batch, batch.BrandId, creating: false, db, ct);
            if (form.Errors is { } errors) return errors;
            batch.UpdatedOn = BrandRules.Now(time);
            // Only the columns sent are written, so concurrent updates of different fields do not undo each other.
            await db.SaveChangesAsync(ct);
            return Drf.Ok(BatchUpdateResponse.From(batch));
        }, ct);
    }

    /// <summary>
    /// A product's images as batch detail shows them (seed 003): the thumbnail, primary and banner slots always
    /// present, each {} until the product sets it, then any other image keys the product holds.
    /// </summary>
    public static string ImageSlots(string images)
    {
        var stored = JsonNode.Parse(images) as JsonObject ?? [];
        var shown = new JsonObject();
        foreach (var slot in (string[])["thumbnail", "primary", "banner"]) shown[slot] = stored[slot]?.DeepClone() ?? new JsonObject();
        foreach (var (key, value) in stored) if (!shown.ContainsKey(key)) shown[key] = value?.DeepClone();
        return shown.ToJsonString();
    }

    /// <summary>Validates in field order and copies the fields sent onto <paramref name="batch"/>.</summary>
    private static async Task ApplyAsync(DrfForm form, Batch batch, Guid? brandId, bool creating, AppDb db, CancellationToken ct)
    {
        if (form.String("name", required: creating) is { } name) batch.Name = name;
        if (form.String("regulatory_id", required: false, allowBlank: true, maxLength: 1000) is { } regulatoryId) batch.RegulatoryId = regulatoryId;
        if (form.Has("produced_on")) batch.ProducedOn = form.DateTime("produced_on", required: false, allowNull: true);
        if (form.Has("harvested_on")) batch.HarvestedOn = form.Date("harvested_on", required: false, allowNull: true);
        if (form.String("extraction_method", required: false, allowBlank: true) is { } method) batch.ExtractionMethod = method;
        if (form.Json("testing_laboratories", JsonValueKind.Array) is { } labs) batch.TestingLaboratories = labs;
        if (await BrandRules.DigitalCoasAsync(form, db, brandId, ct) is { } coas) batch.DigitalCoaIds = coas;
    }
}
