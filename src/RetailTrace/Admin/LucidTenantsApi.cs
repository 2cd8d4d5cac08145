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
        admin.MapPatch("/brands/{uuid}", RenameBrand).WithName("AdminRenameBrand").WithSummary("Rename a brand").Produces<BrandResponse>().ProducesProblem(404);
        admin.MapPost("/dispensaries", CreateDispensary).WithName("AdminCreateDispensary").WithSummary("Create a dispensary").Produces<DispensaryResponse>(201);
        admin.MapPatch("/dispensaries/{uuid}", UpdateDispensary).WithName("AdminUpdateDispensary")
            .WithSummary("Change a dispensary's name or export settings (omitted fields keep their values)")
            .Produces<DispensaryResponse>().ProducesProblem(404);
        admin.MapPost("/oauth-clients", CreateClient).WithName("AdminCreateOAuthClient")
            .WithSummary("Create an OAuth2 client bound to one dispensary, or to a set of brands with a default; the secret is shown once")
            .WithMetadata(new Idempotency.ShowsSecretOnce())
            .Produces<ClientResponse>(201);
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
                client.ClientId, created.Secret, client.Name, client.Kind == ClientKind.Brand ? "brand" : "dispensary",
                client.DispensaryId is { } d ? ShortUuid.Encode(d) : null,
                client.Brands.Select(b => ShortUuid.Encode(b.BrandId)).ToArray(),
                client.DefaultBrandId is { } b ? ShortUuid.Encode(b) : null));
        });

    private static async Task<IResult> RevokeClient(string clientId, AppDb db, CancellationToken ct) =>
        (await db.WriteAsync(() => LucidProvisioning.RevokeClientAsync(db, clientId, ct), ct)).ToResult(_ => TypedResults.NoContent());
}
