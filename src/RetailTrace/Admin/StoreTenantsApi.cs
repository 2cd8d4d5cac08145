using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Admin;

/// <summary>Provisioning of the BLAZE-side tenants: companies, shops, inventory rooms, employees, partner and developer keys.</summary>
public static class StoreTenantsApi
{
    public sealed record NameRequest(string? Name);
    public sealed record CompanyResponse(string Id, string Name);
    public sealed record ShopRequest(string? CompanyId, string? Name);
    public sealed record ShopResponse(string Id, string CompanyId, string Name);
    public sealed record InventoryRequest(string? ShopId, string? Name);
    public sealed record InventoryResponse(string Id, string CompanyId, string ShopId, string Name);
    public sealed record EmployeeRequest(string? CompanyId, string? FirstName, string? LastName);
    public sealed record EmployeeResponse(string Id, string CompanyId, string FirstName, string LastName);
    public sealed record PartnerResponse(string Id, string Name, string PartnerKey);
    public sealed record DeveloperKeyRequest(string? ShopId);
    public sealed record DeveloperKeyResponse(string Id, string CompanyId, string ShopId, string DeveloperKey);
    /// <summary>A partner as it is read back: its key is never shown again, only whether it is revoked.</summary>
    public sealed record PartnerInfo(string Id, string Name, bool Revoked);
    /// <summary>A developer key as it is read back: the key itself is never shown again, only whether it is revoked.</summary>
    public sealed record DeveloperKeyInfo(string Id, string CompanyId, string ShopId, bool Revoked);

