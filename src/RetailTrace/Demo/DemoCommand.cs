using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Exports;

namespace RetailTrace.Demo;

/// <summary>
/// <c>demo</c>: serves with a demo world and prints working credentials and curl examples. The world (tenants,
/// catalog, stock) is created once per database. Every start issues fresh credentials and revokes those of earlier
/// starts, and mints a fresh case for the examples, so each printed example answers 2xx on every start, on either
/// database, when run once in the order printed.
/// </summary>
public static class DemoCommand
{
    public static void Configure(WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["Admin:Token"]))
            builder.Configuration["Admin:Token"] = Secrets.New();
        if (string.IsNullOrEmpty(builder.Configuration[Telemetry.PrometheusSetting]))
            builder.Configuration[Telemetry.PrometheusSetting] = "true";
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls("http://127.0.0.1:5080");
    }

    public static async Task RunAsync(WebApplication app)
    {
        await app.StartAsync();
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var adminToken = app.Configuration["Admin:Token"]!;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDb>();
            var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();
            var world = await DemoWorld.SeedAsync(db, time);
            var credentials = await DemoWorld.IssueCredentialsAsync(db, world, time);
            var brand = await BrandDemo.StartAsync(db, time, world, baseUrl);
            var lines = new List<string>
            {
                $"DTOKEN=$(curl -s {baseUrl}/o/token/ -d grant_type=client_credentials -d client_id={credentials.DispensaryClientId} -d client_secret={credentials.DispensarySecret} | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')",
                $"BTOKEN=$(curl -s {baseUrl}/o/token/ -d grant_type=client_credentials -d client_id={credentials.BrandClientId} -d client_secret={credentials.BrandSecret} | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')",
                $"curl -s {baseUrl}/readyz",
                $"curl -s -X POST {baseUrl}/admin/v1/brands -H \"Authorization: Bearer {adminToken}\" -H 'Content-Type: application/json' -d '{{\"name\":\"Another Brand\"}}'",
            };
            lines.AddRange(brand.Examples);
            var sale = DispensaryDemo.Examples(world, brand.Case, baseUrl, time);
            lines.AddRange(sale.Examples);
            lines.AddRange(ExportsDemo.Examples(world, baseUrl, adminToken, sale.PackageUid));
            lines.AddRange(await StoreDemo.StartAsync(db, time, world, credentials, baseUrl));
            lines.Add($"curl -s {baseUrl}/metrics | grep -E '^(retailtrace_|http_server_request_duration_seconds_count)'");
            var exports = scope.ServiceProvider.GetRequiredService<IObjectStore>() is LocalObjectStore local ? local.Root : "the S3 bucket";
            var database = Database.Describe(Database.Provider(app.Configuration), Database.ConnectionString(app.Configuration));
            Console.WriteLine(Banner(baseUrl, adminToken, database, exports, world, credentials, lines));
        }
        await app.WaitForShutdownAsync();
    }

    private static string Banner(string baseUrl, string adminToken, string database, string exports, DemoWorld world, DemoWorld.Credentials c, List<string> lines) => $$"""

        ================ RetailTrace demo ================
        Server:        {{baseUrl}}   (API docs: {{baseUrl}}/docs, metrics: {{baseUrl}}/metrics)
        Database:      {{database}}
        Export files:  {{exports}}
        Admin token:   {{adminToken}}
        Console:       {{baseUrl}}/console/   (sign in with any name and the admin token)

        Credentials are new on every start; those printed by earlier starts are revoked (the admin token is
        new on every start unless Admin:Token is set).
        Dispensary "{{world.Dispensary.Name}}" ({{ShortUuid.Encode(world.Dispensary.Id)}}), OAuth client:
          client_id={{c.DispensaryClientId}}  client_secret={{c.DispensarySecret}}
        Brand "{{world.Brand.Name}}" ({{ShortUuid.Encode(world.Brand.Id)}}), OAuth client:
          client_id={{c.BrandClientId}}  client_secret={{c.BrandSecret}}
        Store "{{world.Shop.Name}}" (company {{world.Company.Id}}, shop {{world.Shop.Id}}; rooms: Front Room {{world.Front.Id}}, Vault {{world.Vault.Id}}; employee {{world.Employee.Id}}):
          partner_key={{c.PartnerKey}}
          developer key (Authorization)={{c.DeveloperKey}}

        Try it (paste the lines in order into a shell; each answers 2xx):
        {{string.Join(Environment.NewLine, lines.Select(l => "  " + l))}}
        ==================================================
        """;
}
