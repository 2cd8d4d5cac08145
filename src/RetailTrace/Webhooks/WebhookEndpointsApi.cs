using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RetailTrace.Auth;
using RetailTrace.BrandApi;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Store;

namespace RetailTrace.Webhooks;

/// <summary>An endpoint on the DRF wire (v1.2, v1.5). <c>brand_uuid</c> only in v1.5; <c>secret</c> only when created or rotated.</summary>
public sealed record DrfWebhookEndpoint(
    string Id, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? BrandUuid, string Url, string Description,
    List<string> Events, bool Enabled, string? DisabledReason, DateTime CreatedAt, DateTime UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret = null)
{
    public static DrfWebhookEndpoint From(WebhookEndpoint e, bool withBrand, string? secret = null) => new(
        e.Id, withBrand ? WebhookOwner.Parse(e.Owner).Id : null, e.Url, e.Description, e.Events, e.Enabled, e.DisabledReason, e.CreatedAt, e.UpdatedAt, secret);
}

/// <summary>An endpoint on the BLAZE wire: camelCase, epoch milliseconds; <c>secret</c> only when created or rotated.</summary>
public sealed record BlazeWebhookEndpoint(
    string Id, string ShopId, string Url, string Description, List<string> Events, bool Enabled, string? DisabledReason, long Created, long Modified,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret = null)
{
    public static BlazeWebhookEndpoint From(WebhookEndpoint e, string? secret = null) => new(
        e.Id, WebhookOwner.Parse(e.Owner).Id, e.Url, e.Description, e.Events, e.Enabled, e.DisabledReason, Millis(e.CreatedAt), Millis(e.UpdatedAt), secret);

    private static long Millis(DateTime at) => new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
}

/// <summary>What a tenant sends to create (url and events required) or change (every field optional) an endpoint.</summary>
public sealed record WebhookEndpointRequest(string? Url, List<string>? Events, string? Description, bool? Enabled);

/// <summary>A brand client's create may name the brand (default: the client's default brand).</summary>
public sealed record BrandWebhookEndpointRequest(string? Url, List<string>? Events, string? Description, bool? Enabled, string? BrandUuid);