    public static RouteGroupBuilder MapStoreTenantsAdmin(this RouteGroupBuilder admin)
    {
        admin.MapPost("/companies", CreateCompany).WithName("AdminCreateCompany").WithSummary("Create a company").Produces<CompanyResponse>(201);
        admin.MapGet("/companies/{id}", (string id, AppDb db, CancellationToken ct) => Admin.GetAsync<Company>(db, id, "Company", c => TypedResults.Ok(new CompanyResponse(c.Id, c.Name)), ct))
            .WithName("AdminGetCompany").WithSummary("One company").Produces<CompanyResponse>().ProducesProblem(404);
        admin.MapPatch("/companies/{id}", RenameCompany).WithName("AdminRenameCompany").WithSummary("Rename a company").Produces<CompanyResponse>().ProducesProblem(404);
        admin.MapPost("/shops", CreateShop).WithName("AdminCreateShop").WithSummary("Create a shop of a company").Produces<ShopResponse>(201);
        admin.MapGet("/shops/{id}", (string id, AppDb db, CancellationToken ct) => Admin.GetAsync<Shop>(db, id, "Shop", s => TypedResults.Ok(new ShopResponse(s.Id, s.CompanyId, s.Name)), ct))
            .WithName("AdminGetShop").WithSummary("One shop").Produces<ShopResponse>().ProducesProblem(404);
        admin.MapPatch("/shops/{id}", RenameShop).WithName("AdminRenameShop").WithSummary("Rename a shop").Produces<ShopResponse>().ProducesProblem(404);
        admin.MapPost("/inventories", CreateInventory).WithName("AdminCreateInventory").WithSummary("Create an inventory room in a shop").Produces<InventoryResponse>(201);
        admin.MapGet("/inventories/{id}", (string id, AppDb db, CancellationToken ct) => Admin.GetAsync<Inventory>(db, id, "Inventory", i => TypedResults.Ok(new InventoryResponse(i.Id, i.CompanyId, i.ShopId, i.Name)), ct))
            .WithName("AdminGetInventory").WithSummary("One inventory room").Produces<InventoryResponse>().ProducesProblem(404);
        admin.MapPatch("/inventories/{id}", RenameInventory).WithName("AdminRenameInventory").WithSummary("Rename an inventory room").Produces<InventoryResponse>().ProducesProblem(404);
        admin.MapPost("/employees", CreateEmployee).WithName("AdminCreateEmployee").WithSummary("Create an employee of a company").Produces<EmployeeResponse>(201);
        admin.MapGet("/employees/{id}", (string id, AppDb db, CancellationToken ct) => Admin.GetAsync<Employee>(db, id, "Employee", e => TypedResults.Ok(new EmployeeResponse(e.Id, e.CompanyId, e.FirstName, e.LastName)), ct))
            .WithName("AdminGetEmployee").WithSummary("One employee").Produces<EmployeeResponse>().ProducesProblem(404);
        // Answers that show a key once refuse Idempotency-Key (400): a stored answer would keep the key in clear.
        admin.MapPost("/partners", CreatePartner).WithName("AdminCreatePartner").WithSummary("Create a partner; the partner key is shown once")
            .WithMetadata(new Idempotency.ShowsSecretOnce()).Produces<PartnerResponse>(201);
        admin.MapGet("/partners/{id}", (string id, AppDb db, CancellationToken ct) => Admin.GetAsync<Partner>(db, id, "Partner", p => TypedResults.Ok(new PartnerInfo(p.Id, p.Name, p.Revoked)), ct))
            .WithName("AdminGetPartner").WithSummary("One partner: its name and whether its key is revoked (never the key)").Produces<PartnerInfo>().ProducesProblem(404);
        admin.MapPost("/partners/{id}/rotate", RotatePartner).WithName("AdminRotatePartnerKey")
            .WithSummary("Replace a partner key by a new one, shown once; the old key is refused within seconds")
            .WithMetadata(new Idempotency.ShowsSecretOnce()).Produces<PartnerResponse>().ProducesProblem(404);
        admin.MapPost("/partners/{id}/revoke", RevokePartner).WithName("AdminRevokePartner")
            .WithSummary("Revoke a partner key (effective within seconds)").Produces(204).ProducesProblem(404);
        admin.MapPost("/developer-keys", CreateDeveloperKey).WithName("AdminCreateDeveloperKey")
            .WithSummary("Create a shop's developer key (fixes company and shop); shown once")
            .WithMetadata(new Idempotency.ShowsSecretOnce()).Produces<DeveloperKeyResponse>(201);
        admin.MapGet("/developer-keys/{id}", (string id, AppDb db, CancellationToken ct) => Admin.GetAsync<DeveloperKey>(db, id, "Developer key", k => TypedResults.Ok(new DeveloperKeyInfo(k.Id, k.CompanyId, k.ShopId, k.Revoked)), ct))
            .WithName("AdminGetDeveloperKey").WithSummary("One developer key: its company, shop and whether it is revoked (never the key)").Produces<DeveloperKeyInfo>().ProducesProblem(404);
        admin.MapPost("/developer-keys/{id}/rotate", RotateDeveloperKey).WithName("AdminRotateDeveloperKey")
            .WithSummary("Replace a shop's developer key by a new one, shown once; the old key is refused within seconds")
            .WithMetadata(new Idempotency.ShowsSecretOnce()).Produces<DeveloperKeyResponse>().ProducesProblem(404);
        admin.MapPost("/developer-keys/{id}/revoke", RevokeDeveloperKey).WithName("AdminRevokeDeveloperKey")
            .WithSummary("Revoke a shop's developer key (effective within seconds)").Produces(204).ProducesProblem(404);
        return admin;
    }

    private static async Task<IResult> CreateCompany(NameRequest body, AppDb db, TimeProvider time, CancellationToken ct) =>
        (await db.WriteAsync(() => StoreProvisioning.CreateCompanyAsync(db, body, time, ct), ct)).ToResult(c =>
            TypedResults.Created($"/admin/v1/companies/{c.Id}", new CompanyResponse(c.Id, c.Name)));

    private static async Task<IResult> RenameCompany(string id, NameRequest body, AppDb db, CancellationToken ct) =>
        (await db.WriteAsync(() => StoreProvisioning.RenameCompanyAsync(db, id, body, ct), ct)).ToResult(c => TypedResults.Ok(new CompanyResponse(c.Id, c.Name)));

    private static async Task<IResult> RenameShop(string id, NameRequest body, AppDb db, CancellationToken ct) =>
        (await db.WriteAsync(() => StoreProvisioning.RenameShopAsync(db, id, body, ct), ct)).ToResult(s => TypedResults.Ok(new ShopResponse(s.Id, s.CompanyId, s.Name)));

