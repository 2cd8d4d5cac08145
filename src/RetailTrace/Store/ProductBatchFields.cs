using System.Buffers;
using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RetailTrace.Common;
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

    /// <summary>
    /// Fields that change after a batch is created, or never vary: written from the row's columns on
    /// every read. Every other field is fixed at creation and written from the batch's document.
    /// </summary>
    private static readonly HashSet<string> Live = [.. All.Where(f => LiveWriter(f.Name) is not null).Select(f => f.Name)];

    /// <summary>Fixed fields that are also columns of <see cref="ProductBatch"/>, for SQL to filter, sort and copy on.</summary>
    private static readonly HashSet<string> Columns = ["id", "companyId", "shopId", "created", "productId", "status", "purchasedDate",
        "sku", "productName", "trackPackageLabel", "metrcTagId", "lotId", "archived", "unsellable"];

    private static readonly JsonEncodedText[] Names = [.. All.Select(f => JsonEncodedText.Encode(f.Name))];
    private static readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Positions =
        All.Select((f, i) => (f.Name, i)).ToFrozenDictionary(x => x.Name, x => x.i).GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly Action<Utf8JsonWriter, ProductBatchJson>?[] LiveWriters = [.. All.Select(f => LiveWriter(f.Name))];

    /// <summary>Every field with its documented default, <c>"name":default</c>, in documented order and joined by commas.</summary>
    private static readonly byte[] DefaultsText;
    private static readonly int[] DefaultStarts;

    /// <summary>The run of fields [from, to) with their defaults: one slice of <see cref="DefaultsText"/>.</summary>
    private static ReadOnlySpan<byte> Defaults(int from, int to) =>
        DefaultsText.AsSpan(DefaultStarts[from], DefaultStarts[to] - 1 - DefaultStarts[from]);

    // Rows are written by a writer of their own that may write a run of "name":value pairs where a
    // property is expected (SkipValidation), then handed to the caller's writer as one raw value.
    private static readonly JsonWriterOptions RowWriterOptions = new() { Encoder = Blaze.Json.Encoder, SkipValidation = true };
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_rowBuffer;
    [ThreadStatic] private static Utf8JsonWriter? t_rowWriter;

    static ProductBatchFields()
    {
        var text = new ArrayBufferWriter<byte>();
        DefaultStarts = new int[All.Length + 1];
        for (var i = 0; i < All.Length; i++)
        {
            DefaultStarts[i] = text.WrittenCount;
            using (var w = new Utf8JsonWriter(text, RowWriterOptions))
            {
                w.WritePropertyName(Names[i]);
                WriteDefault(w, All[i]);
            }
            text.Write(","u8);
        }
        DefaultStarts[All.Length] = text.WrittenCount;
        DefaultsText = text.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Writes the batch as one JSON object: the live fields from its columns, every other field from its
    /// stored document as stored, else the documented default. Most of a row's 120 fields are defaults,
    /// and each run of them between two written fields is copied as precomputed text: a row costs a
    /// write per live and per stored field, not one per documented field.
    /// </summary>
    public static void Write(Utf8JsonWriter writer, ProductBatchJson b)
    {
        var buffer = t_rowBuffer ??= new ArrayBufferWriter<byte>(4096);
        var w = t_rowWriter ??= new Utf8JsonWriter(buffer, RowWriterOptions);
        buffer.ResetWrittenCount();
        w.Reset(buffer);
        var document = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(b.Document.Length));
        try
        {
            Span<Range> stored = stackalloc Range[All.Length];
            var json = document.AsSpan(0, Encoding.UTF8.GetBytes(b.Document, document));
            ReadStored(json, stored);
            w.WriteStartObject();
            var run = 0; // first field of the defaulted run not yet written
            for (var i = 0; i < All.Length; i++)
            {
                var live = LiveWriters[i];
                if (live is null && stored[i].Equals(default(Range))) continue;
                if (run < i) w.WriteRawValue(Defaults(run, i), skipInputValidation: true);
                w.WritePropertyName(Names[i]);
                if (live is not null) live(w, b);
                else w.WriteRawValue(json[stored[i]], skipInputValidation: true);
                run = i + 1;
            }
            if (run < All.Length) w.WriteRawValue(Defaults(run, All.Length), skipInputValidation: true);
            w.WriteEndObject();
            w.Flush();
            writer.WriteRawValue(buffer.WrittenSpan, skipInputValidation: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(document);
        }
    }

    /// <summary>
    /// Where each documented field's value is in the stored document (our own compact JSON). A stored
    /// null reads as absent, so the documented default is written, as the JsonObject merge always did.
    /// </summary>
    private static void ReadStored(ReadOnlySpan<byte> document, Span<Range> stored)
    {
        var reader = new Utf8JsonReader(document);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return;
        var shape = t_lastShape ??= new int[All.Length];
        for (var k = 0; reader.Read() && reader.TokenType == JsonTokenType.PropertyName; k++)
        {
            var at = FieldAt(ref reader, shape, k);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (at >= 0 && reader.TokenType != JsonTokenType.Null) stored[at] = start..(int)reader.BytesConsumed;
        }
    }

    // The fields of the last document read on this thread, by their place in it. A shop's documents
    // mostly store the same fields in the same order, so the k-th name is usually found by comparing
    // its bytes with the k-th name of the last document, before any dictionary lookup.
    [ThreadStatic] private static int[]? t_lastShape;

    /// <summary>The documented position of the property name under the reader, or -1 for a name not documented.</summary>
    private static int FieldAt(ref Utf8JsonReader reader, int[] shape, int k)
    {
        if (reader.ValueIsEscaped) return -1;
        var name = reader.ValueSpan;
        if (k < shape.Length && name.SequenceEqual(Names[shape[k]].EncodedUtf8Bytes)) return shape[k];
        Span<char> chars = stackalloc char[64];
        var at = name.Length <= chars.Length && Positions.TryGetValue(chars[..Encoding.UTF8.GetChars(name, chars)], out var found) ? found : -1;
        if (k < shape.Length && at >= 0) shape[k] = at;
        return at;
    }

    private static Action<Utf8JsonWriter, ProductBatchJson>? LiveWriter(string field) => field switch
    {
        "modified" => (w, b) => w.WriteNumberValue(b.Modified),
        "deleted" => (w, b) => w.WriteBooleanValue(b.Deleted),
        "updated" => (w, _) => w.WriteBooleanValue(false),
        "quantity" => (w, b) => w.WriteNumberValue(Qty.ToDecimal(b.Quantity)),
        _ => null,
    };

    /// <summary>The value of a fixed field held in a column: from the entity, null when the column is.</summary>
    private static JsonNode? ColumnValue(ProductBatch b, string field) => field switch
    {
        "id" => b.Id,
        "companyId" => b.CompanyId,
        "shopId" => b.ShopId,
        "created" => b.Created,
        "productId" => b.ProductId,
        "status" => b.Status,
        "purchasedDate" => b.PurchasedDate,
        "sku" => b.Sku,
        "productName" => b.ProductName,
        "trackPackageLabel" => b.TrackPackageLabel,
        "metrcTagId" => b.MetrcTagId,
        "lotId" => b.LotId,
        "archived" => b.Archived,
        "unsellable" => b.Unsellable,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "Not a column of a product batch."),
    };

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

    /// <summary>Fills <paramref name="batch"/> from a validated body: its column fields, then its document (<see cref="SetDocument"/>).</summary>
    public static void Apply(JsonObject body, ProductBatch batch)
    {
        foreach (var f in All)
        {
            if (ServerSet.Contains(f.Name) || !Columns.Contains(f.Name) || body[f.Name] is not { } v) continue;
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
            }
        }
        SetDocument(batch, body);
    }

    /// <summary>
    /// Sets the batch's document to every field fixed at its creation, in documented order: the column
    /// fields from the entity, the others from <paramref name="fields"/> (a validated body, or the document
    /// of the batch a copy is made from). Nulls and absent fields are left out: they read as the default.
    /// A page then reads a batch's document and its live columns, not all of its columns.
    /// </summary>
    public static void SetDocument(ProductBatch batch, JsonObject fields)
    {
        var doc = new JsonObject();
        foreach (var f in All)
        {
            if (Live.Contains(f.Name)) continue;
            var value = Columns.Contains(f.Name) ? ColumnValue(batch, f.Name) : fields[f.Name]?.DeepClone();
            if (value is not null) doc[f.Name] = value;
        }
        batch.Document = doc.ToJsonString();
    }
}

/// <summary>
/// A product batch on the wire: its document and live columns, all a page reads of a row. Serializes
/// through <see cref="ProductBatchFields.Write"/>.
/// </summary>
[JsonConverter(typeof(ProductBatchJsonConverter))]
public sealed record ProductBatchJson(string Document, long Modified, long Quantity, bool Deleted)
{
    public static ProductBatchJson From(ProductBatch b) => new(b.Document, b.Modified, b.Quantity, b.Deleted);
}

public sealed class ProductBatchJsonConverter : JsonConverter<ProductBatchJson>
{
    public override ProductBatchJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Product batches are only written.");

    public override void Write(Utf8JsonWriter writer, ProductBatchJson value, JsonSerializerOptions options) =>
        ProductBatchFields.Write(writer, value);
}
