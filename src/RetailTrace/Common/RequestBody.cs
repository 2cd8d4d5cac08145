using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;

namespace RetailTrace.Common;

/// <summary>
/// What a request body may cost. Every body is read into one buffer of at most <see cref="MaxBytes"/>, and a
/// JSON body is scanned token by token (depth, value count, string length, duplicate keys, invalid text)
/// before any handler builds a tree from it, so the memory a request can take is bounded by what its
/// endpoint accepts, not by what the client sends.
/// </summary>
public sealed record BodyLimits(int MaxBytes, int MaxDepth, int MaxTokens, int MaxStringBytes)
{
    /// <summary>
    /// LucidGreen and BLAZE bodies are small: the largest, <c>transactions/complete</c>, carries at most 1,000 LucidIDs
    /// (about 30 KB); a transfer holds at most 100 logs; product and webhook fields are at most a few thousand characters.
    /// </summary>
    public static readonly BodyLimits Api = new(MaxBytes: 256 * 1024, MaxDepth: 16, MaxTokens: 10_000, MaxStringBytes: 32 * 1024);

    /// <summary>Admin writes and the token form, including a whole BLAZE ProductBatch document.</summary>
    public static readonly BodyLimits Other = new(MaxBytes: 1024 * 1024, MaxDepth: 32, MaxTokens: 50_000, MaxStringBytes: 64 * 1024);

    /// <summary>The limits of the endpoint a path belongs to: one table, by family.</summary>
    public static BodyLimits For(PathString path) => ApiErrors.FamilyOf(path) switch
    {
        ApiFamily.Drf or ApiFamily.Blaze => Api,
        _ => Other,
    };
}

/// <summary>
/// Reads request bodies within <see cref="BodyLimits"/>, and caps the body bytes all requests may hold at once.
/// Refusals are written in the family's error shape (see <see cref="ApiErrors.Refusal"/>).
/// </summary>
public static class RequestBody
{
    /// <summary>Bytes of request bodies the server holds at once; more waits briefly, then answers 503.</summary>
    public const int DefaultBudgetBytes = 64 * 1024 * 1024;

    /// <summary>How long a body waits for room in the budget before the 503.</summary>
    public static readonly TimeSpan BudgetWait = TimeSpan.FromSeconds(2);

    public const string NullCharacterMessage = "Null characters are not allowed.";