    private static async Task<IResult> RenameInventory(string id, NameRequest body, AppDb db, CancellationToken ct) =>
        (await db.WriteAsync(() => StoreProvisioning.RenameInventoryAsync(db, id, body, ct), ct)).ToResult(i =>
            TypedResults.Ok(new InventoryResponse(i.Id, i.CompanyId, i.ShopId, i.Name)));

    private static async Task<IResult> CreateShop(ShopRequest body, AppDb db, TimeProvider time, CancellationToken ct) =>
        (await db.WriteAsync(() => StoreProvisioning.CreateShopAsync(db, body, time, ct), ct)).ToResult(s =>
            TypedResults.Created($"/admin/v1/shops/{s.Id}", new ShopResponse(s.Id, s.CompanyId, s.Name)));

    private static async Task<IResult> CreateInventory(InventoryRequest body, AppDb db, TimeProvider time, CancellationToken ct) =>
        (await db.WriteAsync(() => StoreProvisioning.CreateInventoryAsync(db, body, time, ct), ct)).ToResult(i =>
            TypedResults.Created($"/admin/v1/inventories/{i.Id}", new InventoryResponse(i.Id, i.CompanyId, i.ShopId, i.Name)));

    private static async Task<IResult> CreateEmployee(EmployeeRequest body, AppDb db, TimeProvider time, CancellationToken ct) =>
        (await db.WriteAsync(() => StoreProvisioning.CreateEmployeeAsync(db, body, time, ct), ct)).ToResult(e =>
            TypedResults.Created($"/admin/v1/employees/{e.Id}", new EmployeeResponse(e.Id, e.CompanyId, e.FirstName, e.LastName)));

    private static async Task<IResult> CreatePartner(NameRequest body, AppDb db, TimeProvider time, CancellationToken ct) =>
        (await db.WriteAsync(() => StoreProvisioning.CreatePartnerAsync(db, body, time, ct), ct)).ToResult(p =>
            TypedResults.Created($"/admin/v1/partners/{p.Row.Id}", new PartnerResponse(p.Row.Id, p.Row.Name, p.Key)));

    private static async Task<IResult> RevokePartner(string id, AppDb db, CancellationToken ct) =>
        (await db.WriteAsync(() => StoreProvisioning.RevokePartnerAsync(db, id, ct), ct)).ToResult(_ => TypedResults.NoContent());

    private static async Task<IResult> CreateDeveloperKey(DeveloperKeyRequest body, AppDb db, TimeProvider time, CancellationToken ct) =>
        (await db.WriteAsync(() => StoreProvisioning.CreateDeveloperKeyAsync(db, body, time, ct), ct)).ToResult(k =>
            TypedResults.Created($"/admin/v1/developer-keys/{k.Row.Id}", new DeveloperKeyResponse(k.Row.Id, k.Row.CompanyId, k.Row.ShopId, k.Key)));

    private static async Task<IResult> RotatePartner(string id, AppDb db, CancellationToken ct) =>
        (await db.WriteAsync(() => StoreProvisioning.RotatePartnerAsync(db, id, ct), ct)).ToResult(p =>
            TypedResults.Ok(new PartnerResponse(p.Row.Id, p.Row.Name, p.Key)));

    private static async Task<IResult> RotateDeveloperKey(string id, AppDb db, CancellationToken ct) =>
        (await db.WriteAsync(() => StoreProvisioning.RotateDeveloperKeyAsync(db, id, ct), ct)).ToResult(k =>
            TypedResults.Ok(new DeveloperKeyResponse(k.Row.Id, k.Row.CompanyId, k.Row.ShopId, k.Key)));

    private static async Task<IResult> RevokeDeveloperKey(string id, AppDb db, CancellationToken ct) =>
        (await db.WriteAsync(() => StoreProvisioning.RevokeDeveloperKeyAsync(db, id, ct), ct)).ToResult(_ => TypedResults.NoContent());
}
