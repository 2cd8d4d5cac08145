using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.BrandApi;

/// <summary>Extension: a brand's products (the product object of seed 003).</summary>
public static class ProductsApi
{
    /// <summary>Every field is optional except <c>name</c> on create; <c>brand_uuid</c> is read on create only.</summary>
    public sealed record ProductRequest(
        string? BrandUuid, string? Sku, string? Description, string? Name,
        DateTime? PublishedOn, DateTime? AvailableOn, DateTime? DiscontinuedOn,
        string? ProductType, string? Usage, string? Variety, string? Strain, string? ProductLine,
        JsonElement? PackageSize, string? Upc, string? Servings, JsonElement? ServingSize,
        JsonElement? TotalThc, JsonElement? TotalCbd, string? ThcCbdRatio, string? TestsDescription,
        string? AboutIngredients, string[]? SpecialDiet, string[]? Allergen, string? TestingMethodology,
        string? UsageRecommendation, JsonElement[]? Ingredients, JsonElement? Images, string? Barcode);

    private const int LongText = 65_535;

    public static void MapProducts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1.5/products").RequireAuthorization(LucidAuthHandler.BrandPolicy).WithTags("Extensions");
        group.MapGet("/", List).WithName("ProductsList").WithPageParameter()
            .WithSummary("List the products of every accessible brand, newest updated_on first (100 per page)")
            .Produces<DrfPage<ProductResponse>>().ProducesDrf(401, 403, 404);
        group.MapGet("/{uuid}/", Get).WithName("ProductsGet").WithSummary("Retrieve a product")
            .Produces<ProductResponse>().ProducesDrf(401, 403, 404);
        group.MapPost("/create/", Create).WithName("ProductsCreate")
            .WithSummary("Create a product for brand_uuid, or for the client's default brand")
            .AcceptsJson<ProductRequest>()
            .Produces<ProductResponse>(201).ProducesFieldErrors().ProducesDrf(401, 403);
        group.MapMethods("/{uuid}/update/", [HttpMethods.Put, HttpMethods.Patch], Update).WithName("ProductsUpdate")
            .WithSummary("Update a product; omitted fields keep their values (PUT and PATCH alike)")
            .AcceptsJson<ProductRequest>()
            .Produces<ProductResponse>().ProducesFieldErrors().ProducesDrf(401, 403, 404);
    }

    private static Task<IResult> List(HttpRequest request, LucidCaller caller, AppDb db, CancellationToken ct) =>
        DrfPagination.PageAsync(request,
            db.Products.AsNoTracking().Where(p => caller.BrandIds.Contains(p.BrandId))
                .OrderByDescending(p => p.UpdatedOn).ThenByDescending(p => p.Id),
            ProductResponse.From, ct);

    private static async Task<IResult> Get(string uuid, LucidCaller caller, AppDb db, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(uuid, out var id)) return Drf.NotFound();
        var product = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id && caller.BrandIds.Contains(p.BrandId), ct);
        return product is null ? Drf.NotFound() : Drf.Ok(ProductResponse.From(product));
    }

    private static async Task<IResult> Create(HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var (body, error) = await Drf.ReadObjectAsync(request);
        if (error is not null) return error;
        var form = new DrfForm(body!);
        var brandId = BrandRules.OwningBrand(form, caller);
        var product = new Product { Id = Guid.NewGuid(), Name = "" };
        Apply(form, product, creating: true);
        if (form.Errors is { } errors) return errors;
        product.BrandId = brandId!.Value;
        product.UpdatedOn = BrandRules.Now(time);
        await db.InsertAsync(product, ct);
        return Drf.Ok(ProductResponse.From(product), StatusCodes.Status201Created);
    }

    private static async Task<IResult> Update(string uuid, HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(uuid, out var id)) return Drf.NotFound();
        var (body, error) = await Drf.ReadObjectAsync(request);
        return await db.WriteAsync(async () =>
        {
            var product = await db.Products.FirstOrDefaultAsync(p => p.Id == id && caller.BrandIds.Contains(p.BrandId), ct);
            if (product is null) return Drf.NotFound();
            if (error is not null) return error;
            var form = new DrfForm(body!);
            Apply(form, product, creating: false);
            if (form.Errors is { } errors) return errors;
            product.UpdatedOn = BrandRules.Now(time);
            await db.SaveChangesAsync(ct);
            return Drf.Ok(ProductResponse.From(product));
        }, ct);
    }

    /// <summary>Validates the fields in the product object's order and copies the ones sent onto <paramref name="p"/>.</summary>
    private static void Apply(DrfForm form, Product p, bool creating)
    {
        string? Text(string field, int maxLength = 255) => form.String(field, required: false, allowBlank: true, maxLength: maxLength);
        void Moment(string field, Action<DateTime?> set)
        {
            if (form.Has(field)) set(form.DateTime(field, required: false, allowNull: true));
        }

        if (Text("sku") is { } sku) p.Sku = sku;
        if (Text("description", LongText) is { } description) p.Description = description;
        if (form.String("name", required: creating) is { } name) p.Name = name;
        Moment("published_on", v => p.PublishedOn = v);
        Moment("available_on", v => p.AvailableOn = v);
        Moment("discontinued_on", v => p.DiscontinuedOn = v);
        if (Text("product_type") is { } productType) p.ProductType = productType;
        if (Text("usage") is { } usage) p.Usage = usage;
        if (Text("variety") is { } variety) p.Variety = variety;
        if (Text("strain") is { } strain) p.Strain = strain;
        if (Text("product_line") is { } productLine) p.ProductLine = productLine;
        if (form.Json("package_size", JsonValueKind.Object) is { } packageSize) p.PackageSize = packageSize;
        if (Text("upc") is { } upc) p.Upc = upc;
        if (Text("servings") is { } servings) p.Servings = servings;
        if (form.Json("serving_size", JsonValueKind.Object) is { } servingSize) p.ServingSize = servingSize;
        if (form.Json("total_thc", JsonValueKind.Object) is { } totalThc) p.TotalThc = totalThc;
        if (form.Json("total_cbd", JsonValueKind.Object) is { } totalCbd) p.TotalCbd = totalCbd;
        if (Text("thc_cbd_ratio") is { } ratio) p.ThcCbdRatio = ratio;
        if (Text("tests_description", LongText) is { } testsDescription) p.TestsDescription = testsDescription;
        if (Text("about_ingredients", LongText) is { } aboutIngredients) p.AboutIngredients = aboutIngredients;
        if (form.Json("special_diet", JsonValueKind.Array) is { } specialDiet) p.SpecialDiet = specialDiet;
        if (form.Json("allergen", JsonValueKind.Array) is { } allergen) p.Allergen = allergen;
        if (Text("testing_methodology", LongText) is { } methodology) p.TestingMethodology = methodology;
        if (Text("usage_recommendation", LongText) is { } recommendation) p.UsageRecommendation = recommendation;
        if (form.Json("ingredients", JsonValueKind.Array) is { } ingredients) p.Ingredients = ingredients;
        if (form.Json("images", JsonValueKind.Object) is { } images) p.Images = images;
        if (Text("barcode") is { } barcode) p.Barcode = barcode;
    }
}
