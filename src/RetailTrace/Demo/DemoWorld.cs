using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.Demo;

/// <summary>The demo's tenants: one brand, one dispensary (daily exports on), one company and shop with two rooms,
/// an employee and a partner. Created once per database and found again by name.</summary>
public sealed record DemoWorld(Brand Brand, Dispensary Dispensary, Company Company, Shop Shop, Inventory Front, Inventory Vault, Employee Employee, Partner Partner)
{
    private const string DispensaryClientName = "Demo POS";
    private const string BrandClientName = "Demo Brand ERP";

    public sealed record Credentials(string DispensaryClientId, string DispensarySecret, string BrandClientId, string BrandSecret, string PartnerKey, string DeveloperKey);

    public static async Task<DemoWorld> SeedAsync(AppDb db, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var brand = await db.Brands.FirstOrDefaultAsync(b => b.Name == "Demo Brand");
        if (brand is not null)
        {
            var company = await db.Companies.FirstAsync(c => c.Name == "Demo Company");
            var shop = await db.Shops.FirstAsync(s => s.CompanyId == company.Id);
            var rooms = await db.Inventories.Where(i => i.ShopId == shop.Id).ToListAsync();
            return new DemoWorld(brand, await db.Dispensaries.FirstAsync(d => d.Name == "Demo Dispensary"), company, shop,
                rooms.First(r => r.Name == "Front Room"), rooms.First(r => r.Name == "Vault"),
                await db.Employees.FirstAsync(e => e.CompanyId == company.Id), await db.Partners.FirstAsync(p => p.Name == "Demo Partner"));
        }

        brand = new Brand { Id = Guid.NewGuid(), Name = "Demo Brand", CreatedAt = now };
        var dispensary = new Dispensary { Id = Guid.NewGuid(), Name = "Demo Dispensary", PackageUidExportEnabled = true, CreatedAt = now };
        var demoCompany = new Company { Id = ObjectId.NewId(time), Name = "Demo Company", CreatedAt = now };
        var demoShop = new Shop { Id = ObjectId.NewId(time), CompanyId = demoCompany.Id, Name = "Demo Shop", CreatedAt = now };
        var front = new Inventory { Id = ObjectId.NewId(time), CompanyId = demoCompany.Id, ShopId = demoShop.Id, Name = "Front Room", CreatedAt = now };
        var vault = new Inventory { Id = ObjectId.NewId(time), CompanyId = demoCompany.Id, ShopId = demoShop.Id, Name = "Vault", CreatedAt = now };
        var employee = new Employee { Id = ObjectId.NewId(time), CompanyId = demoCompany.Id, FirstName = "Dana", LastName = "Demo", CreatedAt = now };
        var partner = new Partner { Id = ObjectId.NewId(time), Name = "Demo Partner", KeyHash = Secrets.Hash(Secrets.New()), CreatedAt = now };
        await db.WriteAsync(() =>
        {
            db.AddRange(brand, dispensary, demoCompany, demoShop, front, vault, employee, partner);
            return db.SaveChangesAsync();
        }, CancellationToken.None);
        return new DemoWorld(brand, dispensary, demoCompany, demoShop, front, vault, employee, partner);
    }

    /// <summary>
    /// New credentials for this start, in one transaction with the revocation of every earlier start's: the demo's
    /// OAuth clients (with their tokens) and the demo shop's developer keys; the partner key is replaced. Only hashes
    /// are stored, so a credential printed once cannot be printed again.
    /// </summary>
    public static async Task<Credentials> IssueCredentialsAsync(AppDb db, DemoWorld world, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        string dispensarySecret = Secrets.New(), brandSecret = Secrets.New(), partnerKey = Secrets.New(), developerKey = Secrets.New();
        var dispensaryClient = new OAuthClient
        {
            Id = Guid.NewGuid(), ClientId = Secrets.New(15), SecretHash = Secrets.Hash(dispensarySecret), Name = DispensaryClientName,
            Kind = ClientKind.Dispensary, DispensaryId = world.Dispensary.Id, CreatedAt = now,
        };
        var brandClient = new OAuthClient
        {
            Id = Guid.NewGuid(), ClientId = Secrets.New(15), SecretHash = Secrets.Hash(brandSecret), Name = BrandClientName,
            Kind = ClientKind.Brand, DefaultBrandId = world.Brand.Id, CreatedAt = now,
            Brands = [new OAuthClientBrand { BrandId = world.Brand.Id }],
        };
        await db.WriteAsync(async () =>
        {
            var earlier = db.OAuthClients.Where(c => !c.Revoked
                && ((c.Name == DispensaryClientName && c.DispensaryId == world.Dispensary.Id) || (c.Name == BrandClientName && c.DefaultBrandId == world.Brand.Id)));
            await db.AccessTokens.Where(t => !t.Revoked && earlier.Any(c => c.Id == t.OAuthClientId)).ExecuteUpdateAsync(s => s.SetProperty(t => t.Revoked, true));
            await earlier.ExecuteUpdateAsync(s => s.SetProperty(c => c.Revoked, true));
            await db.DeveloperKeys.Where(k => k.ShopId == world.Shop.Id && !k.Revoked).ExecuteUpdateAsync(s => s.SetProperty(k => k.Revoked, true));
            await db.Partners.Where(p => p.Id == world.Partner.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.KeyHash, Secrets.Hash(partnerKey)));
            db.AddRange(dispensaryClient, brandClient,
                new DeveloperKey { Id = ObjectId.NewId(time), CompanyId = world.Company.Id, ShopId = world.Shop.Id, KeyHash = Secrets.Hash(developerKey), CreatedAt = now });
            return await db.SaveChangesAsync();
        }, CancellationToken.None);
        return new Credentials(dispensaryClient.ClientId, dispensarySecret, brandClient.ClientId, brandSecret, partnerKey, developerKey);
    }
}
