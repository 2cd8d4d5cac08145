using System.Text.Json;
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
