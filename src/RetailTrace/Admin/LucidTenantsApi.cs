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
    /// <summary>A client as it is read back: its secret is never shown again, only whether it is revoked.</summary>
    public sealed record ClientInfo(string ClientId, string Name, string Kind, string? DispensaryUuid, string[] BrandUuids, string? DefaultBrandUuid, bool Revoked);

    public static RouteGroupBuilder MapLucidTenantsAdmin(this RouteGroupBuilder admin)
    {
        admin.MapPost("/brands", CreateBrand).WithName("AdminCreateBrand").WithSummary("Create a brand").Produces<BrandResponse>(201);
        admin.MapGet("/brands/{uuid}", (string uuid, AppDb db, CancellationToken ct) =>
                Admin.GetAsync<Brand>(db, LucidProvisioning.Key(uuid), "Brand", b => TypedResults.Ok(new BrandResponse(ShortUuid.Encode(b.Id), b.Name)), ct))
            .WithName("AdminGetBrand").WithSummary("One brand").Produces<BrandResponse>().ProducesProblem(404);
        admin.MapPatch("/brands/{uuid}", RenameBrand).WithName("AdminRenameBrand").WithSummary("Rename a brand").Produces<BrandResponse>().ProducesProblem(404);
        admin.MapPost("/dispensaries", CreateDispensary).WithName("AdminCreateDispensary").WithSummary("Create a dispensary").Produces<DispensaryResponse>(201);
        admin.MapGet("/dispensaries/{uuid}", (string uuid, AppDb db, CancellationToken ct) =>
                Admin.GetAsync<Dispensary>(db, LucidProvisioning.Key(uuid), "Dispensary", d => TypedResults.Ok(ToResponse(d)), ct))
            .WithName("AdminGetDispensary").WithSummary("One dispensary, with its export settings").Produces<DispensaryResponse>().ProducesProblem(404);
        admin.MapPatch("/dispensaries/{uuid}", UpdateDispensary).WithName("AdminUpdateDispensary")
            .WithSummary("Change a dispensary's name or export settings (omitted fields keep their values)")
            .Produces<DispensaryResponse>().ProducesProblem(404);
        admin.MapPost("/oauth-clients", CreateClient).WithName("AdminCreateOAuthClient")
            .WithSummary("Create an OAuth2 client bound to one dispensary, or to a set of brands with a default; the secret is shown once")
            .WithMetadata(new Idempotency.ShowsSecretOnce())
            .Produces<ClientResponse>(201);
        admin.MapGet("/oauth-clients/{clientId}", GetClient).WithName("AdminGetOAuthClient")
            .WithSummary("One OAuth2 client: what it may reach and whether it is revoked (never its secret)")
            .Produces<ClientInfo>().ProducesProblem(404);
        admin.MapPost("/oauth-clients/{clientId}/revoke", RevokeClient).WithName("AdminRevokeOAuthClient")
            .WithSummary("Revoke a client and every token it holds (effective within seconds)")
            .Produces(204).ProducesProblem(404);
        return admin;
    }

    private static async Task<IResult> CreateBrand(BrandRequest body, AppDb db, TimeProvider time, CancellationToken ct) =>
        (await db.WriteAsync(() => LucidProvisioning.CreateBrandAsync(db, body, time, ct), ct)).ToResult(brand =>
            TypedResults.Created($"/admin/v1/brands/{ShortUuid.Encode(brand.Id)}", new BrandResponse(ShortUuid.Encode(brand.Id), brand.Name)));

    private static async Task<IResult> RenameBrand(string uuid, BrandRequest body, AppDb db, CancellationToken ct) =>
        (await db.WriteAsync(() => LucidProvisioning.RenameBrandAsync(db, uuid, body, ct), ct)).ToResult(brand =>
            TypedResults.Ok(new BrandResponse(ShortUuid.Encode(brand.Id), brand.Name)));

    private static async Task<IResult> CreateDispensary(DispensaryRequest body, AppDb db, TimeProvider time, CancellationToken ct) =>
        (await db.WriteAsync(() => LucidProvisioning.CreateDispensaryAsync(db, body, time, ct), ct)).ToResult(d =>
            TypedResults.Created($"/admin/v1/dispensaries/{ShortUuid.Encode(d.Id)}", ToResponse(d)));

    private static async Task<IResult> UpdateDispensary(string uuid, DispensaryRequest body, AppDb db, CancellationToken ct) =>
        (await db.WriteAsync(() => LucidProvisioning.UpdateDispensaryAsync(db, uuid, body, ct), ct)).ToResult(d => TypedResults.Ok(ToResponse(d)));

    private static DispensaryResponse ToResponse(Dispensary d) =>
        new(ShortUuid.Encode(d.Id), d.Name, d.TimeZone, d.PackageUidExportEnabled, d.ExportTime);

    private static async Task<IResult> CreateClient(ClientRequest body, AppDb db, TimeProvider time, CancellationToken ct) =>
        (await db.WriteAsync(() => LucidProvisioning.CreateClientAsync(db, body, time, ct), ct)).ToResult(created =>
        {
            var client = created.Client;
            return TypedResults.Created($"/admin/v1/oauth-clients/{client.ClientId}", new ClientResponse(
                client.ClientId, created.Secret, client.Name, KindName(client), Uuid(client.DispensaryId), BrandUuids(client), Uuid(client.DefaultBrandId)));
        });

    private static async Task<IResult> GetClient(string clientId, AppDb db, CancellationToken ct) =>
        await db.OAuthClients.AsNoTracking().Include(c => c.Brands).FirstOrDefaultAsync(c => c.ClientId == clientId, ct) is { } client
            ? TypedResults.Ok(new ClientInfo(client.ClientId, client.Name, KindName(client), Uuid(client.DispensaryId), BrandUuids(client), Uuid(client.DefaultBrandId), client.Revoked))
            : Admin.NotFound("OAuth client");

    private static string KindName(OAuthClient client) => client.Kind == ClientKind.Brand ? "brand" : "dispensary";

    private static string? Uuid(Guid? id) => id is { } value ? ShortUuid.Encode(value) : null;

    private static string[] BrandUuids(OAuthClient client) => client.Brands.Select(b => ShortUuid.Encode(b.BrandId)).ToArray();

    private static async Task<IResult> RevokeClient(string clientId, AppDb db, CancellationToken ct) =>
        (await db.WriteAsync(() => LucidProvisioning.RevokeClientAsync(db, clientId, ct), ct)).ToResult(_ => TypedResults.NoContent());
}
