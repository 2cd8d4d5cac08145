using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.OpenApi;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Webhooks;

/// <summary>
/// Operators manage every tenant's webhook endpoints under <c>/admin/v1/webhook-endpoints</c>, see each
/// endpoint's messages with every delivery attempt, and replay a message (it is delivered again, at once,
/// under the same <c>webhook-id</c>).
/// </summary>
public static class WebhooksAdminApi
{
    public sealed record EndpointRequest(string? Url, List<string>? Events, string? Description, bool? Enabled, string? DispensaryUuid, string? BrandUuid, string? ShopId);

    /// <summary>An endpoint with its one owner field (dispensary_uuid, brand_uuid or shop_id); <c>secret</c> only when created or rotated.</summary>
    public sealed record EndpointResponse(
        string Id,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DispensaryUuid,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? BrandUuid,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ShopId,
        string Url, string Description, List<string> Events, bool Enabled, string? DisabledReason, DateTime? FailingSince,
        DateTime CreatedAt, DateTime UpdatedAt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret = null)
    {
        public static EndpointResponse From(WebhookEndpoint e, string? secret = null)
        {
            var owner = WebhookOwner.Parse(e.Owner);
            string? Of(string kind) => owner.Kind == kind ? owner.Id : null;
            return new(e.Id, Of(WebhookOwner.DispensaryKind), Of(WebhookOwner.BrandKind), Of(WebhookOwner.ShopKind), e.Url, e.Description, e.Events,
                e.Enabled, e.DisabledReason, e.FailingSince, e.CreatedAt, e.UpdatedAt, secret);
        }
    }

    /// <summary>A message in an endpoint's history; <c>next_attempt_at</c> only while pending.</summary>
    public sealed record MessageResponse(string Id, string Type, string Status, int AttemptCount, DateTime CreatedAt, DateTime? NextAttemptAt, DateTime? LastAttemptAt);

    public sealed record AttemptResponse(DateTime AttemptedAt, string Url, int? StatusCode, bool Succeeded, int LatencyMs, string? ResponseExcerpt, string? Error);

    /// <summary>A message with the exact body it sends and its attempts, oldest first.</summary>
    public sealed record MessageDetail(
        string Id, string Type, string Status, int AttemptCount, DateTime CreatedAt, DateTime? NextAttemptAt, DateTime? LastAttemptAt,
        JsonElement Payload, List<AttemptResponse> Attempts);

    public const int MaxMessages = 500;

