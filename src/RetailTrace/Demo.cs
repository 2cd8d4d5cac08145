using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace;

/// <summary>
/// `demo`: serve with a demo world (one brand, one dispensary, one company/shop with two rooms,
/// an employee and a partner) and print fresh working credentials with curl examples. The world
/// is created once per database; credentials are new on every start because only hashes are stored.
/// </summary>
public static class Demo
{
    public static void Configure(WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["Admin:Token"]))
            builder.Configuration["Admin:Token"] = Secrets.New();
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls("http://127.0.0.1:5080");
    }

    public static async Task RunAsync(WebApplication app)
    {
        await app.StartAsync();
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDb>();
            var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();
            var world = await SeedAsync(db, time);
            var creds = await IssueCredentialsAsync(db, world, time);
            // Each API family seeds its demo data (once) and contributes curl examples.
            var examples = new List<string>();
            examples.AddRange(await BrandApi.BrandDemo.SeedAsync(db, time, world, baseUrl));
            examples.AddRange(await Store.StoreDemo.SeedAsync(db, time, baseUrl, world, creds));
            examples.AddRange(await Dispensaries.DispensaryDemo.ExamplesAsync(db, world, baseUrl, time));
            examples.AddRange(await Exports.ExportsDemo.SeedAsync(scope.ServiceProvider, world, baseUrl, app.Configuration["Admin:Token"]!));
            Console.WriteLine(Banner(baseUrl, app.Configuration["Admin:Token"]!, world, creds, examples));
        }
        await app.WaitForShutdownAsync();
    }

    public sealed record World(Brand Brand, Dispensary Dispensary, Company Company, Shop Shop, Inventory Front, Inventory Vault, Employee Employee, Partner Partner);

    public sealed record Credentials(string DispensaryClientId, string DispensarySecret, string BrandClientId, string BrandSecret, string PartnerKey, string DeveloperKey);

    public static async Task<World> SeedAsync(AppDb db, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var brand = await db.Brands.FirstOrDefaultAsync(b => b.Name == "Demo Brand");
        if (brand is not null)
        {
            var company = await db.Companies.FirstAsync(c => c.Name == "Demo Company");
            var shop = await db.Shops.FirstAsync(s => s.CompanyId == company.Id);
            var rooms = await db.Inventories.Where(i => i.ShopId == shop.Id).OrderBy(i => i.Name).ToListAsync();
            return new World(brand, await db.Dispensaries.FirstAsync(d => d.Name == "Demo Dispensary"), company, shop,
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
        await db.WriteAsync(db =>
        {
            db.AddRange(brand, dispensary, demoCompany, demoShop, front, vault, employee, partner);
            return db.SaveChangesAsync();
        }, CancellationToken.None);
        return new World(brand, dispensary, demoCompany, demoShop, front, vault, employee, partner);
    }

    public static async Task<Credentials> IssueCredentialsAsync(AppDb db, World world, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        string dispensarySecret = Secrets.New(), brandSecret = Secrets.New(), partnerKey = Secrets.New(), developerKey = Secrets.New();
        var dispensaryClient = new OAuthClient
        {
            Id = Guid.NewGuid(), ClientId = Secrets.New(15), SecretHash = Secrets.Hash(dispensarySecret), Name = "Demo POS",
            Kind = ClientKind.Dispensary, DispensaryId = world.Dispensary.Id, CreatedAt = now,
        };
        var brandClient = new OAuthClient
        {
            Id = Guid.NewGuid(), ClientId = Secrets.New(15), SecretHash = Secrets.Hash(brandSecret), Name = "Demo Brand ERP",
            Kind = ClientKind.Brand, DefaultBrandId = world.Brand.Id, CreatedAt = now,
            Brands = [new OAuthClientBrand { BrandId = world.Brand.Id }],
        };
        world.Partner.KeyHash = Secrets.Hash(partnerKey);
        await db.WriteAsync(db =>
        {
            db.Update(world.Partner);
            db.AddRange(dispensaryClient, brandClient,
                new DeveloperKey { Id = ObjectId.NewId(time), CompanyId = world.Company.Id, ShopId = world.Shop.Id, KeyHash = Secrets.Hash(developerKey), CreatedAt = now });
            return db.SaveChangesAsync();
        }, CancellationToken.None);
        return new Credentials(dispensaryClient.ClientId, dispensarySecret, brandClient.ClientId, brandSecret, partnerKey, developerKey);
    }

    private static string Banner(string baseUrl, string adminToken, World w, Credentials c, List<string> examples) => $$"""

        ================ RetailTrace demo ================
        Server:        {{baseUrl}}   (API docs: {{baseUrl}}/docs)
        Admin token:   {{adminToken}}

        Dispensary "{{w.Dispensary.Name}}" ({{ShortUuid.Encode(w.Dispensary.Id)}}), OAuth client:
          client_id={{c.DispensaryClientId}}  client_secret={{c.DispensarySecret}}
        Brand "{{w.Brand.Name}}" ({{ShortUuid.Encode(w.Brand.Id)}}), OAuth client:
          client_id={{c.BrandClientId}}  client_secret={{c.BrandSecret}}
        Store "{{w.Shop.Name}}" (company {{w.Company.Id}}, shop {{w.Shop.Id}}; rooms: Front Room {{w.Front.Id}}, Vault {{w.Vault.Id}}; employee {{w.Employee.Id}}):
          partner_key={{c.PartnerKey}}
          developer key (Authorization)={{c.DeveloperKey}}

        Try it:
          DTOKEN=$(curl -s {{baseUrl}}/o/token/ -d grant_type=client_credentials -d client_id={{c.DispensaryClientId}} -d client_secret={{c.DispensarySecret}} | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
          BTOKEN=$(curl -s {{baseUrl}}/o/token/ -d grant_type=client_credentials -d client_id={{c.BrandClientId}} -d client_secret={{c.BrandSecret}} | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
          curl -s {{baseUrl}}/readyz
          curl -s -X POST {{baseUrl}}/admin/v1/brands -H "Authorization: Bearer {{adminToken}}" -H 'Content-Type: application/json' -d '{"name":"Another Brand"}'
        {{string.Join(Environment.NewLine, examples.Select(e => "  " + e))}}
        ==================================================
        """;
}