/// <summary>
/// Tenants manage their own webhook endpoints: a dispensary client under <c>/api/v1.2/webhook-endpoints/</c>, a
/// brand client under <c>/api/v1.5/webhook-endpoints/</c> (endpoints of the brands it can access; a new one belongs
/// to <c>brand_uuid</c> or the default brand) and a store under <c>/api/v1/partner/store/webhookEndpoints</c>, each
/// in its family's conventions. Another tenant's endpoint answers 404, like an unknown one. The signing secret is
/// in the answer to a create or a rotation only.
/// </summary>
public static class WebhookEndpointsApi
{
    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        MapDrf(app, "/api/v1.2/webhook-endpoints", LucidAuthHandler.DispensaryPolicy, "Dispensary: Webhooks", "Dispensary", brand: false);
        MapDrf(app, "/api/v1.5/webhook-endpoints", LucidAuthHandler.BrandPolicy, "Brand: Webhooks", "Brand", brand: true);
        MapBlaze(app);
        return app;
    }

    // ---- DRF families (v1.2 dispensary, v1.5 brand) ----

    private static void MapDrf(IEndpointRouteBuilder app, string prefix, string policy, string tag, string name, bool brand)
    {
        var group = app.MapGroup(prefix).RequireAuthorization(policy).WithTags(tag);
        var what = brand ? "the brands' (those the client can access)" : "the dispensary's";
        group.MapGet("/", (LucidCaller caller, AppDb db, CancellationToken ct) => DrfListAsync(caller, db, brand, ct))
            .WithName(name + "WebhookEndpointsList").WithSummary($"List {what} webhook endpoints")
            .Produces<List<DrfWebhookEndpoint>>().ProducesDrf(401, 403);
        var create = group.MapPost("/", (HttpRequest request, LucidCaller caller, AppDb db, WebhookSecrets secrets, WebhookSettings settings, TimeProvider time, CancellationToken ct) =>
                DrfCreateAsync(request, caller, db, secrets, settings, time, brand, ct))
            .WithName(name + "WebhookEndpointsCreate").WithMetadata(new Idempotency.ShowsSecretOnce())
            .WithSummary("Register a webhook endpoint {url, events, description?" + (brand ? ", brand_uuid?" : "") + "}; the answer shows its signing secret once")
            .Produces<DrfWebhookEndpoint>(201).ProducesFieldErrors().ProducesDrf(401, 403);
        if (brand) create.AcceptsJson<BrandWebhookEndpointRequest>();
        else create.AcceptsJson<WebhookEndpointRequest>();
        group.MapGet("/{id}/", async (string id, LucidCaller caller, AppDb db, CancellationToken ct) =>
                await WebhookEndpointStore.FindAsync(db, id, Owners(caller, brand), ct) is { } e ? Drf.Ok(DrfWebhookEndpoint.From(e, brand)) : Drf.NotFound())
            .WithName(name + "WebhookEndpointsGet").WithSummary("One webhook endpoint")
            .Produces<DrfWebhookEndpoint>().ProducesDrf(401, 403, 404);
        group.MapPatch("/{id}/", (string id, HttpRequest request, LucidCaller caller, AppDb db, WebhookSettings settings, TimeProvider time, CancellationToken ct) =>
                DrfUpdateAsync(id, request, caller, db, settings, time, brand, ct))
            .WithName(name + "WebhookEndpointsUpdate")
            .WithSummary("Change a webhook endpoint's url, events, description or enabled (enabling a disabled one resumes its deliveries)")
            .AcceptsJson<WebhookEndpointRequest>().Produces<DrfWebhookEndpoint>().ProducesFieldErrors().ProducesDrf(401, 403, 404);
        group.MapDelete("/{id}/", async (string id, LucidCaller caller, AppDb db, CancellationToken ct) =>
                await WebhookEndpointStore.DeleteAsync(db, id, Owners(caller, brand), ct) ? Results.NoContent() : Drf.NotFound())
            .WithName(name + "WebhookEndpointsDelete").WithSummary("Delete a webhook endpoint and its undelivered messages")
            .Produces(204).ProducesDrf(401, 403, 404);
        group.MapPost("/{id}/rotate-secret/", async (string id, LucidCaller caller, AppDb db, WebhookSecrets secrets, WebhookSettings settings, TimeProvider time, CancellationToken ct) =>
                await WebhookEndpointStore.RotateAsync(db, secrets, settings, id, Owners(caller, brand), time, ct) is (var e, var secret)
                    ? Drf.Ok(DrfWebhookEndpoint.From(e, brand, secret)) : Drf.NotFound())
            .WithName(name + "WebhookEndpointsRotateSecret").WithMetadata(new Idempotency.ShowsSecretOnce())
            .WithSummary("Replace the signing secret (shown once); deliveries carry signatures of both secrets for a day")
            .Produces<DrfWebhookEndpoint>().ProducesDrf(401, 403, 404);
    }

    private static List<string> Owners(LucidCaller caller, bool brand) => brand
        ? [.. caller.BrandIds.Select(b => WebhookOwner.Brand(b).Key)]
        : [WebhookOwner.Dispensary(caller.Dispensary).Key];

    private static async Task<IResult> DrfListAsync(LucidCaller caller, AppDb db, bool brand, CancellationToken ct) =>
        Drf.Ok((await WebhookEndpointStore.ListAsync(db, Owners(caller, brand), ct)).Select(e => DrfWebhookEndpoint.From(e, brand)).ToList());

    private static async Task<IResult> DrfCreateAsync(HttpRequest request, LucidCaller caller, AppDb db, WebhookSecrets secrets,
        WebhookSettings settings, TimeProvider time, bool brand, CancellationToken ct)
    {
        var (body, error) = await Drf.ReadObjectAsync(request);
        if (error is not null) return error;
        var form = new DrfForm(body!);
        var input = ReadDrf(form, create: true);
        var owner = brand
            ? BrandRules.OwningBrand(form, caller) is { } b ? WebhookOwner.Brand(b) : (WebhookOwner?)null
            : WebhookOwner.Dispensary(caller.Dispensary);
        if (DrfErrors(form, input, owner?.Kind ?? WebhookOwner.BrandKind, settings) is { } invalid) return invalid;
        if (await WebhookEndpointStore.CreateAsync(db, secrets, owner!.Value, input, time, ct) is not (var endpoint, var secret))
            return Drf.BadRequest(WebhookEndpointStore.TooMany);
        return Drf.Ok(DrfWebhookEndpoint.From(endpoint, brand, secret), StatusCodes.Status201Created);
    }

    private static async Task<IResult> DrfUpdateAsync(string id, HttpRequest request, LucidCaller caller, AppDb db,
        WebhookSettings settings, TimeProvider time, bool brand, CancellationToken ct)
    {
        var owners = Owners(caller, brand);
        if (await WebhookEndpointStore.FindAsync(db, id, owners, ct) is not { } existing) return Drf.NotFound();
        var (body, error) = await Drf.ReadObjectAsync(request);
        if (error is not null) return error;
        var form = new DrfForm(body!);
        var input = ReadDrf(form, create: false);
        if (DrfErrors(form, input, WebhookOwner.Parse(existing.Owner).Kind, settings) is { } invalid) return invalid;
        return await WebhookEndpointStore.UpdateAsync(db, id, owners, input, time, ct) is { } updated
            ? Drf.Ok(DrfWebhookEndpoint.From(updated, brand)) : Drf.NotFound();
    }

    /// <summary>The fields as DRF's serializer reads them: url (URLField), events (ListField of choices), description, enabled.</summary>
    private static EndpointInput ReadDrf(DrfForm form, bool create)
    {
        var url = form.String("url", required: create, maxLength: WebhookTargets.MaxUrlLength);
        List<string>? events = null;
        if (form.Body.TryGetPropertyValue("events", out var node))
        {
            if (node is not JsonArray array) form.AddError("events", Drf.NotAListMessage(node));
            else if (array.Any(item => item?.GetValueKind() != JsonValueKind.String)) form.AddError("events", "Each event must be a string.");
            else events = array.Select(item => item!.GetValue<string>()).ToList();
        }
        else if (create) form.AddError("events", Drf.RequiredMessage);
        var description = form.String("description", required: false, allowBlank: true, maxLength: 255);
        var enabled = form.Boolean("enabled", required: false);
        return new EndpointInput(url, events, description, enabled);
    }

    private static IResult? DrfErrors(DrfForm form, EndpointInput input, string ownerKind, WebhookSettings settings)
    {
        foreach (var (field, message) in WebhookEndpointStore.Check(input, ownerKind, settings)) form.AddError(field, message);
        return form.Errors;
    }

    // ---- BLAZE family (store) ----

    private static void MapBlaze(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/partner/store/webhookEndpoints").RequireAuthorization(BlazeAuthHandler.Policy).WithTags("Store API: Webhooks")
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(BlazeError), ["application/json"]));
        group.MapGet("/", async (StoreCaller caller, AppDb db, CancellationToken ct) =>
            {
                var endpoints = (await WebhookEndpointStore.ListAsync(db, [WebhookOwner.Shop(caller.ShopId).Key], ct)).Select(e => BlazeWebhookEndpoint.From(e)).ToList();
                return Blaze.Ok(new SearchResult<BlazeWebhookEndpoint>(endpoints, 0, StoreApi.MaxLimit, endpoints.Count));
            })
            .WithName("StoreWebhookEndpointsList").WithSummary("List the shop's webhook endpoints (SearchResult)")
            .Produces<SearchResult<BlazeWebhookEndpoint>>();
        group.MapPost("/", CreateBlazeAsync).WithName("StoreWebhookEndpointsCreate").WithMetadata(new Idempotency.ShowsSecretOnce())
            .WithSummary("Register a webhook endpoint {url, events, description?} for the shop; the answer shows its signing secret once")
            .AcceptsJson<WebhookEndpointRequest>().Produces<BlazeWebhookEndpoint>().Produces<BlazeError>(400);
        group.MapGet("/{endpointId}", async (string endpointId, StoreCaller caller, AppDb db, CancellationToken ct) =>
                await WebhookEndpointStore.FindAsync(db, endpointId, [WebhookOwner.Shop(caller.ShopId).Key], ct) is { } e ? Blaze.Ok(BlazeWebhookEndpoint.From(e)) : NotFound())
            .WithName("StoreWebhookEndpointsGet").WithSummary("One webhook endpoint of the shop")
            .Produces<BlazeWebhookEndpoint>().Produces<BlazeError>(404);
        group.MapPatch("/{endpointId}", UpdateBlazeAsync).WithName("StoreWebhookEndpointsUpdate")
            .WithSummary("Change a webhook endpoint's url, events, description or enabled (enabling a disabled one resumes its deliveries)")
            .AcceptsJson<WebhookEndpointRequest>().Produces<BlazeWebhookEndpoint>().Produces<BlazeError>(400).Produces<BlazeError>(404);
        group.MapDelete("/{endpointId}", async (string endpointId, StoreCaller caller, AppDb db, CancellationToken ct) =>
                await WebhookEndpointStore.DeleteAsync(db, endpointId, [WebhookOwner.Shop(caller.ShopId).Key], ct) ? Results.NoContent() : NotFound())
            .WithName("StoreWebhookEndpointsDelete").WithSummary("Delete a webhook endpoint and its undelivered messages")
            .Produces(204).Produces<BlazeError>(404);
        group.MapPost("/{endpointId}/rotateSecret", async (string endpointId, StoreCaller caller, AppDb db, WebhookSecrets secrets, WebhookSettings settings, TimeProvider time, CancellationToken ct) =>
                await WebhookEndpointStore.RotateAsync(db, secrets, settings, endpointId, [WebhookOwner.Shop(caller.ShopId).Key], time, ct) is (var e, var secret)
                    ? Blaze.Ok(BlazeWebhookEndpoint.From(e, secret)) : NotFound())
            .WithName("StoreWebhookEndpointsRotateSecret").WithMetadata(new Idempotency.ShowsSecretOnce())
            .WithSummary("Replace the signing secret (shown once); deliveries carry signatures of both secrets for a day")
            .Produces<BlazeWebhookEndpoint>().Produces<BlazeError>(404);
    }

    private static IResult NotFound() => Blaze.NotFound("endpointId", "Webhook endpoint not found.");

    private static async Task<IResult> CreateBlazeAsync(HttpRequest request, StoreCaller caller, AppDb db, WebhookSecrets secrets,
        WebhookSettings settings, TimeProvider time, CancellationToken ct)
    {
        var (input, error) = await ReadBlazeAsync(request, create: true, settings);
        if (error is not null) return error;
        if (await WebhookEndpointStore.CreateAsync(db, secrets, WebhookOwner.Shop(caller.ShopId), input!, time, ct) is not (var endpoint, var secret))
            return Blaze.BadRequest("request", WebhookEndpointStore.TooMany);
        return Blaze.Ok(BlazeWebhookEndpoint.From(endpoint, secret));
    }

    private static async Task<IResult> UpdateBlazeAsync(string endpointId, HttpRequest request, StoreCaller caller, AppDb db,
        WebhookSettings settings, TimeProvider time, CancellationToken ct)
    {
        List<string> owners = [WebhookOwner.Shop(caller.ShopId).Key];
        if (await WebhookEndpointStore.FindAsync(db, endpointId, owners, ct) is null) return NotFound();
        var (input, error) = await ReadBlazeAsync(request, create: false, settings);
        if (error is not null) return error;
        return await WebhookEndpointStore.UpdateAsync(db, endpointId, owners, input!, time, ct) is { } updated ? Blaze.Ok(BlazeWebhookEndpoint.From(updated)) : NotFound();
    }

    /// <summary>The body as BLAZE validates it: the first problem is the 400, named by its field.</summary>
    private static async Task<(EndpointInput?, IResult?)> ReadBlazeAsync(HttpRequest request, bool create, WebhookSettings settings)
    {
        var (body, error) = await Blaze.ReadObjectAsync(request, whenEmpty: null);
        if (body is null) return (null, error);
        EndpointInput input;
        try
        {
            var url = Blaze.String(body, "url", WebhookTargets.MaxUrlLength, trim: true);
            if (create && string.IsNullOrEmpty(url)) throw new Blaze.FieldException("url", "url is required.");
            List<string>? events = body["events"] switch
            {
                null when create => throw new Blaze.FieldException("events", "events is required."),
                null => null,
                JsonArray a when a.All(i => i?.GetValueKind() == JsonValueKind.String) => a.Select(i => i!.GetValue<string>()).ToList(),
                _ => throw new Blaze.FieldException("events", "events must be an array of strings."),
            };
            var enabled = Blaze.Boolean(body, "enabled");
            input = new EndpointInput(url, events, Blaze.String(body, "description", trim: true), enabled);
        }
        catch (Blaze.FieldException e)
        {
            return (null, Blaze.BadRequest(e.Field, e.Message));
        }
        var errors = WebhookEndpointStore.Check(input, WebhookOwner.ShopKind, settings);
        return errors is [var (field, message), ..] ? (null, Blaze.BadRequest(field, message)) : (input, null);
    }
}
