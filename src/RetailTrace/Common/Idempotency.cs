using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Data;

namespace RetailTrace.Common;

/// <summary>
/// Optional <c>Idempotency-Key</c> header on admin and store writes (POST/PUT/PATCH): the first
/// response is stored and replayed to retries with the same key and body; the same key with a
/// different body is refused with 422; a retry while the first is still running gets 409.
/// The unique (scope, key) index decides the race, so two concurrent first attempts run once.
/// Server errors are not stored, so a retry after a 5xx runs again. Records are deleted 24 h after the first request
/// (<see cref="Data.Housekeeping"/>). Endpoints whose answer shows a secret (<see cref="ShowsSecretOnce"/>) refuse the
/// header with 400, so no stored answer holds a secret.
/// </summary>
public static class Idempotency
{
    /// <summary>Endpoint metadata: the answer holds a secret shown once, which must never be stored for a replay.</summary>
    public sealed class ShowsSecretOnce;

    public const string Header = "Idempotency-Key";

    public static IApplicationBuilder UseIdempotencyKeys(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        var key = request.Headers[Header].ToString();
        if (key.Length == 0 || !(HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method))
            || Scope(context) is not { } scope)
        {
            await next(context);
            return;
        }
        if (context.GetEndpoint()?.Metadata.GetMetadata<ShowsSecretOnce>() is not null)
        {
            await Reject(context, 400, "Idempotency-Key is not accepted here: the answer shows a secret once, and stored answers are kept in clear.");
            return;
        }
        if (key.Length > 255)
        {
            await Reject(context, 400, "Idempotency-Key must be at most 255 characters.");
            return;
        }

        request.EnableBuffering();
        var bodyHash = await SHA256.HashDataAsync(request.Body, context.RequestAborted);
        request.Body.Position = 0;
        var hash = RequestHash(request.Method, request.Path + request.QueryString, bodyHash);

        var db = context.RequestServices.GetRequiredService<AppDb>();
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var record = await ClaimAsync(context, db, time, scope, key, hash);
        if (record is null) return;

        var original = context.Response.Body;
        using var captured = new MemoryStream();
        context.Response.Body = captured;
        var stored = false;
        try
        {
            await next(context);
            captured.Position = 0;
            await captured.CopyToAsync(original, context.RequestAborted);
            if (context.Response.StatusCode < 500)
            {
                await db.WriteAsync(() => db.IdempotencyRecords.Where(r => r.Id == record.Id).ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.StatusCode, context.Response.StatusCode)
                    .SetProperty(r => r.ContentType, context.Response.ContentType)
                    .SetProperty(r => r.ResponseBody, captured.ToArray()), CancellationToken.None), CancellationToken.None);
                stored = true;
            }
        }
        finally
        {
            context.Response.Body = original;
            if (!stored) await db.WriteAsync(() => db.IdempotencyRecords.Where(r => r.Id == record.Id).ExecuteDeleteAsync(CancellationToken.None), CancellationToken.None);
        }
    });

    /// <summary>What "the same request" means: method, path with query, and the body's SHA-256.</summary>
    internal static string RequestHash(string method, string pathAndQuery, byte[] bodySha256) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{method} {pathAndQuery}\n{Convert.ToHexStringLower(bodySha256)}")));

    /// <summary>
    /// Inserts the claim row; when the key is taken, answers for the first request instead (replay,
    /// 422 or 409) and returns null. A claim left by a process that died mid-request is released after
    /// a minute and the request claims the key anew.
    /// </summary>
    private static async Task<IdempotencyRecord?> ClaimAsync(HttpContext context, AppDb db, TimeProvider time, string scope, string key, string hash)
    {
        for (var attempt = 0; ; attempt++)
        {
            var record = new IdempotencyRecord { Scope = scope, Key = key, RequestHash = hash, CreatedAt = time.GetUtcNow().UtcDateTime };
            try
            {
                await db.InsertAsync(record, context.RequestAborted);
                return record;
            }
            catch (DbUpdateException ex) when (Database.IsUniqueViolation(ex))
            {
                // taken: answer for the first request below
            }
            var first = await db.IdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.Scope == scope && r.Key == key, context.RequestAborted);
            if (first is null)
            {
                if (attempt == 0) continue; // released between our insert and our read
                await Reject(context, 409, "A request with this Idempotency-Key is still being processed; retry shortly.");
                return null;
            }
            if (first.RequestHash != hash)
            {
                await Reject(context, 422, "This Idempotency-Key was already used with a different request.");
                return null;
            }
            if (first.StatusCode != 0)
            {
                context.Response.StatusCode = first.StatusCode;
                context.Response.Headers["Idempotent-Replayed"] = "true";
                if (first.ContentType is not null) context.Response.ContentType = first.ContentType;
                if (first.ResponseBody is { Length: > 0 } body) await context.Response.Body.WriteAsync(body, context.RequestAborted);
                return null;
            }
            var stale = time.GetUtcNow().UtcDateTime.AddMinutes(-1);
            var released = await db.WriteAsync(() => db.IdempotencyRecords.Where(r => r.Id == first.Id && r.StatusCode == 0 && r.CreatedAt < stale)
                .ExecuteDeleteAsync(context.RequestAborted), context.RequestAborted);
            if (released == 0 || attempt > 0)
            {
                await Reject(context, 409, "A request with this Idempotency-Key is still being processed; retry shortly.");
                return null;
            }
        }
    }

    /// <summary>Keys are per caller: the admin API, or the store (shop) the developer key fixes.</summary>
    private static string? Scope(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/admin/v1") && context.User.Identity?.AuthenticationType == AdminAuthHandler.SchemeName ? "admin"
        : context.Features.Get<StoreCaller>() is { } store ? "store:" + store.ShopId
        : null;

    private static Task Reject(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        var result = ApiErrors.FamilyOf(context.Request.Path) == ApiFamily.Blaze
            ? Blaze.Error(status, Header, message)
            : Results.Problem(statusCode: status, detail: message);
        return result.ExecuteAsync(context);
    }
}
