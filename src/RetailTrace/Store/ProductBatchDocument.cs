using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace RetailTrace.Store;

/// <summary>
/// The documented ProductBatch object (seed 004), field by field in documented order. A field with a
/// documented default has it as its initializer (BigDecimal "default ZERO" is 0) and a non-nullable type;
/// every other field starts null. Enumerated strings list their values, and strings the API filters on
/// are bounded by their column. Object- and array-shaped fields are kept as the JSON sent. Setters, not
/// init: source-generated deserialization assigns every init-only property, which would lose a missing
/// field's default (dotnet/runtime#84484).
/// </summary>
public sealed record ProductBatchDocument
{
    public static readonly string[] Statuses = ["IN_TRANSFER", "RECEIVED", "IN_TESTING", "READY_FOR_SALE", "PROCESSING"];

    /// <summary>Set by the server, never taken from input: identity, tenancy, timestamps, and the quantity kept from the rooms' stock.</summary>
    public static readonly IReadOnlySet<string> ServerSet = new HashSet<string> { "id", "companyId", "shopId", "created", "modified", "deleted", "updated", "quantity" };

    public string Id { get; set; } = "";
    public string CompanyId { get; set; } = "";
    public string ShopId { get; set; } = "";
    public long Created { get; set; }
    public long Modified { get; set; }
    public bool Deleted { get; set; }
    public bool Updated { get; set; }
    public string? WeightType { get; set; }
    [MaxLength(255)] public string ProductId { get; set; } = "";
    public string? VendorId { get; set; }
    public long BatchNo { get; set; }
    public decimal? Cost { get; set; }
    public decimal? CostPerUnit { get; set; }
    public decimal Quantity { get; set; }
    [MaxLength(255)] public string? Sku { get; set; }
    public decimal? TotalTerpenes { get; set; }
    public decimal? TotalCannabinoids { get; set; }
    public decimal? Thc { get; set; }
    public decimal? Cbn { get; set; }
    public decimal? Cbd { get; set; }
    public decimal? Cbda { get; set; }
    public decimal? Thca { get; set; }
    public decimal? Cbg { get; set; }
    public string? ThcName { get; set; }
    public string? CbnName { get; set; }
    public string? CbdName { get; set; }
    public string? CbdaName { get; set; }
    public string? ThcaName { get; set; }
    public string? CbgName { get; set; }
    public long? RetailIdCount { get; set; }
    public string? RetailIdTraceMessage { get; set; }
    public long? RetailIdUpdatedAt { get; set; }
    public decimal? MaxThc { get; set; }
    public decimal? MaxCbn { get; set; }
    public decimal? MaxCbd { get; set; }
    public decimal? MaxCbda { get; set; }
    public decimal? MaxThca { get; set; }
    public long? PurchasedDate { get; set; }
    public long? SellBy { get; set; }
    public bool Archived { get; set; }
    public long? ArchivedDate { get; set; }
    public bool Published { get; set; }
    public bool Unsellable { get; set; }
    public JsonArray? UnsellableReasons { get; set; }
    public decimal? PublishedQuantity { get; set; }
    public long? PublishedDate { get; set; }
    public long? LastAuditDate { get; set; }
    public bool TrackTraceVerified { get; set; }
    public long? TrackPackageId { get; set; }
    [MaxLength(255)] public string? TrackPackageLabel { get; set; }
    public string? TrackHarvestBatch { get; set; }
    public string? TrackHarvestDate { get; set; }
    [AllowedValues("MANUAL", "METRC", "BIOTRACK", "UTAH_ICS", "OTHER")] public string TrackTraceSystem { get; set; } = "MANUAL";
    public string? PurchaseOrderId { get; set; }
    public decimal? PerUnitExciseTax { get; set; }
    public decimal? TotalExciseTax { get; set; }
    public string? CustomerCompanyId { get; set; }
    public string? BrandId { get; set; }
    public long? ReceiveDate { get; set; }
    public string? PoNumber { get; set; }
    [BatchStatus] public string Status { get; set; } = "RECEIVED";
    [BatchStatus] public string PrevStatus { get; set; } = "RECEIVED";
    [BatchStatus] public string RequestedStatus { get; set; } = "RECEIVED";
    public string? ComplianceError { get; set; }
    public string? MetrcCategory { get; set; }
    public bool VoidStatus { get; set; }
    public bool? Active { get; set; }
    public JsonObject? BatchQRAsset { get; set; }
    public JsonObject? ProductBatchLabel { get; set; }
    [MaxLength(255)] public string? LotId { get; set; }
    [MaxLength(255)] public string? MetrcTagId { get; set; }
    public decimal? TotalCultivationTax { get; set; }
    public JsonObject? PotencyAmount { get; set; }
    public bool? IsPrepaidTax { get; set; }
    public JsonObject? ReferenceNote { get; set; }
    public JsonArray? Attachments { get; set; }
    [MaxLength(255)] public string? ProductName { get; set; }
    public string? VendorName { get; set; }
    public string? BrandName { get; set; }
    public decimal LiveQuantity { get; set; }
    public string? DerivedLogId { get; set; }
    public long? ExpirationDate { get; set; }
    public string? LicenseId { get; set; }
    public string? LabelInfo { get; set; }
    public JsonArray? BundleItems { get; set; }
    public string? ExternalId { get; set; }
    public string? ExternalLicense { get; set; }
    public string? RoomId { get; set; }
    public decimal? ActualWeightPerUnit { get; set; }
    public decimal? Waste { get; set; }
    public bool UnProcessed { get; set; }
    public bool ProductionBatch { get; set; }
    public decimal? MoistureLoss { get; set; }
    [AllowedValues("SAMPLE", "SALE")] public string BatchType { get; set; } = "SALE";
    public string? ConnectedBatchId { get; set; }
    public decimal MetrcQuantity { get; set; }
    public string? TrackHarvestName { get; set; }
    public string? MetrcLabTestingState { get; set; }
    public string? ComplianceLabTestingState { get; set; }
    public bool FromTestSample { get; set; }
    public JsonObject? Terpenoids { get; set; }
    public long? ProduceDate { get; set; }
    public long? PackageDate { get; set; }
    public long? FinalTestingDate { get; set; }
    public JsonObject? ComplianceInfo { get; set; }
    public JsonObject? CannabinoidInfo { get; set; }
    public JsonObject? PotencyAmountInfo { get; set; }
    public string? RunId { get; set; }
    public bool UseBatchInfoQATest { get; set; }
    public bool? Doh { get; set; }
    public JsonArray? Notes { get; set; }
    public string? NdcNumber { get; set; }
    public decimal UnitWeightValue { get; set; }
    [AllowedValues("NONE", "GRAM", "OUNCE", "FLUID_OUNCE", "MILLIGRAM")] public string UnitWeightType { get; set; } = "NONE";
    public decimal UsableNetWeight { get; set; }
    public JsonObject? LabResultData { get; set; }
    public decimal ServingWeight { get; set; }
    public string? ExternalTransferId { get; set; }
    public bool Sample { get; set; }
    public bool ComplianceSampleChecked { get; set; }

