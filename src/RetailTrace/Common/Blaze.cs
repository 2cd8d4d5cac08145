using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace RetailTrace.Common;

/// <summary>
/// Wire conventions of the BLAZE partner store API: camelCase, nulls written, epoch-millisecond
/// timestamps (entities hold them as <c>long</c>), and BLAZE's exception-shaped error bodies.
/// </summary>
public static class Blaze
{
    public static readonly JsonSerializerOptions Json = CreateOptions();

    public const string InvalidArg = "com.fourtwenty.core.exceptions.BlazeInvalidArgException";
    public const string AuthError = "com.fourtwenty.core.exceptions.BlazeAuthException";
    public const string NotFoundError = "com.fourtwenty.core.exceptions.BlazeNotFoundException";
    public const string TooManyRequests = "com.fourtwenty.core.exceptions.BlazeTooManyRequestsException";
    public const string ServerError = "com.fourtwenty.core.exceptions.BlazeOperationException";

    public static IResult Error(int status, string field, string message) =>
        TypedResults.Json(new BlazeError(field, message, ErrorTypeFor(status), null), Json, statusCode: status);

    public static IResult BadRequest(string field, string message) => Error(StatusCodes.Status400BadRequest, field, message);

    public static IResult NotFound(string field, string message) => Error(StatusCodes.Status404NotFound, field, message);

    public static IResult Ok<T>(T body) => TypedResults.Json(body, Json);

    /// <summary>A 200 written by source-generated metadata (the same conventions as <see cref="Json"/>).</summary>
    public static IResult Ok<T>(T body, JsonTypeInfo<T> type) => TypedResults.Json(body, type);

    /// <summary>A body field of the wrong type or size: the 400 names it (BLAZE reports the first problem only).</summary>
    public sealed class FieldException(string field, string message) : Exception(message)
    {
        public string Field { get; } = field;
    }

    /// <summary>The body as a JSON object; an empty one is <paramref name="whenEmpty"/>. The guard (<see cref="RequestBody"/>) already bounded and checked it.</summary>
    public static async Task<(JsonObject?, IResult?)> ReadObjectAsync(HttpRequest request, JsonNode? whenEmpty)
    {
        var (node, error) = await RequestBody.ReadJsonAsync(request, whenEmpty);
        if (error is not null) return (null, ApiErrors.Refusal(request.HttpContext, error));
        return node is JsonObject o ? (o, null) : (null, BadRequest("request", "The request body must be a JSON object."));
    }

    /// <summary>An optional string field of at most <paramref name="maxLength"/> characters (after trimming, when <paramref name="trim"/>).</summary>
    public static string? String(JsonObject o, string name, int maxLength = 255, bool trim = false)
    {
        if (o[name] is not { } v) return null;
        if (v.GetValueKind() != JsonValueKind.String) throw new FieldException(name, $"{name} must be a string.");
        var s = trim ? v.GetValue<string>().Trim() : v.GetValue<string>();
        return s.Length <= maxLength ? s : throw new FieldException(name, $"{name} must be at most {maxLength} characters.");
    }

    public static bool? Boolean(JsonObject o, string name) => o[name] switch
    {
        null => null,
        var v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw new FieldException(name, $"{name} must be a boolean."),
    };

    public static string ErrorTypeFor(int status) => status switch
    {
        401 or 403 => AuthError,
        404 => NotFoundError,
        429 => TooManyRequests,
        >= 500 => ServerError,
        _ => InvalidArg,
    };

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            NumberHandling = JsonNumberHandling.Strict,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

public sealed record BlazeError(string Field, string Message, string ErrorType, object? References);
