using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RetailTrace.Data;

namespace RetailTrace.Store;

/// <summary>
/// The documented ProductBatch object (seed 004), field by field in documented order: its wire
/// type, its documented default and its enum values. Output writes every field (nulls included,
/// documented defaults such as BigDecimal ZERO as 0); input (admin create) is checked against it.
/// </summary>
public static class ProductBatchFields
{
    public enum Kind { Str, Int, Num, Bool, Obj, Arr }

    public sealed record Field(string Name, Kind Kind, object? Default = null, string[]? Enum = null);

    private static readonly string[] BatchStatuses = ["IN_TRANSFER", "RECEIVED", "IN_TESTING", "READY_FOR_SALE", "PROCESSING"];

    public static readonly Field[] All =
    [
        new("id", Kind.Str), new("companyId", Kind.Str), new("shopId", Kind.Str), new("created", Kind.Int), new("modified", Kind.Int),
        new("deleted", Kind.Bool), new("updated", Kind.Bool), new("weightType", Kind.Str), new("productId", Kind.Str), new("vendorId", Kind.Str),
        new("batchNo", Kind.Int, 0), new("cost", Kind.Num), new("costPerUnit", Kind.Num), new("quantity", Kind.Num), new("sku", Kind.Str),
        new("totalTerpenes", Kind.Num), new("totalCannabinoids", Kind.Num), new("thc", Kind.Num), new("cbn", Kind.Num), new("cbd", Kind.Num),
        new("cbda", Kind.Num), new("thca", Kind.Num), new("cbg", Kind.Num), new("thcName", Kind.Str), new("cbnName", Kind.Str),
        new("cbdName", Kind.Str), new("cbdaName", Kind.Str), new("thcaName", Kind.Str), new("cbgName", Kind.Str), new("retailIdCount", Kind.Int),
        new("retailIdTraceMessage", Kind.Str), new("retailIdUpdatedAt", Kind.Int), new("maxThc", Kind.Num), new("maxCbn", Kind.Num),
        new("maxCbd", Kind.Num), new("maxCbda", Kind.Num), new("maxThca", Kind.Num), new("purchasedDate", Kind.Int), new("sellBy", Kind.Int),
        new("archived", Kind.Bool, false), new("archivedDate", Kind.Int), new("published", Kind.Bool, false), new("unsellable", Kind.Bool, false),
        new("unsellableReasons", Kind.Arr), new("publishedQuantity", Kind.Num), new("publishedDate", Kind.Int), new("lastAuditDate", Kind.Int),
        new("trackTraceVerified", Kind.Bool, false), new("trackPackageId", Kind.Int), new("trackPackageLabel", Kind.Str),
        new("trackHarvestBatch", Kind.Str), new("trackHarvestDate", Kind.Str),
        new("trackTraceSystem", Kind.Str, "MANUAL", ["MANUAL", "METRC", "BIOTRACK", "UTAH_ICS", "OTHER"]),
        new("purchaseOrderId", Kind.Str), new("perUnitExciseTax", Kind.Num), new("totalExciseTax", Kind.Num), new("customerCompanyId", Kind.Str),
        new("brandId", Kind.Str), new("receiveDate", Kind.Int), new("poNumber", Kind.Str),
        new("status", Kind.Str, "RECEIVED", BatchStatuses), new("prevStatus", Kind.Str, "RECEIVED", BatchStatuses),
        new("requestedStatus", Kind.Str, "RECEIVED", BatchStatuses),
        new("complianceError", Kind.Str), new("metrcCategory", Kind.Str), new("voidStatus", Kind.Bool, false), new("active", Kind.Bool),
        new("batchQRAsset", Kind.Obj), new("productBatchLabel", Kind.Obj), new("lotId", Kind.Str), new("metrcTagId", Kind.Str),
        new("totalCultivationTax", Kind.Num), new("potencyAmount", Kind.Obj), new("isPrepaidTax", Kind.Bool), new("referenceNote", Kind.Obj),
        new("attachments", Kind.Arr), new("productName", Kind.Str), new("vendorName", Kind.Str), new("brandName", Kind.Str),
        new("liveQuantity", Kind.Num, 0), new("derivedLogId", Kind.Str), new("expirationDate", Kind.Int), new("licenseId", Kind.Str),
        new("labelInfo", Kind.Str), new("bundleItems", Kind.Arr), new("externalId", Kind.Str), new("externalLicense", Kind.Str),
        new("roomId", Kind.Str), new("actualWeightPerUnit", Kind.Num), new("waste", Kind.Num), new("unProcessed", Kind.Bool, false),
        new("productionBatch", Kind.Bool, false), new("moistureLoss", Kind.Num), new("batchType", Kind.Str, "SALE", ["SAMPLE", "SALE"]),
        new("connectedBatchId", Kind.Str), new("metrcQuantity", Kind.Num, 0), new("trackHarvestName", Kind.Str),
        new("metrcLabTestingState", Kind.Str), new("complianceLabTestingState", Kind.Str), new("fromTestSample", Kind.Bool, false),
        new("terpenoids", Kind.Obj), new("produceDate", Kind.Int), new("packageDate", Kind.Int), new("finalTestingDate", Kind.Int),
        new("complianceInfo", Kind.Obj), new("cannabinoidInfo", Kind.Obj), new("potencyAmountInfo", Kind.Obj), new("runId", Kind.Str),
        new("useBatchInfoQATest", Kind.Bool, false), new("doh", Kind.Bool), new("notes", Kind.Arr), new("ndcNumber", Kind.Str),
        new("unitWeightValue", Kind.Num, 0), new("unitWeightType", Kind.Str, "NONE", ["NONE", "GRAM", "OUNCE", "FLUID_OUNCE", "MILLIGRAM"]),
        new("usableNetWeight", Kind.Num, 0), new("labResultData", Kind.Obj), new("servingWeight", Kind.Num, 0),
        new("externalTransferId", Kind.Str), new("sample", Kind.Bool, false), new("complianceSampleChecked", Kind.Bool, false),
    ];

