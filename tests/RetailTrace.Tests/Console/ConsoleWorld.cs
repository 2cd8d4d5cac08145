using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Exports;
using RetailTrace.Tests.Dispensary;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Store;
using RetailTrace.Tests.Webhooks;

namespace RetailTrace.Tests.OperatorConsole;

/// <summary>
/// One of everything a console page shows, made through the APIs: a dispensary in Los Angeles that imported a minted
/// case, sold one unit (reported to a webhook endpoint that refuses the connection) and exported; a store with stock and a pending transfer. <see cref="Url"/> fills each console
/// route with its ids, and fails for a route it does not know, so a new page cannot escape the generated tests.
/// </summary>
public sealed record ConsoleWorld(
    DispensaryTenant Dispensary, MintedCase Case, string SoldLucidId, StoreTenant Store, string TransferId, string ExportRunId,
    string WebhookEndpointId, string WebhookMessageId)
{
    public const string Zone = "America/Los_Angeles";
    public const string OrderId = "ORDER-7";
    public const string PackageUid = "PKG-LA-1";

    public static async Task<ConsoleWorld> CreateAsync(AppFixture app)
    {
        var dispensary = await app.NewDispensaryAsync(exportEnabled: true, timeZone: Zone);
        var minted = await app.MintCaseAsync(3);
        await dispensary.Client.ImportAsync(minted, 0, PackageUid);
        var sold = minted.Parts[0].LucidIds[0];
        var endpoint = await dispensary.Client.RegisterAsync("/api/v1.2/webhook-endpoints/", "http://127.0.0.1:9/hook", ["lucidid.sold"]);
        var (status, raw) = await dispensary.Client.PostAsync("/api/v1.2/transactions/complete/", DispensaryKit.Sale(OrderId, sold));
        Assert.True(status == 200, raw);
        var store = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(store, 10);
        var (created, transfer, body) = await store.Client.PostJsonAsync("/api/v1/partner/store/batches/transferInventory", new
        {
            fromInventoryId = store.FrontRoomId, toInventoryId = store.VaultId, currentEmployeeId = store.EmployeeId,
            transferLogs = new[] { new { productId = product, fromBatchId = batch, transferAmount = 2.5m } },
        });
        Assert.True(created == 200, body);
        var scheduler = app.Services.GetRequiredService<ExportScheduler>();
        var (run, _) = await scheduler.StartNowAsync(ShortUuid.Decode(dispensary.Uuid), Zone, TestContext.Current.CancellationToken);
        await scheduler.DrainAsync();
        await app.DeliverAsync();
        var message = await app.WithDbAsync(db => db.Set<WebhookMessage>().Where(m => m.EndpointId == endpoint.Id).Select(m => m.MessageId)
            .SingleAsync(TestContext.Current.CancellationToken));
        return new ConsoleWorld(dispensary, minted, sold, store, (string)transfer!["id"]!, ShortUuid.Encode(run.Id), endpoint.Id, message);
    }

    /// <summary>The console's routes, from the route table (pages and endpoints), as their patterns.</summary>
    public static IReadOnlyList<string> Routes(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => "/" + e.RoutePattern.RawText!.Trim('/'))
            .Where(p => p == "/console" || p.StartsWith("/console/", StringComparison.Ordinal))
            .Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>The route with this world's ids (or <paramref name="value"/> for every parameter, when given).</summary>
    public string Url(string pattern, string? value = null) => pattern switch
    {
        "/console/brands/{Uuid}" => $"/console/brands/{value ?? Case.BrandUuid}",
        "/console/dispensaries/{Uuid}" => $"/console/dispensaries/{value ?? Dispensary.Uuid}",
        "/console/companies/{Id}" => $"/console/companies/{value ?? Store.CompanyId}",
        "/console/shops/{Id}" => $"/console/shops/{value ?? Store.ShopId}",
        "/console/inventories/{Id}" => $"/console/inventories/{value ?? Store.FrontRoomId}",
        "/console/transfers/{Id}" => $"/console/transfers/{value ?? TransferId}",
        "/console/lucidids/{LucidId}" => $"/console/lucidids/{value ?? SoldLucidId}",
        "/console/cases/{CaseUuid}" => $"/console/cases/{value ?? Case.CaseUuid}",
        "/console/exports/{runId}/download" => $"/console/exports/{value ?? ExportRunId}/download",
        "/console/webhooks/{Id}" => $"/console/webhooks/{value ?? WebhookEndpointId}",
        "/console/webhooks/{EndpointId}/messages/{MessageId}" => $"/console/webhooks/{value ?? WebhookEndpointId}/messages/{value ?? WebhookMessageId}",
        "/console/assets/{name}" => $"/console/assets/{value ?? "console.css"}",
        _ when !pattern.Contains('{') => pattern == "/console" ? "/console/" : pattern,
        _ => throw new InvalidOperationException($"ConsoleWorld.Url does not know the console route {pattern}: add it."),
    };

    /// <summary>Pages that show data (not the sign-in page, assets or the download redirect).</summary>
    public static bool IsPage(string pattern) =>
        pattern is not ("/console/sign-in" or "/console/assets/{name}" or "/console/exports/{runId}/download");
}
