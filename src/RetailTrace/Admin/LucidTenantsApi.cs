using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Admin;

/// <summary>Provisioning of the LucidGreen-side tenants: brands, dispensaries and their OAuth clients.</summary>
public static class LucidTenantsApi
{
    public sealed record BrandRequest(string? Name);
    public sealed record BrandResponse(string Uuid, string Name);
    public sealed record DispensaryRequest(string? Name, string? TimeZone, bool? PackageUidExportEnabled, string? ExportTime);
    public sealed record DispensaryResponse(string Uuid, string Name, string TimeZone, bool PackageUidExportEnabled, string ExportTime);
    public sealed record ClientRequest(string? Name, string? DispensaryUuid, List<string>? BrandUuids, string? DefaultBrandUuid);
    public sealed record ClientResponse(string ClientId, string ClientSecret, string Name, string Kind, string? DispensaryUuid, string[] BrandUuids, string? DefaultBrandUuid);

    public static RouteGroupBuilder MapLucidTenantsAdmin(this RouteGroupBuilder admin)
    {
        admin.MapPost("/brands", CreateBrand).WithName("AdminCreateBrand").WithSummary("Create a brand").Produces<BrandResponse>(201);
        admin.MapPost("/dispensaries", CreateDispensary).WithName("AdminCreateDispensary").WithSummary("Create a dispensary").Produces<DispensaryResponse>(201);
        admin.MapPatch("/dispensaries/{uuid}", UpdateDispensary).WithName("AdminUpdateDispensary")
            .WithSummary("Change a dispensary's name or export settings (omitted fields keep their values)")
            .Produces<DispensaryResponse>().ProducesProblem(404);
        admin.MapPost("/oauth-clients", CreateClient).WithName("AdminCreateOAuthClient")
            .WithSummary("Create an OAuth2 client bound to one dispensary, or to a set of brands with a default; the secret is shown once")
            .Produces<ClientResponse>(201);
        admin.MapPost("/oauth-clients/{clientId}/revoke", RevokeClient).WithName("AdminRevokeOAuthClient")
            .WithSummary("Revoke a client and every token it holds (effective within seconds)")
            .Produces(204).ProducesProblem(404);
        return admin;
    }

    private static async Task<IResult> CreateBrand(BrandRequest body, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var errors = new Admin.Errors().Require("name", body.Name);
        if (errors.Any) return errors.Result();
        var brand = new Brand { Id = Guid.NewGuid(), Name = body.Name!.Trim(), CreatedAt = time.GetUtcNow().UtcDateTime };
        await db.InsertAsync(brand, ct);
        return TypedResults.Created($"/admin/v1/brands/{ShortUuid.Encode(brand.Id)}", new BrandResponse(ShortUuid.Encode(brand.Id), brand.Name));
    }

    private static async Task<IResult> CreateDispensary(DispensaryRequest body, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var errors = new Admin.Errors().Require("name", body.Name);
        ValidateSettings(body, errors);
        if (errors.Any) return errors.Result();
        var d = new Dispensary
        {
            Id = Guid.NewGuid(),
            Name = body.Name!.Trim(),
            TimeZone = body.TimeZone ?? "UTC",
            ExportTime = body.ExportTime ?? "02:00",
            PackageUidExportEnabled = body.PackageUidExportEnabled ?? false,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        await db.InsertAsync(d, ct);
        return TypedResults.Created($"/admin/v1/dispensaries/{ShortUuid.Encode(d.Id)}", ToResponse(d));
    }

    private static async Task<IResult> UpdateDispensary(string uuid, DispensaryRequest body, AppDb db, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(uuid, out var id)) return Admin.NotFound("Dispensary");
        var errors = new Admin.Errors();
        if (body.Name is not null) errors.Require("name", body.Name);
        ValidateSettings(body, errors);
        return await db.WriteAsync(async () =>
        {
            if (await db.Dispensaries.FindAsync([id], ct) is not { } d) return Admin.NotFound("Dispensary");
            if (errors.Any) return errors.Result();
            if (body.Name is not null) d.Name = body.Name.Trim();
            if (body.TimeZone is not null) d.TimeZone = body.TimeZone;
            if (body.ExportTime is not null) d.ExportTime = body.ExportTime;
            if (body.PackageUidExportEnabled is { } enabled) d.PackageUidExportEnabled = enabled;
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(ToResponse(d));
        }, ct);
    }