    /// <summary>Set by the server, never taken from input: identity, tenancy, timestamps, and the quantity kept from the rooms' stock.</summary>
    public static readonly HashSet<string> ServerSet = ["id", "companyId", "shopId", "created", "modified", "deleted", "updated", "quantity"];

    /// <summary>Documented fields held in columns of <see cref="ProductBatch"/> instead of its document.</summary>
    private static readonly HashSet<string> Columns =
        [.. ServerSet, "productId", "status", "purchasedDate", "sku", "productName", "trackPackageLabel", "metrcTagId", "lotId", "archived", "unsellable"];

    private static readonly JsonEncodedText[] Names = [.. All.Select(f => JsonEncodedText.Encode(f.Name))];
    private static readonly FrozenDictionary<string, int> Positions = All.Select((f, i) => (f.Name, i)).ToFrozenDictionary(x => x.Name, x => x.i);

    /// <summary>
    /// Writes the batch straight to the response (no intermediate JsonObject per row): columns from
    /// the entity, every other field from its stored document as sent, else the documented default.
    /// The document is read once into a slot per field (a field lookup per documented field would
    /// rescan the document ~110 times a row).
    /// </summary>
    public static void Write(Utf8JsonWriter w, ProductBatch b)
    {
        using var doc = JsonDocument.Parse(b.Document);
        var stored = ArrayPool<JsonElement>.Shared.Rent(All.Length);
        var has = ArrayPool<bool>.Shared.Rent(All.Length);
        try
        {
            Array.Clear(has, 0, All.Length);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
                foreach (var property in doc.RootElement.EnumerateObject())
                    // A stored null reads as absent (the documented default), as the JsonObject merge did.
                    if (property.Value.ValueKind != JsonValueKind.Null && Positions.TryGetValue(property.Name, out var at)) { stored[at] = property.Value; has[at] = true; }
            w.WriteStartObject();
            for (var i = 0; i < All.Length; i++)
            {
                w.WritePropertyName(Names[i]);
                if (!WriteColumn(w, b, All[i].Name))
                {
                    if (has[i]) stored[i].WriteTo(w);
                    else WriteDefault(w, All[i]);
                }
            }
            w.WriteEndObject();
        }
        finally
        {
            ArrayPool<JsonElement>.Shared.Return(stored, clearArray: true);
            ArrayPool<bool>.Shared.Return(has);
        }
    }

