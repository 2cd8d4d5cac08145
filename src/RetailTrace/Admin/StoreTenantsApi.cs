using Microsoft.EntityFrameworkCore;
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

    public static RouteGroupBuilder MapStoreTenantsAdmin(this RouteGroupBuilder admin)
    {
        admin.MapPost("/companies", CreateCompany).WithName("AdminCreateCompany").WithSummary("Create a company").Produces<CompanyResponse>(201);
        admin.MapPost("/shops", CreateShop).WithName("AdminCreateShop").WithSummary("Create a shop of a company").Produces<ShopResponse>(201);
        admin.MapPost("/inventories", CreateInventory).WithName("AdminCreateInventory").WithSummary("Create an inventory room in a shop").Produces<InventoryResponse>(201);
        admin.MapPost("/employees", CreateEmployee).WithName("AdminCreateEmployee").WithSummary("Create an employee of a company").Produces<EmployeeResponse>(201);
        admin.MapPost("/partners", CreatePartner).WithName("AdminCreatePartner").WithSummary("Create a partner; the partner key is shown once").Produces<PartnerResponse>(201);
        admin.MapPost("/developer-keys", CreateDeveloperKey).WithName("AdminCreateDeveloperKey")
            .WithSummary("Create a shop's developer key (fixes company and shop); shown once").Produces<DeveloperKeyResponse>(201);
        return admin;
    }

    private static async Task<IResult> CreateCompany(NameRequest body, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var errors = new Admin.Errors().Require("name", body.Name);
        if (errors.Any) return errors.Result();
        var c = new Company { Id = ObjectId.NewId(time), Name = body.Name!.Trim(), CreatedAt = time.GetUtcNow().UtcDateTime };
        await db.InsertAsync(c, ct);
        return TypedResults.Created($"/admin/v1/companies/{c.Id}", new CompanyResponse(c.Id, c.Name));
    }

    private static async Task<IResult> CreateShop(ShopRequest body, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var errors = new Admin.Errors().Require("company_id", body.CompanyId).Require("name", body.Name);
        if (!errors.Any && !await db.Companies.AnyAsync(c => c.Id == body.CompanyId)) errors.Add("company_id", "Unknown company.");
        if (errors.Any) return errors.Result();
        var s = new Shop { Id = ObjectId.NewId(time), CompanyId = body.CompanyId!, Name = body.Name!.Trim(), CreatedAt = time.GetUtcNow().UtcDateTime };
        await db.InsertAsync(s, ct);
        return TypedResults.Created($"/admin/v1/shops/{s.Id}", new ShopResponse(s.Id, s.CompanyId, s.Name));
    }

    private static async Task<IResult> CreateInventory(InventoryRequest body, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var errors = new Admin.Errors().Require("shop_id", body.ShopId).Require("name", body.Name);
        var shop = errors.Any ? null : await db.Shops.AsNoTracking().FirstOrDefaultAsync(s => s.Id == body.ShopId);
        if (!errors.Any && shop is null) errors.Add("shop_id", "Unknown shop.");
        if (errors.Any) return errors.Result();
        var i = new Inventory { Id = ObjectId.NewId(time), CompanyId = shop!.CompanyId, ShopId = shop.Id, Name = body.Name!.Trim(), CreatedAt = time.GetUtcNow().UtcDateTime };
        await db.InsertAsync(i, ct);
        return TypedResults.Created($"/admin/v1/inventories/{i.Id}", new InventoryResponse(i.Id, i.CompanyId, i.ShopId, i.Name));
    }

    private static async Task<IResult> CreateEmployee(EmployeeRequest body, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var errors = new Admin.Errors().Require("company_id", body.CompanyId).Require("first_name", body.FirstName).Require("last_name", body.LastName);
        if (!errors.Any && !await db.Companies.AnyAsync(c => c.Id == body.CompanyId)) errors.Add("company_id", "Unknown company.");
        if (errors.Any) return errors.Result();
        var e = new Employee { Id = ObjectId.NewId(time), CompanyId = body.CompanyId!, FirstName = body.FirstName!.Trim(), LastName = body.LastName!.Trim(), CreatedAt = time.GetUtcNow().UtcDateTime };
        await db.InsertAsync(e, ct);
        return TypedResults.Created($"/admin/v1/employees/{e.Id}", new EmployeeResponse(e.Id, e.CompanyId, e.FirstName, e.LastName));
    }

    private static async Task<IResult> CreatePartner(NameRequest body, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var errors = new Admin.Errors().Require("name", body.Name);
        if (errors.Any) return errors.Result();
        var key = Secrets.New();
        var p = new Partner { Id = ObjectId.NewId(time), Name = body.Name!.Trim(), KeyHash = Secrets.Hash(key), CreatedAt = time.GetUtcNow().UtcDateTime };
        await db.InsertAsync(p, ct);
        return TypedResults.Created($"/admin/v1/partners/{p.Id}", new PartnerResponse(p.Id, p.Name, key));
    }

    private static async Task<IResult> CreateDeveloperKey(DeveloperKeyRequest body, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var errors = new Admin.Errors().Require("shop_id", body.ShopId);
        var shop = errors.Any ? null : await db.Shops.AsNoTracking().FirstOrDefaultAsync(s => s.Id == body.ShopId);
        if (!errors.Any && shop is null) errors.Add("shop_id", "Unknown shop.");
        if (errors.Any) return errors.Result();
        var key = Secrets.New();
        var k = new DeveloperKey { Id = ObjectId.NewId(time), CompanyId = shop!.CompanyId, ShopId = shop.Id, KeyHash = Secrets.Hash(key), CreatedAt = time.GetUtcNow().UtcDateTime };
        await db.InsertAsync(k, ct);
        return TypedResults.Created($"/admin/v1/developer-keys/{k.Id}", new DeveloperKeyResponse(k.Id, k.CompanyId, k.ShopId, key));
    }
}