    /// <summary>
    /// The body guard, placed after authorization (an anonymous caller is refused before its body is read):
    /// charges the body to the budget, reads it whole within the endpoint's limits, refuses NUL characters in
    /// the query and form fields (a NUL in the path is refused by the server's URL decoder), scans JSON, and
    /// hands the handler a buffered, rewound body.
    /// </summary>
    public static IApplicationBuilder UseRequestBodyGuard(this IApplicationBuilder app)
    {
        var budgetBytes = app.ApplicationServices.GetRequiredService<IConfiguration>().GetValue("Limits:BodyBytesInFlight", DefaultBudgetBytes);
        var budgetKilobytes = Kilobytes(budgetBytes);
        var budget = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = budgetKilobytes,
            QueueLimit = budgetKilobytes,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        return app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (HasNul(request.Query))
            {
                await Refuse(context, new BodyError(400, null, NullCharacterMessage, BodyFault.Input));
                return;
            }
            if (request.ContentLength == 0 || context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
            {
                await next(context);
                return;
            }

            // A body with a Content-Length over the limit was refused unread (UseBodySizeLimit); a chunked one is
            // read up to one byte past the limit.
            var limits = BodyLimits.For(request.Path);
            var capacity = (int)Math.Min(request.ContentLength ?? limits.MaxBytes, limits.MaxBytes) + 1;
            using var lease = await AcquireAsync(budget, Math.Min(Kilobytes(capacity), budgetKilobytes), context.RequestAborted);
            if (lease is not { IsAcquired: true })
            {
                context.Response.Headers.RetryAfter = "1";
                await Refuse(context, BodyError.Only(503));
                return;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(capacity);
            try
            {
                var length = await request.Body.ReadAtLeastAsync(buffer.AsMemory(0, capacity), capacity, throwOnEndOfStream: false, context.RequestAborted);
                if (length > limits.MaxBytes)
                {
                    context.Response.Headers.Connection = "close"; // the rest of the body is not read
                    await Refuse(context, BodyError.Only(413));
                    return;
                }
                using var body = new MemoryStream(buffer, 0, length, writable: false, publiclyVisible: true);
                request.Body = body;
                var error = IsJson(request) ? Scan(buffer.AsSpan(0, length), limits)
                    : request.HasFormContentType ? await CheckFormAsync(request, limits)
                    : null;
                if (error is not null)
                {
                    await Refuse(context, error);
                    return;
                }
                body.Position = 0;
                await next(context);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
    }

    /// <summary>True for <c>application/json</c> and <c>application/*+json</c>, the media types the JSON endpoints parse.</summary>
    public static bool IsJson(HttpRequest request) =>
        request.ContentType is { } type && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(type, out var media)
        && media.MediaType.Value is { } name
        && (name.Equals("application/json", StringComparison.OrdinalIgnoreCase) || name.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The body as a JSON value, for handlers that validate field by field: an empty body is <paramref name="whenEmpty"/>,
    /// another media type is 415, malformed JSON is 400 (the guard already refused everything else). The guard's
    /// buffer is parsed in place.
    /// </summary>
    public static async Task<(JsonNode? Node, BodyError? Error)> ReadJsonAsync(HttpRequest request, JsonNode? whenEmpty)
    {
        ReadOnlyMemory<byte> bytes;
        if (request.Body is MemoryStream guarded && guarded.TryGetBuffer(out var segment)) bytes = segment;
        else
        {
            using var copy = new MemoryStream();
            await request.Body.CopyToAsync(copy, request.HttpContext.RequestAborted);
            bytes = copy.ToArray();
        }
        if (bytes.Span.Trim(" \t\r\n"u8).IsEmpty) return (whenEmpty, null);
        if (!IsJson(request)) return (null, BodyError.Only(415));
        try
        {
            return (JsonNode.Parse(bytes.Span, documentOptions: new JsonDocumentOptions { MaxDepth = BodyLimits.Other.MaxDepth }), null);
        }
        catch (JsonException ex)
        {
            return (null, new BodyError(400, null, ex.Message, BodyFault.Syntax));
        }
    }

    /// <summary>
    /// One pass of a reader over the bytes, allocating nothing per value but the decoded strings: the first
    /// violation is the refusal. Invalid UTF-8 and lone surrogates are refused here because .NET can only
    /// report them when a string is decoded (an <see cref="InvalidOperationException"/>, not a parse error);
    /// NUL characters because PostgreSQL cannot store them in text; duplicate keys because which one wins is
    /// undefined across parsers; numbers beyond a double because no field can hold them.
    /// </summary>
    public static BodyError? Scan(ReadOnlySpan<byte> json, BodyLimits limits)
    {
        if (json.Trim(" \t\r\n"u8).IsEmpty) return null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = limits.MaxDepth });
        var keys = new Stack<HashSet<string>>();
        string? field = null;
        var tokens = 0;
        try
        {
            while (reader.Read())
            {
                if (++tokens > limits.MaxTokens) return new BodyError(400, null, $"More than {limits.MaxTokens} JSON tokens.");
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        keys.Push([]);
                        break;
                    case JsonTokenType.EndObject:
                        keys.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                    case JsonTokenType.String:
                        if (Length(ref reader) > limits.MaxStringBytes)
                            return new BodyError(400, field, $"A string is longer than {limits.MaxStringBytes} bytes.");
                        string text;
                        try { text = reader.GetString()!; }
                        catch (InvalidOperationException) { return new BodyError(400, field, "Invalid Unicode text (invalid UTF-8 or an unpaired surrogate)."); }
                        if (reader.TokenType == JsonTokenType.PropertyName)
                        {
                            if (reader.CurrentDepth == 1) field = text;
                            if (!keys.Peek().Add(text)) return new BodyError(400, null, $"Duplicate key \"{text.Replace("\0", "")}\".");
                        }
                        if (text.Contains('\0')) return new BodyError(400, reader.TokenType == JsonTokenType.String ? field : null, NullCharacterMessage);
                        break;
                    case JsonTokenType.Number:
                        if (!reader.TryGetDouble(out var number) || !double.IsFinite(number))
                            return new BodyError(400, field, "A number is out of range.");
                        break;
                }
            }
            return null;
        }
        catch (JsonException ex)
        {
            return new BodyError(400, null, ex.Message, BodyFault.Syntax);
        }
    }

    private static long Length(ref Utf8JsonReader reader) => reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;

    /// <summary>A form is parsed here, within limits, so a malformed or oversized one is a 400 rather than an exception in a handler.</summary>
    private static async Task<BodyError?> CheckFormAsync(HttpRequest request, BodyLimits limits)
    {
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(new FormOptions
            {
                ValueCountLimit = 100,
                KeyLengthLimit = 1024,
                ValueLengthLimit = limits.MaxStringBytes,
                MultipartBodyLengthLimit = limits.MaxBytes,
                MultipartHeadersCountLimit = 16,
            }, request.HttpContext.RequestAborted);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException or FormatException)
        {
            return new BodyError(400, null, "The form body is malformed or has too many fields.", BodyFault.Input);
        }
        foreach (var (key, value) in form)
            if (key.Contains('\0') || value.Any(v => v?.Contains('\0') == true)) return new BodyError(400, key.Contains('\0') ? null : key, NullCharacterMessage, BodyFault.Input);
        return null;
    }

    private static bool HasNul(IQueryCollection query)
    {
        foreach (var (key, value) in query)
            if (key.Contains('\0') || value.Any(v => v?.Contains('\0') == true)) return true;
        return false;
    }

    private static async Task<RateLimitLease?> AcquireAsync(ConcurrencyLimiter budget, int kilobytes, CancellationToken aborted)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        wait.CancelAfter(BudgetWait);
        try { return await budget.AcquireAsync(kilobytes, wait.Token); }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested) { return null; }
    }

    private static int Kilobytes(int bytes) => Math.Max(1, (bytes + 1023) / 1024);

    private static Task Refuse(HttpContext context, BodyError error)
    {
        context.Response.StatusCode = error.Status;
        return ApiErrors.Refusal(context, error).ExecuteAsync(context);
    }
}

/// <summary>A refused request: its status (400, 413, 415, 503), the top-level field at fault if one is, and why.</summary>
public sealed record BodyError(int Status, string? Field, string Message, BodyFault Fault = BodyFault.Json)
{
    public static BodyError Only(int status) => new(status, null, "", BodyFault.Status);
}

/// <summary>What was wrong: JSON that does not parse, parsed JSON the server refuses, other input (query, form), or only the status.</summary>
public enum BodyFault { Syntax, Json, Input, Status }
