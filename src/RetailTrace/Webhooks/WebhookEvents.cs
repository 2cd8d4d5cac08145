using System.Text.Json;
using RetailTrace.Common;

namespace RetailTrace.Webhooks;

/// <summary>The event types an endpoint can subscribe to, and which owners receive each.</summary>
public static class WebhookEventTypes
{
    public const string LucidIdMinted = "lucidid.minted";
    public const string LucidIdImported = "lucidid.imported";
    public const string LucidIdRemoved = "lucidid.removed";
    public const string LucidIdSold = "lucidid.sold";
    public const string LucidIdVoided = "lucidid.voided";
    public const string LucidIdReturned = "lucidid.returned";
    public const string CaseImported = "case.imported";
    public const string CaseRemoved = "case.removed";
    public const string ExportReady = "export.ready";
    public const string ExportFailed = "export.failed";
    public const string TransferCreated = "transfer.created";
    public const string TransferAccepted = "transfer.accepted";
    public const string TransferDeclined = "transfer.declined";
    public const string TransferCompleted = "transfer.completed";
    /// <summary>Another endpoint of the same owner was disabled after a day of failed deliveries.</summary>
    public const string EndpointDisabled = "webhook_endpoint.disabled";

    private static readonly string[] LucidIds = [LucidIdMinted, LucidIdImported, LucidIdRemoved, LucidIdSold, LucidIdVoided, LucidIdReturned];

    /// <summary>What each kind of owner can receive: LucidIDs and cases go to their brand and the dispensary holding
    /// them, exports to their dispensary, transfers to the sending and the receiving shop.</summary>
    public static IReadOnlyList<string> For(string ownerKind) => ownerKind switch
    {
        WebhookOwner.DispensaryKind => [.. LucidIds, CaseImported, CaseRemoved, ExportReady, ExportFailed, EndpointDisabled],
        WebhookOwner.BrandKind => [.. LucidIds, CaseImported, CaseRemoved, EndpointDisabled],
        _ => [TransferCreated, TransferAccepted, TransferDeclined, TransferCompleted, EndpointDisabled],
    };

    /// <summary>The record an event of <paramref name="type"/> carries as its payload's <c>data</c> to an owner of
    /// <paramref name="ownerKind"/> (written by <see cref="WebhookOutbox"/>; documented by <see cref="WebhooksOpenApi"/>).</summary>
    public static Type DataOf(string type, string ownerKind) => type switch
    {
        EndpointDisabled => ownerKind == WebhookOwner.ShopKind ? typeof(BlazeEndpointDisabledData) : typeof(EndpointDisabledData),
        CaseImported or CaseRemoved => typeof(CaseEventData),
        ExportReady => typeof(ExportReadyData),
        ExportFailed => typeof(ExportFailedData),
        TransferCreated or TransferAccepted or TransferDeclined or TransferCompleted => typeof(Store.TransferView),
        _ => typeof(LucidIdEventData),
    };

    /// <summary>The <c>lucidid.*</c> type of an item event (minted, imported, removed, sold, voided, returned).</summary>
    public static string ForItemEvent(string itemEventType) => "lucidid." + itemEventType;
}

/// <summary>
/// The tenant that owns an endpoint and receives events, as one key (<c>kind:id</c>, with the id in its
/// family's form) so that "the endpoints of these owners" is one indexed IN list.
/// </summary>
public readonly record struct WebhookOwner(string Kind, string Id)
{
    public const string DispensaryKind = "dispensary";
    public const string BrandKind = "brand";
    public const string ShopKind = "shop";

    public string Key => Kind + ":" + Id;
    public bool IsShop => Kind == ShopKind;

    public static WebhookOwner Dispensary(Guid id) => new(DispensaryKind, ShortUuid.Encode(id));
    public static WebhookOwner Brand(Guid id) => new(BrandKind, ShortUuid.Encode(id));
    public static WebhookOwner Shop(string id) => new(ShopKind, id);

    public static WebhookOwner Parse(string key)
    {
        var colon = key.IndexOf(':');
        return new(key[..colon], key[(colon + 1)..]);
    }

    /// <summary>A new endpoint id in the owner's family form: ObjectId for shops, ShortUUID otherwise.</summary>
    public string NewEndpointId(TimeProvider time) => IsShop ? ObjectId.NewId(time) : ShortUuid.NewId();

    /// <summary>The JSON conventions of the owner's family for the payload's <c>data</c>.</summary>
    public JsonSerializerOptions Json => IsShop ? Blaze.Json : Drf.Json;
}

// Payload data, in the recipient family's conventions (DRF: snake_case, ShortUUIDs, microsecond datetimes;
// BLAZE: camelCase, epoch milliseconds). Nulls are written, so every documented field is always present.

/// <summary><c>lucidid.*</c>: one item event and the recipient's units in it (a brand gets its own units only).</summary>
public sealed record LucidIdEventData(
    string Event, DateTime At, string? DispensaryUuid, string? PackageUid, string? OrderId, DateTime? PerformedAt, List<string> LucidIds);

/// <summary><c>case.imported</c> and <c>case.removed</c>: case parts into or out of a dispensary's inventory under a POS Package UID.</summary>
public sealed record CaseEventData(string Event, DateTime At, Guid CaseUuid, List<string> PackagedProductUuids, string DispensaryUuid, string PackageUid);

/// <summary><c>export.ready</c>: a Package UID export can be fetched (GET /api/v1.2/package-uids-export/?export_date=…).</summary>
public sealed record ExportReadyData(Guid DispensaryUuid, DateOnly ExportDate, long PackageUidCount, long LucidIdCount);

/// <summary><c>export.failed</c>: an export attempt failed (the scheduler retries; operators can run it again).</summary>
public sealed record ExportFailedData(Guid DispensaryUuid, DateOnly ExportDate, string Error);

/// <summary><c>webhook_endpoint.disabled</c> to a dispensary or brand.</summary>
public sealed record EndpointDisabledData(string EndpointId, string Url, string DisabledReason, DateTime FailingSince);

/// <summary><c>webhook_endpoint.disabled</c> to a shop (BLAZE conventions).</summary>
public sealed record BlazeEndpointDisabledData(string EndpointId, string Url, string DisabledReason, long FailingSince);

/// <summary>The Standard Webhooks body: <c>{"type","timestamp","data"}</c>, timestamp ISO-8601 UTC.</summary>
public static class WebhookEnvelope
{
    public static string Write(string type, DateTime occurredAt, string dataJson)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteString("timestamp", Drf.FormatDateTime(occurredAt));
            writer.WritePropertyName("data");
            writer.WriteRawValue(dataJson);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
