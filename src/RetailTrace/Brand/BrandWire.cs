using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;

// Not "RetailTrace.Brand": that namespace would shadow the Data.Brand entity everywhere under RetailTrace.
namespace RetailTrace.BrandApi;

/// <summary>The product object of seed 003, embedded in packaged products and served by the products extension.</summary>
public sealed record ProductResponse(
    Guid Uuid, string Sku, string Description, string Name,
    DateTime? PublishedOn, DateTime? AvailableOn, DateTime? DiscontinuedOn,
    string ProductType, string Usage, string Variety, string Strain, string ProductLine,
    [property: JsonConverter(typeof(RawJson))] string PackageSize,
    string Upc, string Servings,
    [property: JsonConverter(typeof(RawJson))] string ServingSize,
    [property: JsonConverter(typeof(RawJson))] string TotalThc,
    [property: JsonConverter(typeof(RawJson))] string TotalCbd,
    string ThcCbdRatio, string TestsDescription, DateTime UpdatedOn, string AboutIngredients,
    [property: JsonConverter(typeof(RawJson))] string SpecialDiet,
    [property: JsonConverter(typeof(RawJson))] string Allergen,
    string TestingMethodology, string UsageRecommendation,
    [property: JsonConverter(typeof(RawJson))] string Ingredients,
    [property: JsonConverter(typeof(RawJson))] string Images,
    string Barcode)
{
    public static ProductResponse From(Product p) => new(
        p.Id, p.Sku, p.Description, p.Name, p.PublishedOn, p.AvailableOn, p.DiscontinuedOn,
        p.ProductType, p.Usage, p.Variety, p.Strain, p.ProductLine, p.PackageSize, p.Upc, p.Servings,
        p.ServingSize, p.TotalThc, p.TotalCbd, p.ThcCbdRatio, p.TestsDescription, p.UpdatedOn, p.AboutIngredients,
        p.SpecialDiet, p.Allergen, p.TestingMethodology, p.UsageRecommendation, p.Ingredients, p.Images, p.Barcode);
}

/// <summary>Writes JSON text stored in a column (opaque product documents) as the JSON value it is.</summary>
public sealed class RawJson : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        return doc.RootElement.GetRawText();
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteRawValue(value);
}

/// <summary>Rules shared by the brand resources: the clock, the owning brand, and references within a brand.</summary>
public static class BrandRules
{
    public const string InvalidBrand = "Invalid brand.";
    public const int MaxCoasPerObject = 100;

    public static string DoesNotExist(Guid id) => $"Invalid pk \"{ShortUuid.Encode(id)}\" - object does not exist.";

    /// <summary>Now, at the microsecond precision both databases store, so a response equals a later read.</summary>
    public static DateTime Now(TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % 10));
    }

    /// <summary>The brand a create targets: <c>brand_uuid</c> when sent (must be accessible), else the client's default brand.</summary>
    public static Guid? OwningBrand(DrfForm form, LucidCaller caller)
    {
        if (!form.Has("brand_uuid"))
        {
            if (caller.DefaultBrandId is { } fallback && caller.CanAccessBrand(fallback)) return fallback;
            form.AddError("brand_uuid", Drf.RequiredMessage);
            return null;
        }
        var id = form.ShortUuid("brand_uuid", required: false);
        if (id is null) return null;
        if (caller.CanAccessBrand(id.Value)) return id;
        form.AddError("brand_uuid", InvalidBrand);
        return null;
    }

    /// <summary><c>digital_coa_uuids</c>: ShortUUIDs of COAs of <paramref name="brandId"/> (duplicates collapse, order kept).
    /// Null when omitted or invalid.</summary>
    public static async Task<List<Guid>?> DigitalCoasAsync(DrfForm form, AppDb db, Guid? brandId, CancellationToken ct)
    {
        const string field = "digital_coa_uuids";
        var ids = form.ShortUuidList(field)?.Distinct().ToList();
        if (ids is null || brandId is null) return null;
        if (ids.Count > MaxCoasPerObject)
        {
            form.AddError(field, $"Ensure this field has no more than {MaxCoasPerObject} elements.");
            return null;
        }
        if (ids.Count == 0) return ids;
        var found = await db.DigitalCoas.AsNoTracking().Where(c => c.BrandId == brandId && ids.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct);
        var missing = ids.Where(id => !found.Contains(id)).ToList();
        if (missing.Count == 0) return ids;
        form.AddError(field, DoesNotExist(missing[0]));
        return null;
    }
}

/// <summary>OpenAPI metadata for the DRF error bodies of this family.</summary>
public static class BrandOpenApi
{
    /// <summary><c>{"detail":"…"}</c> bodies: 400 business rules, 401/403 auth, 404 not found / invalid page.</summary>
    public static RouteHandlerBuilder ProducesDrf(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses) builder.Produces<DrfDetail>(status);
        return builder;
    }

    /// <summary>400 <c>{"field":["message"]}</c> validation errors, in field order; a list field's errors are per item,
    /// as a list (<c>{"contents":[{"packaged_product_uuid":["…"]}]}</c>) or by index (<c>{"digital_coa_uuids":{"0":["…"]}}</c>).</summary>
    public static RouteHandlerBuilder ProducesFieldErrors(this RouteHandlerBuilder builder) =>
        builder.Produces<Dictionary<string, JsonElement>>(StatusCodes.Status400BadRequest);
}