    public static RouteGroupBuilder MapWebhooksAdmin(this RouteGroupBuilder admin)
    {
        var endpoints = admin.MapGroup("/webhook-endpoints");
        endpoints.MapPost("/", CreateAsync).WithName("AdminCreateWebhookEndpoint").WithMetadata(new Idempotency.ShowsSecretOnce())
            .WithSummary("Register a webhook endpoint for exactly one owner (dispensary_uuid, brand_uuid or shop_id); the secret is shown once")
            .Produces<EndpointResponse>(201).ProducesProblem(409);
        endpoints.MapGet("/", ListAsync).WithName("AdminListWebhookEndpoints")
            .WithSummary("Every webhook endpoint, or one owner's (?dispensary_uuid=, ?brand_uuid= or ?shop_id=)")
            .Produces<List<EndpointResponse>>();
        endpoints.MapGet("/{id}", async (string id, AppDb db, CancellationToken ct) =>
                await WebhookEndpointStore.FindAsync(db, id, null, ct) is { } e ? TypedResults.Ok(EndpointResponse.From(e)) : NotFound())
            .WithName("AdminGetWebhookEndpoint").WithSummary("One webhook endpoint, with its failure state")
            .Produces<EndpointResponse>().ProducesProblem(404);
        endpoints.MapPatch("/{id}", UpdateAsync).WithName("AdminUpdateWebhookEndpoint")
            .WithSummary("Change url, events, description or enabled; enabling a disabled endpoint resumes its deliveries with a fresh retry schedule")
            .Produces<EndpointResponse>().ProducesProblem(404);
        endpoints.MapDelete("/{id}", async (string id, AppDb db, CancellationToken ct) =>
                await WebhookEndpointStore.DeleteAsync(db, id, null, ct) ? Results.NoContent() : NotFound())
            .WithName("AdminDeleteWebhookEndpoint").WithSummary("Delete a webhook endpoint with its messages and attempts")
            .Produces(204).ProducesProblem(404);
        endpoints.MapPost("/{id}/rotate-secret", async (string id, AppDb db, WebhookSecrets secrets, WebhookSettings settings, TimeProvider time, CancellationToken ct) =>
                await WebhookEndpointStore.RotateAsync(db, secrets, settings, id, null, time, ct) is (var e, var secret)
                    ? TypedResults.Ok(EndpointResponse.From(e, secret)) : NotFound())
            .WithName("AdminRotateWebhookEndpointSecret").WithMetadata(new Idempotency.ShowsSecretOnce())
            .WithSummary("Replace the signing secret (shown once); deliveries carry signatures of both secrets for a day")
            .Produces<EndpointResponse>().ProducesProblem(404);
        endpoints.MapGet("/{id}/messages", MessagesAsync).WithName("AdminListWebhookMessages")
            .WithSummary("An endpoint's messages, newest first")
            .WithQueryParameter("status", "Only messages in this state.", new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. WebhookMessageStatuses.All.Select(v => (JsonNode)v)] }, "failed")
            .WithQueryParameter("limit", "How many messages, newest first (default 100).", new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1", Maximum = MaxMessages.ToString(CultureInfo.InvariantCulture) }, 100)
            .Produces<List<MessageResponse>>().ProducesProblem(404);
        endpoints.MapGet("/{id}/messages/{messageId}", MessageAsync).WithName("AdminGetWebhookMessage")
            .WithSummary("One message: the body it sends and every delivery attempt (status, latency, response excerpt)")
            .Produces<MessageDetail>().ProducesProblem(404);
        endpoints.MapPost("/{id}/messages/{messageId}/replay", ReplayAsync).WithName("AdminReplayWebhookMessage")
            .WithSummary("Deliver a message again, at once (once the endpoint is enabled), under the same webhook-id and with a fresh retry schedule")
            .Produces<MessageDetail>(202).ProducesProblem(404);
        return admin;
    }

    private static IResult NotFound() => Admin.Admin.NotFound("Webhook endpoint");

    private static async Task<IResult> CreateAsync(EndpointRequest body, AppDb db, WebhookSecrets secrets, WebhookSettings settings, TimeProvider time, CancellationToken ct)
    {
        var errors = new Admin.Admin.Errors().Require("url", body.Url, WebhookTargets.MaxUrlLength);
        if (body.Events is null) errors.Add("events", "This field is required.");
        if (body.Description is { Length: > 255 }) errors.Add("description", "At most 255 characters.");
        var owner = await OwnerAsync(body, db, errors, ct);
        var input = new EndpointInput(body.Url?.Trim(), body.Events, body.Description?.Trim(), body.Enabled);
        foreach (var (field, message) in WebhookEndpointStore.Check(input, owner?.Kind ?? WebhookOwner.DispensaryKind, settings)) errors.Add(field, message);
        if (errors.Any) return errors.Result();
        if (await WebhookEndpointStore.CreateAsync(db, secrets, owner!.Value, input, time, ct) is not (var endpoint, var secret))
            return TypedResults.Problem(statusCode: 409, title: "Conflict", detail: WebhookEndpointStore.TooMany);
        return TypedResults.Created($"/admin/v1/webhook-endpoints/{endpoint.Id}", EndpointResponse.From(endpoint, secret));
    }

    /// <summary>Exactly one existing owner.</summary>
    private static async Task<WebhookOwner?> OwnerAsync(EndpointRequest body, AppDb db, Admin.Admin.Errors errors, CancellationToken ct)
    {
        var named = new[] { body.DispensaryUuid, body.BrandUuid, body.ShopId }.Count(x => x is not null);
        if (named != 1)
        {
            errors.Add("dispensary_uuid", "Give exactly one owner: dispensary_uuid, brand_uuid or shop_id.");
            return null;
        }
        if (body.DispensaryUuid is { } d)
        {
            if (ShortUuid.TryDecode(d, out var id) && await db.Dispensaries.AnyAsync(x => x.Id == id, ct)) return WebhookOwner.Dispensary(id);
            errors.Add("dispensary_uuid", "Unknown dispensary.");
        }
        else if (body.BrandUuid is { } b)
        {
            if (ShortUuid.TryDecode(b, out var id) && await db.Brands.AnyAsync(x => x.Id == id, ct)) return WebhookOwner.Brand(id);
            errors.Add("brand_uuid", "Unknown brand.");
        }
        else if (await db.Shops.AnyAsync(x => x.Id == body.ShopId, ct)) return WebhookOwner.Shop(body.ShopId!);
        else errors.Add("shop_id", "Unknown shop.");
        return null;
    }

    private static async Task<IResult> ListAsync(string? dispensary_uuid, string? brand_uuid, string? shop_id, AppDb db, CancellationToken ct)
    {
        // An id with a control character names no owner (and PostgreSQL refuses NUL in text).
        if ((dispensary_uuid ?? brand_uuid ?? shop_id)?.Any(char.IsControl) == true) return TypedResults.Ok(new List<EndpointResponse>());
        WebhookOwner? owner = dispensary_uuid is not null ? ShortUuid.TryDecode(dispensary_uuid, out var d) ? WebhookOwner.Dispensary(d) : new(WebhookOwner.DispensaryKind, dispensary_uuid)
            : brand_uuid is not null ? ShortUuid.TryDecode(brand_uuid, out var b) ? WebhookOwner.Brand(b) : new(WebhookOwner.BrandKind, brand_uuid)
            : shop_id is not null ? WebhookOwner.Shop(shop_id)
            : null;
        var endpoints = await WebhookEndpointStore.ListAsync(db, owner is { } o ? [o.Key] : null, ct);
        return TypedResults.Ok(endpoints.Select(e => EndpointResponse.From(e)).ToList());
    }

    private static async Task<IResult> UpdateAsync(string id, EndpointRequest body, AppDb db, WebhookSettings settings, TimeProvider time, CancellationToken ct)
    {
        if (await WebhookEndpointStore.FindAsync(db, id, null, ct) is not { } existing) return NotFound();
        var errors = new Admin.Admin.Errors();
        if (body.Url is not null) errors.Require("url", body.Url, WebhookTargets.MaxUrlLength);
        if (body.Description is { Length: > 255 }) errors.Add("description", "At most 255 characters.");
        if (body.DispensaryUuid is not null || body.BrandUuid is not null || body.ShopId is not null)
            errors.Add("owner", "The owner of an endpoint cannot change.");
        var input = new EndpointInput(body.Url?.Trim(), body.Events, body.Description?.Trim(), body.Enabled);
        foreach (var (field, message) in WebhookEndpointStore.Check(input, WebhookOwner.Parse(existing.Owner).Kind, settings)) errors.Add(field, message);
        if (errors.Any) return errors.Result();
        return await WebhookEndpointStore.UpdateAsync(db, id, null, input, time, ct) is { } updated ? TypedResults.Ok(EndpointResponse.From(updated)) : NotFound();
    }

    /// <summary>Both filters are checked, so a mistyped one is a 400 that names it, not a quietly different list.</summary>
    private static async Task<IResult> MessagesAsync(string id, HttpRequest request, AppDb db, CancellationToken ct)
    {
        string? status = request.Query["status"], limit = request.Query["limit"];
        var errors = new Admin.Admin.Errors();
        if (status is not null && !WebhookMessageStatuses.All.Contains(status)) errors.Add("status", "Must be one of: " + string.Join(", ", WebhookMessageStatuses.All) + ".");
        var take = 100;
        if (limit is not null && (!int.TryParse(limit, out take) || take is < 1 or > MaxMessages))
            errors.Add("limit", $"Must be a whole number from 1 to {MaxMessages}.");
        if (errors.Any) return errors.Result();
        if (!await db.WebhookEndpoints.AnyAsync(e => e.Id == id, ct)) return NotFound();
        var messages = db.WebhookMessages.AsNoTracking().Where(m => m.EndpointId == id);
        if (status is not null) messages = messages.Where(m => m.Status == status);
        var page = await messages.OrderByDescending(m => m.Id).Take(take)
            .Select(m => new MessageResponse(m.MessageId, m.Type, m.Status, m.Attempts, m.CreatedAt,
                m.Status == WebhookMessageStatuses.Pending ? m.NextAttemptAt : null, m.LastAttemptAt))
            .ToListAsync(ct);
        return TypedResults.Ok(page);
    }

    private static async Task<IResult> MessageAsync(string id, string messageId, AppDb db, CancellationToken ct) =>
        await DetailAsync(db, id, messageId, ct) is { } detail ? TypedResults.Ok(detail) : Admin.Admin.NotFound("Webhook message");

    private static async Task<IResult> ReplayAsync(string id, string messageId, AppDb db, TimeProvider time, CancellationToken ct)
    {
        if (!await db.WriteAsync(() => WebhookEndpointStore.ReplayAsync(db, id, messageId, time, ct), ct)) return Admin.Admin.NotFound("Webhook message");
        return TypedResults.Json(await DetailAsync(db, id, messageId, ct), statusCode: StatusCodes.Status202Accepted);
    }

    public static async Task<MessageDetail?> DetailAsync(AppDb db, string endpointId, string messageId, CancellationToken ct)
    {
        var m = await db.WebhookMessages.AsNoTracking().FirstOrDefaultAsync(x => x.EndpointId == endpointId && x.MessageId == messageId, ct);
        if (m is null) return null;
        var attempts = await db.WebhookAttempts.AsNoTracking().Where(a => a.MessageId == m.Id).OrderBy(a => a.Id)
            .Select(a => new AttemptResponse(a.AttemptedAt, a.Url, a.StatusCode, a.Succeeded, a.LatencyMs, a.ResponseExcerpt, a.Error))
            .ToListAsync(ct);
        using var payload = JsonDocument.Parse(m.Payload);
        return new MessageDetail(m.MessageId, m.Type, m.Status, m.Attempts, m.CreatedAt,
            m.Status == WebhookMessageStatuses.Pending ? m.NextAttemptAt : null, m.LastAttemptAt, payload.RootElement.Clone(), attempts);
    }
}