    private static bool WriteColumn(Utf8JsonWriter w, ProductBatch b, string field)
    {
        switch (field)
        {
            case "id": w.WriteStringValue(b.Id); break;
            case "companyId": w.WriteStringValue(b.CompanyId); break;
            case "shopId": w.WriteStringValue(b.ShopId); break;
            case "created": w.WriteNumberValue(b.Created); break;
            case "modified": w.WriteNumberValue(b.Modified); break;
            case "deleted": w.WriteBooleanValue(b.Deleted); break;
            case "updated": w.WriteBooleanValue(false); break;
            case "productId": w.WriteStringValue(b.ProductId); break;
            case "quantity": w.WriteNumberValue(Qty.ToDecimal(b.Quantity)); break;
            case "sku": WriteNullable(w, b.Sku); break;
            case "purchasedDate": if (b.PurchasedDate is { } purchased) w.WriteNumberValue(purchased); else w.WriteNullValue(); break;
            case "status": w.WriteStringValue(b.Status); break;
            case "productName": WriteNullable(w, b.ProductName); break;
            case "trackPackageLabel": WriteNullable(w, b.TrackPackageLabel); break;
            case "metrcTagId": WriteNullable(w, b.MetrcTagId); break;
            case "lotId": WriteNullable(w, b.LotId); break;
            case "archived": w.WriteBooleanValue(b.Archived); break;
            case "unsellable": w.WriteBooleanValue(b.Unsellable); break;
            default: return false;
        }
        return true;
    }

    private static void WriteNullable(Utf8JsonWriter w, string? value)
    {
        if (value is null) w.WriteNullValue();
        else w.WriteStringValue(value);
    }

    private static void WriteDefault(Utf8JsonWriter w, Field f)
    {
        switch (f.Default)
        {
            case int i: w.WriteNumberValue(i); break;
            case bool x: w.WriteBooleanValue(x); break;
            case string s: w.WriteStringValue(s); break;
            default: w.WriteNullValue(); break;
        }
    }

    /// <summary>Checks the documented, client-settable fields of <paramref name="body"/> against their wire types; unknown fields are ignored.</summary>
    public static Dictionary<string, string> Validate(JsonObject body)
    {
        var errors = new Dictionary<string, string>();
        foreach (var f in All)
        {
            if (ServerSet.Contains(f.Name) || body[f.Name] is not { } v) continue;
            var kind = v.GetValueKind();
            var message = f.Kind switch
            {
                Kind.Str when kind != JsonValueKind.String => "Must be a string.",
                Kind.Str when Columns.Contains(f.Name) && v.GetValue<string>().Length > 255 => "At most 255 characters.",
                Kind.Str when f.Enum is { } values && !values.Contains(v.GetValue<string>()) => "Must be one of: " + string.Join(", ", values) + ".",
                Kind.Int when kind != JsonValueKind.Number || !v.AsValue().TryGetValue<long>(out _) => "Must be an integer.",
                Kind.Num when kind != JsonValueKind.Number || !v.AsValue().TryGetValue<decimal>(out _) => "Must be a number.",
                Kind.Bool when kind is not (JsonValueKind.True or JsonValueKind.False) => "Must be a boolean.",
                Kind.Obj when kind != JsonValueKind.Object => "Must be an object.",
                Kind.Arr when kind != JsonValueKind.Array => "Must be an array.",
                _ => null,
            };
            if (message is not null) errors[f.Name] = message;
        }
        return errors;
    }

    /// <summary>Fills <paramref name="batch"/> from a validated body: column fields into columns, the rest into the document.</summary>
    public static void Apply(JsonObject body, ProductBatch batch)
    {
        var doc = new JsonObject();
        foreach (var f in All)
        {
            if (ServerSet.Contains(f.Name) || f.Name == "productId" || body[f.Name] is not { } v) continue;
            switch (f.Name)
            {
                case "status": batch.Status = v.GetValue<string>(); break;
                case "purchasedDate": batch.PurchasedDate = v.GetValue<long>(); break;
                case "sku": batch.Sku = v.GetValue<string>(); break;
                case "productName": batch.ProductName = v.GetValue<string>(); break;
                case "trackPackageLabel": batch.TrackPackageLabel = v.GetValue<string>(); break;
                case "metrcTagId": batch.MetrcTagId = v.GetValue<string>(); break;
                case "lotId": batch.LotId = v.GetValue<string>(); break;
                case "archived": batch.Archived = v.GetValue<bool>(); break;
                case "unsellable": batch.Unsellable = v.GetValue<bool>(); break;
                default: doc[f.Name] = v.DeepClone(); break;
            }
        }
        batch.Document = doc.ToJsonString();
    }
}

/// <summary>A product batch on the wire: serializes through <see cref="ProductBatchFields.Write"/>.</summary>
[JsonConverter(typeof(ProductBatchJsonConverter))]
public sealed record ProductBatchJson(ProductBatch Batch);

public sealed class ProductBatchJsonConverter : JsonConverter<ProductBatchJson>
{
    public override ProductBatchJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Product batches are only written.");

    public override void Write(Utf8JsonWriter writer, ProductBatchJson value, JsonSerializerOptions options) =>
        ProductBatchFields.Write(writer, value.Batch);
}
