using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;
using static RetailTrace.Admin.Admin;
using static RetailTrace.Admin.LucidTenantsApi;

namespace RetailTrace.Admin;

/// <summary>
/// The rules and writes of the LucidGreen-side tenants and their OAuth clients, shared by the admin API (JSON) and
/// the operator console (forms), so both accept and refuse exactly the same input with the same messages.
/// Each runs inside the caller's <see cref="Writes.WriteAsync"/> (the console records its audit entry in the same
/// transaction) and may run more than once there: it keeps no state between runs.
/// </summary>
public static class LucidProvisioning
{
    /// <summary>A new client and its secret, which exists only here: the database keeps its hash.</summary>
    public sealed record NewClient(OAuthClient Client, string Secret);

    public static async Task<Provisioned<Brand>> CreateBrandAsync(AppDb db, BrandRequest body, TimeProvider time, CancellationToken ct)
    {
        var errors = new Errors().Require("name", body.Name);
        if (errors.Any) return Provisioned<Brand>.Refused(errors);
        var brand = new Brand { Id = Guid.NewGuid(), Name = body.Name!.Trim(), CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Add(brand);
        await db.SaveChangesAsync(ct);
        return Provisioned<Brand>.Done(brand);
    }

    /// <summary>The row key a ShortUUID in a path names, or null when it is not one (which no row has).</summary>
    public static Guid? Key(string uuid) => ShortUuid.TryDecode(uuid, out var id) ? id : null;

    public static Task<Provisioned<Brand>> RenameBrandAsync(AppDb db, string uuid, BrandRequest body, CancellationToken ct) =>
        RenameAsync<Brand>(db, Key(uuid), body.Name, "Brand", (b, name) => b.Name = name, ct);

    public static async Task<Provisioned<Dispensary>> CreateDispensaryAsync(AppDb db, DispensaryRequest body, TimeProvider time, CancellationToken ct)
    {
        var errors = new Errors().Require("name", body.Name);
        ValidateSettings(body, errors);
        if (errors.Any) return Provisioned<Dispensary>.Refused(errors);
        var d = new Dispensary
        {
            Id = Guid.NewGuid(),
            Name = body.Name!.Trim(),
            TimeZone = body.TimeZone ?? "UTC",
            ExportTime = body.ExportTime ?? "02:00",
            PackageUidExportEnabled = body.PackageUidExportEnabled ?? false,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Add(d);
        await db.SaveChangesAsync(ct);
        return Provisioned<Dispensary>.Done(d);
    }

    /// <summary>Changes the fields given; omitted (null) fields keep their values.</summary>
    public static async Task<Provisioned<Dispensary>> UpdateDispensaryAsync(AppDb db, string uuid, DispensaryRequest body, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(uuid, out var id) || await db.Dispensaries.FindAsync([id], ct) is not { } d)
            return Provisioned<Dispensary>.NotFound("Dispensary");
        var errors = new Errors();
        if (body.Name is not null) errors.Require("name", body.Name);
        ValidateSettings(body, errors);
        if (errors.Any) return Provisioned<Dispensary>.Refused(errors);
        if (body.Name is not null) d.Name = body.Name.Trim();
        if (body.TimeZone is not null) d.TimeZone = body.TimeZone;
        if (body.ExportTime is not null) d.ExportTime = body.ExportTime;
        if (body.PackageUidExportEnabled is { } enabled) d.PackageUidExportEnabled = enabled;
        await db.SaveChangesAsync(ct);
        return Provisioned<Dispensary>.Done(d);
    }

    private static void ValidateSettings(DispensaryRequest body, Errors errors)
    {
        if (body.TimeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(body.TimeZone, out _))
            errors.Add("time_zone", "Unknown IANA time zone.");
        if (body.ExportTime is not null && !TimeOnly.TryParseExact(body.ExportTime, "HH:mm", out _))
            errors.Add("export_time", "Use HH:MM (24-hour, local time).");
    }

    /// <summary>A client bound to one dispensary, or to a set of brands with a default one.</summary>
    public static async Task<Provisioned<NewClient>> CreateClientAsync(AppDb db, ClientRequest body, TimeProvider time, CancellationToken ct)
    {
        var errors = new Errors().Require("name", body.Name);
        Guid? dispensaryId = null;
        var brandIds = new List<Guid>();
        Guid? defaultBrand = null;
        if (body.DispensaryUuid is not null == body.BrandUuids is not null)
            errors.Add("dispensary_uuid", "Give either dispensary_uuid or brand_uuids (with default_brand_uuid), not both.");
        else if (body.DispensaryUuid is not null)
        {
            if (ShortUuid.TryDecode(body.DispensaryUuid, out var id) && await db.Dispensaries.AnyAsync(d => d.Id == id, ct)) dispensaryId = id;
            else errors.Add("dispensary_uuid", "Unknown dispensary.");
        }
        else
        {
            foreach (var text in body.BrandUuids!)
            {
                if (ShortUuid.TryDecode(text, out var id) && await db.Brands.AnyAsync(b => b.Id == id, ct)) { if (!brandIds.Contains(id)) brandIds.Add(id); }
                else errors.Add("brand_uuids", $"Unknown brand {text}.");
            }
            if (brandIds.Count == 0) errors.Add("brand_uuids", "At least one brand is required.");
            if (body.DefaultBrandUuid is null && brandIds.Count == 1) defaultBrand = brandIds[0];
            else if (ShortUuid.TryDecode(body.DefaultBrandUuid, out var def) && brandIds.Contains(def)) defaultBrand = def;
            else errors.Add("default_brand_uuid", "The default brand must be one of brand_uuids.");
        }
        if (errors.Any) return Provisioned<NewClient>.Refused(errors);

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
        db.Add(client);
        await db.SaveChangesAsync(ct);
        return Provisioned<NewClient>.Done(new NewClient(client, secret));
    }

    /// <summary>Revokes a client and every token it holds; the token cache lets a token live up to
    /// <see cref="Auth.LucidAuthHandler.CacheSeconds"/> more. Revoking a revoked client changes nothing.</summary>
    public static async Task<Provisioned<OAuthClient>> RevokeClientAsync(AppDb db, string clientId, CancellationToken ct)
    {
        var client = await db.OAuthClients.AsNoTracking().FirstOrDefaultAsync(c => c.ClientId == clientId, ct);
        if (client is null) return Provisioned<OAuthClient>.NotFound("OAuth client");
        await db.OAuthClients.Where(c => c.Id == client.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Revoked, true), ct);
        await db.AccessTokens.Where(t => t.OAuthClientId == client.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.Revoked, true), ct);
        client.Revoked = true;
        return Provisioned<OAuthClient>.Done(client);
    }
}