    /// <summary>
    /// The client-settable fields of <paramref name="body"/> (an admin create body), each checked against
    /// its declared type, values and length, in documented order. Server-set and unknown fields are
    /// ignored, and a null reads as absent, so the field keeps its default.
    /// </summary>
    public static (ProductBatchDocument? Fields, Dictionary<string, string> Errors) FromInput(JsonObject body)
    {
        var fields = new JsonObject();
        var errors = new Dictionary<string, string>();
        foreach (var field in StoreJson.Default.ProductBatchDocument.Properties)
        {
            if (ServerSet.Contains(field.Name) || body[field.Name] is not { } value) continue;
            if (Problem(field, value) is { } message) errors[field.Name] = message;
            else fields[field.Name] = value.DeepClone();
        }
        return errors.Count > 0 ? (null, errors) : (fields.Deserialize(StoreJson.Default.ProductBatchDocument), errors);
    }

    private static string? Problem(JsonPropertyInfo field, JsonNode value)
    {
        object? typed;
        try { typed = value.Deserialize(StoreJson.Default.GetTypeInfo(field.PropertyType)!); }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return (Nullable.GetUnderlyingType(field.PropertyType) ?? field.PropertyType) switch
            {
                var t when t == typeof(string) => "Must be a string.",
                var t when t == typeof(long) => "Must be an integer.",
                var t when t == typeof(decimal) => "Must be a number.",
                var t when t == typeof(bool) => "Must be a boolean.",
                var t when t == typeof(JsonObject) => "Must be an object.",
                var t when t == typeof(JsonArray) => "Must be an array.",
                var t => throw new InvalidOperationException($"No input message for a field of type {t}."),
            };
        }
        var attributes = field.AttributeProvider!.GetCustomAttributes(inherit: true);
        if (attributes.OfType<MaxLengthAttribute>().FirstOrDefault() is { } max && typed is string s && s.Length > max.Length)
            return $"At most {max.Length} characters.";
        if (attributes.OfType<AllowedValuesAttribute>().FirstOrDefault() is { } allowed && !allowed.IsValid(typed))
            return "Must be one of: " + string.Join(", ", allowed.Values) + ".";
        return null;
    }

    /// <summary>How a document is stored: its wire form without nulls (a field left out reads as its initializer, null for every nullable field).</summary>
    public static string ToStored(ProductBatchDocument document) => JsonSerializer.Serialize(document, StoredJson.Default.ProductBatchDocument);

    public static ProductBatchDocument FromStored(string json) => JsonSerializer.Deserialize(json, StoredJson.Default.ProductBatchDocument)!;
}

/// <summary>status, prevStatus and requestedStatus: one of <see cref="ProductBatchDocument.Statuses"/>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class BatchStatusAttribute() : AllowedValuesAttribute(ProductBatchDocument.Statuses);

/// <summary>The store family's wire format, source-generated: camelCase, nulls written, epoch-millisecond longs as numbers.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ProductBatchDocument))]
[JsonSerializable(typeof(SearchResult<ProductBatchDocument>))]
public partial class StoreJson : JsonSerializerContext;

/// <summary>The wire format without nulls: how <see cref="ProductBatchDocument"/> is stored.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.Strict,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProductBatchDocument))]
internal partial class StoredJson : JsonSerializerContext;