    private static void ValidateSettings(DispensaryRequest body, Admin.Errors errors)
    {
        if (body.TimeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(body.TimeZone, out _))
            errors.Add("time_zone", "Unknown IANA time zone.");
        if (body.ExportTime is not null && !TimeOnly.TryParseExact(body.ExportTime, "HH:mm", out _))
            errors.Add("export_time", "Use HH:MM (24-hour, local time).");
    }

    private static DispensaryResponse ToResponse(Dispensary d) =>
        new(ShortUuid.Encode(d.Id), d.Name, d.TimeZone, d.PackageUidExportEnabled, d.ExportTime);

    private static async Task<IResult> CreateClient(ClientRequest body, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var errors = new Admin.Errors().Require("name", body.Name);
        Guid? dispensaryId = null;
        var brandIds = new List<Guid>();
        Guid? defaultBrand = null;
        if (body.DispensaryUuid is not null == body.BrandUuids is not null)
            errors.Add("dispensary_uuid", "Give either dispensary_uuid or brand_uuids (with default_brand_uuid), not both.");
        else if (body.DispensaryUuid is not null)
        {
            if (ShortUuid.TryDecode(body.DispensaryUuid, out var id) && await db.Dispensaries.AnyAsync(d => d.Id == id)) dispensaryId = id;
            else errors.Add("dispensary_uuid", "Unknown dispensary.");
        }
        else
        {
            foreach (var text in body.BrandUuids!)
            {
                if (ShortUuid.TryDecode(text, out var id) && await db.Brands.AnyAsync(b => b.Id == id)) { if (!brandIds.Contains(id)) brandIds.Add(id); }
                else errors.Add("brand_uuids", $"Unknown brand {text}.");
            }
            if (brandIds.Count == 0) errors.Add("brand_uuids", "At least one brand is required.");
            if (body.DefaultBrandUuid is null && brandIds.Count == 1) defaultBrand = brandIds[0];
            else if (ShortUuid.TryDecode(body.DefaultBrandUuid, out var def) && brandIds.Contains(def)) defaultBrand = def;
            else errors.Add("default_brand_uuid", "The default brand must be one of brand_uuids.");
        }
        if (errors.Any) return errors.Result();

        var secret = Secrets.New();
        var client = new OAuthClient
        {
            Id = Guid.NewGuid(),
            ClientId = Secrets.New(15),
            SecretHash = Secrets.Hash(secret),
            Name = body.Name!.Trim(),
            Kind = dispensaryId is null ? ClientKind.Brand : ClientKind.Dispensary,
            DispensaryId = dispensaryId,
            DefaultBrandId = defaultBrand,
            CreatedAt = time.GetUtcNow().UtcDateTime,
            Brands = brandIds.Select(b => new OAuthClientBrand { BrandId = b }).ToList(),
        };
        await db.InsertAsync(client, ct);
        return TypedResults.Created($"/admin/v1/oauth-clients/{client.ClientId}", new ClientResponse(
            client.ClientId, secret, client.Name, client.Kind == ClientKind.Brand ? "brand" : "dispensary",
            dispensaryId is { } d ? ShortUuid.Encode(d) : null,
            brandIds.Select(ShortUuid.Encode).ToArray(),
            defaultBrand is { } b ? ShortUuid.Encode(b) : null));
    }

    private static async Task<IResult> RevokeClient(string clientId, AppDb db, CancellationToken ct) =>
        await db.WriteAsync(async () =>
        {
            var client = await db.OAuthClients.Where(c => c.ClientId == clientId).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(ct);
            if (client is not { } id) return Admin.NotFound("OAuth client");
            await db.OAuthClients.Where(c => c.Id == id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Revoked, true), ct);
            await db.AccessTokens.Where(t => t.OAuthClientId == id).ExecuteUpdateAsync(s => s.SetProperty(t => t.Revoked, true), ct);
            return TypedResults.NoContent();
        }, ct);
}
