using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace RetailTrace.Common;

/// <summary>
/// Wire conventions of the LucidGreen families (v1.2, v1.5), which are Django REST Framework
/// services: snake_case, compact JSON, UTC datetimes with microseconds and "Z", DRF error bodies.
/// </summary>
public static class Drf
{
    public static readonly JsonSerializerOptions Json = CreateOptions();

    public const string NotFoundDetail = "Not found.";
    public const string RequiredMessage = "This field is required.";

    public static IResult Detail(int status, string detail) =>
        TypedResults.Json(new DrfDetail(detail), Json, statusCode: status);

    public static IResult NotFound() => Detail(StatusCodes.Status404NotFound, NotFoundDetail);

    public static IResult BadRequest(string detail) => Detail(StatusCodes.Status400BadRequest, detail);

    public static IResult FieldErrors(IReadOnlyDictionary<string, object> errors) =>
        TypedResults.Json(errors, Json, statusCode: StatusCodes.Status400BadRequest);

    public static IResult Ok<T>(T body, int status = StatusCodes.Status200OK) => TypedResults.Json(body, Json, statusCode: status);

    public static string FormatDateTime(DateTime value) =>
        DateTime.SpecifyKind(value, DateTimeKind.Utc).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads a request body as a JSON object the way DRF's JSONParser does: an empty body is an empty
    /// object; another media type is 415; malformed JSON is <c>{"detail":"JSON parse error - …"}</c>; a
    /// non-object is a non_field_errors 400. The body was read and checked within limits by the guard
    /// (<see cref="RequestBody"/>).
    /// </summary>
    public static async Task<(JsonObject? Body, IResult? Error)> ReadObjectAsync(HttpRequest request)
    {
        var (node, error) = await RequestBody.ReadJsonAsync(request, whenEmpty: new JsonObject());
        if (error is not null) return (null, ApiErrors.Refusal(request.HttpContext, error));
        if (node is JsonObject obj) return (obj, null);
        var errors = new Dictionary<string, object>
        {
            ["non_field_errors"] = new[] { NotAnObjectMessage(node) },
        };
        return (null, FieldErrors(errors));
    }

    /// <summary>DRF's ListField message for a value that is not a list.</summary>
    public static string NotAListMessage(JsonNode? node) => $"Expected a list of items but got type \"{PythonTypeName(node)}\".";

    /// <summary>DRF's serializer message for data that is not an object.</summary>
    public static string NotAnObjectMessage(JsonNode? node) => $"Invalid data. Expected a dictionary, but got {PythonTypeName(node)}.";

    /// <summary>The Python type name DRF puts in its messages for a JSON value.</summary>
    public static string PythonTypeName(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "NoneType",
        JsonValueKind.String => "str",
        JsonValueKind.Number => node.ToJsonString().Contains('.') || node.ToJsonString().Contains('e', StringComparison.OrdinalIgnoreCase) ? "float" : "int",
        JsonValueKind.True or JsonValueKind.False => "bool",
        JsonValueKind.Array => "list",
        _ => "dict",
    };

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            WriteIndented = false,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            // As DRF's renderer: characters such as + " < > and non-ASCII text are written as themselves, not \uXXXX.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new DrfDateTimeConverter());
        options.Converters.Add(new ShortUuidConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private sealed class DrfDateTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTime().ToUniversalTime();

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(FormatDateTime(value));
    }

    /// <summary>Every Guid on the LucidGreen wire is a ShortUUID.</summary>
    private sealed class ShortUuidConverter : JsonConverter<Guid>
    {
        public override Guid Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            ShortUuid.Decode(reader.GetString()!);

        public override void Write(Utf8JsonWriter writer, Guid value, JsonSerializerOptions options) =>
            writer.WriteStringValue(ShortUuid.Encode(value));
    }
}

public sealed record DrfDetail(string Detail);
