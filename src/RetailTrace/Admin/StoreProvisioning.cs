using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;
using static RetailTrace.Admin.Admin;
using static RetailTrace.Admin.StoreTenantsApi;

namespace RetailTrace.Admin;

/// <summary>
/// The rules and writes of the BLAZE-side tenants (companies, shops, inventory rooms, employees) and their keys,
/// shared by the admin API and the operator console like <see cref="LucidProvisioning"/>: each runs inside the
/// caller's write and keeps no state between runs.
/// </summary>
public static class StoreProvisioning
{
    /// <summary>A new partner or developer key and the key itself, which exists only here: the database keeps its hash.</summary>
    public sealed record NewKey<T>(T Row, string Key);

    public static async Task<Provisioned<Company>> CreateCompanyAsync(AppDb db, NameRequest body, TimeProvider time, CancellationToken ct)
    {
        var errors = new Errors().Require("name", body.Name);
        if (errors.Any) return Provisioned<Company>.Refused(errors);
        var c = new Company { Id = ObjectId.NewId(time), Name = body.Name!.Trim(), CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Add(c);
        await db.SaveChangesAsync(ct);
        return Provisioned<Company>.Done(c);
    }

    public static Task<Provisioned<Company>> RenameCompanyAsync(AppDb db, string id, NameRequest body, CancellationToken ct) =>
        RenameAsync<Company>(db, id, body.Name, "Company", (c, name) => c.Name = name, ct);

    public static Task<Provisioned<Shop>> RenameShopAsync(AppDb db, string id, NameRequest body, CancellationToken ct) =>
        RenameAsync<Shop>(db, id, body.Name, "Shop", (s, name) => s.Name = name, ct);

    public static Task<Provisioned<Inventory>> RenameInventoryAsync(AppDb db, string id, NameRequest body, CancellationToken ct) =>
        RenameAsync<Inventory>(db, id, body.Name, "Inventory", (i, name) => i.Name = name, ct);

    public static async Task<Provisioned<Shop>> CreateShopAsync(AppDb db, ShopRequest body, TimeProvider time, CancellationToken ct)
    {
        var errors = new Errors().Require("company_id", body.CompanyId).Require("name", body.Name);
        if (!errors.Any && !await db.Companies.AnyAsync(c => c.Id == body.CompanyId, ct)) errors.Add("company_id", "Unknown company.");
        if (errors.Any) return Provisioned<Shop>.Refused(errors);
        var s = new Shop { Id = ObjectId.NewId(time), CompanyId = body.CompanyId!, Name = body.Name!.Trim(), CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Add(s);
        await db.SaveChangesAsync(ct);
        return Provisioned<Shop>.Done(s);
    }

    public static async Task<Provisioned<Inventory>> CreateInventoryAsync(AppDb db, InventoryRequest body, TimeProvider time, CancellationToken ct)
    {
        var errors = new Errors().Require("shop_id", body.ShopId).Require("name", body.Name);
        var shop = errors.Any ? null : await db.Shops.AsNoTracking().FirstOrDefaultAsync(s => s.Id == body.ShopId, ct);
        if (!errors.Any && shop is null) errors.Add("shop_id", "Unknown shop.");
        if (errors.Any) return Provisioned<Inventory>.Refused(errors);
        var i = new Inventory { Id = ObjectId.NewId(time), CompanyId = shop!.CompanyId, ShopId = shop.Id, Name = body.Name!.Trim(), CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Add(i);
        await db.SaveChangesAsync(ct);
        return Provisioned<Inventory>.Done(i);
    }

    public static async Task<Provisioned<Employee>> CreateEmployeeAsync(AppDb db, EmployeeRequest body, TimeProvider time, CancellationToken ct)
    {
        var errors = new Errors().Require("company_id", body.CompanyId).Require("first_name", body.FirstName).Require("last_name", body.LastName);
        if (!errors.Any && !await db.Companies.AnyAsync(c => c.Id == body.CompanyId, ct)) errors.Add("company_id", "Unknown company.");
        if (errors.Any) return Provisioned<Employee>.Refused(errors);
        var e = new Employee { Id = ObjectId.NewId(time), CompanyId = body.CompanyId!, FirstName = body.FirstName!.Trim(), LastName = body.LastName!.Trim(), CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Add(e);
        await db.SaveChangesAsync(ct);
        return Provisioned<Employee>.Done(e);
    }

    public static async Task<Provisioned<NewKey<Partner>>> CreatePartnerAsync(AppDb db, NameRequest body, TimeProvider time, CancellationToken ct)
    {
        var errors = new Errors().Require("name", body.Name);
        if (errors.Any) return Provisioned<NewKey<Partner>>.Refused(errors);
        var key = Secrets.New();
        var p = new Partner { Id = ObjectId.NewId(time), Name = body.Name!.Trim(), KeyHash = Secrets.Hash(key), CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Add(p);
        await db.SaveChangesAsync(ct);
        return Provisioned<NewKey<Partner>>.Done(new NewKey<Partner>(p, key));
    }

    public static async Task<Provisioned<NewKey<DeveloperKey>>> CreateDeveloperKeyAsync(AppDb db, DeveloperKeyRequest body, TimeProvider time, CancellationToken ct)
    {
        var errors = new Errors().Require("shop_id", body.ShopId);
        var shop = errors.Any ? null : await db.Shops.AsNoTracking().FirstOrDefaultAsync(s => s.Id == body.ShopId, ct);
        if (!errors.Any && shop is null) errors.Add("shop_id", "Unknown shop.");
        if (errors.Any) return Provisioned<NewKey<DeveloperKey>>.Refused(errors);
        var key = Secrets.New();
        var k = new DeveloperKey { Id = ObjectId.NewId(time), CompanyId = shop!.CompanyId, ShopId = shop.Id, KeyHash = Secrets.Hash(key), CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Add(k);
        await db.SaveChangesAsync(ct);
        return Provisioned<NewKey<DeveloperKey>>.Done(new NewKey<DeveloperKey>(k, key));
    }

    /// <summary>Revokes a partner key: every store request with it is refused once the key cache
    /// (<see cref="Auth.LucidAuthHandler.CacheSeconds"/>) lets go of it. Revoking a revoked key changes nothing.</summary>
    public static async Task<Provisioned<Partner>> RevokePartnerAsync(AppDb db, string id, CancellationToken ct)
    {
        var partner = await db.Partners.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
        if (partner is null) return Provisioned<Partner>.NotFound("Partner");
        await db.Partners.Where(p => p.Id == id).ExecuteUpdateAsync(s => s.SetProperty(p => p.Revoked, true), ct);
        partner.Revoked = true;
        return Provisioned<Partner>.Done(partner);
    }

    /// <summary>Replaces a partner key by a new one (shown once); the old key is refused once the key cache lets go of it
    /// (<see cref="Auth.LucidAuthHandler.CacheSeconds"/>). A revoked key stays revoked: create a new partner instead.</summary>
    public static async Task<Provisioned<NewKey<Partner>>> RotatePartnerAsync(AppDb db, string id, CancellationToken ct)
    {
        var key = Secrets.New();
        var hash = Secrets.Hash(key);
        // One conditional update, so a rotation racing a revocation never brings a revoked key back.
        if (await db.Partners.Where(p => p.Id == id && !p.Revoked).ExecuteUpdateAsync(s => s.SetProperty(p => p.KeyHash, hash), ct) == 0)
            return await db.Partners.AnyAsync(p => p.Id == id, ct)
                ? Provisioned<NewKey<Partner>>.Refused(new Errors().Add("id", "A revoked key cannot be rotated."))
                : Provisioned<NewKey<Partner>>.NotFound("Partner");
        var partner = await db.Partners.AsNoTracking().FirstAsync(p => p.Id == id, ct);
        return Provisioned<NewKey<Partner>>.Done(new NewKey<Partner>(partner, key));
    }

    /// <summary>Replaces a shop's developer key, like <see cref="RotatePartnerAsync"/>; company and shop stay.</summary>
    public static async Task<Provisioned<NewKey<DeveloperKey>>> RotateDeveloperKeyAsync(AppDb db, string id, CancellationToken ct)
    {
        var key = Secrets.New();
        var hash = Secrets.Hash(key);
        if (await db.DeveloperKeys.Where(k => k.Id == id && !k.Revoked).ExecuteUpdateAsync(s => s.SetProperty(k => k.KeyHash, hash), ct) == 0)
            return await db.DeveloperKeys.AnyAsync(k => k.Id == id, ct)
                ? Provisioned<NewKey<DeveloperKey>>.Refused(new Errors().Add("id", "A revoked key cannot be rotated."))
                : Provisioned<NewKey<DeveloperKey>>.NotFound("Developer key");
        var row = await db.DeveloperKeys.AsNoTracking().FirstAsync(k => k.Id == id, ct);
        return Provisioned<NewKey<DeveloperKey>>.Done(new NewKey<DeveloperKey>(row, key));
    }

    /// <summary>Revokes a shop's developer key, like <see cref="RevokePartnerAsync"/>.</summary>
    public static async Task<Provisioned<DeveloperKey>> RevokeDeveloperKeyAsync(AppDb db, string id, CancellationToken ct)
    {
        var key = await db.DeveloperKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, ct);
        if (key is null) return Provisioned<DeveloperKey>.NotFound("Developer key");
        await db.DeveloperKeys.Where(k => k.Id == id).ExecuteUpdateAsync(s => s.SetProperty(k => k.Revoked, true), ct);
        key.Revoked = true;
        return Provisioned<DeveloperKey>.Done(key);
    }
}
