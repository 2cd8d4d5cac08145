using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Tests.Dispensary;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Webhooks;

namespace RetailTrace.Tests.Webhooks;

/// <summary>An endpoint as registered: its id and the secret its create answer showed.</summary>
public sealed record Registered(string Id, string Secret, JsonNode Body);

/// <summary>A brand that minted a case through the API and a dispensary that imported it under PKG-1.</summary>
public sealed record SoldWorld(BrandTenant Brand, DispensaryTenant Dispensary, MintedCase Case);

public static class WebhookKit
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static WebhookDispatcher Dispatcher(this AppFixture app) => app.Services.GetRequiredService<WebhookDispatcher>();

    public static Task<int> DeliverAsync(this AppFixture app) => app.Dispatcher().RunDueAsync(Ct);

    /// <summary>Registers an endpoint through a tenant's (or the admin) API; <paramref name="collection"/> is the family's endpoints URL.</summary>
    public static async Task<Registered> RegisterAsync(this HttpClient client, string collection, string url, string[] events, object? extra = null)
    {
        var body = new JsonObject { ["url"] = url, ["events"] = new JsonArray([.. events.Select(e => (JsonNode)e!)]) };
        if (extra is not null) foreach (var (k, v) in System.Text.Json.JsonSerializer.SerializeToNode(extra)!.AsObject()) body[k] = v?.DeepClone();
        var (status, json, raw) = await client.SendAsync(HttpMethod.Post, collection, rawBody: body.ToJsonString());
        Assert.True(status is 200 or 201, $"register → {status}: {raw}");
        return new Registered((string)json!["id"]!, (string)json["secret"]!, json);
    }

    /// <summary>Mints <paramref name="units"/> LucidIDs through the brand API and imports them under PKG-1.</summary>
    public static async Task<SoldWorld> ImportedCaseAsync(this AppFixture app, int units = 5)
    {
        var brand = await app.NewBrandAsync();
        var dispensary = await app.NewDispensaryAsync();
        var minted = await brand.MintAsync(units);
        await dispensary.Client.ImportAsync(minted, 0, "PKG-1");
        return new SoldWorld(brand, dispensary, minted);
    }

    public static async Task<MintedCase> MintAsync(this BrandTenant brand, int units)
    {
        var (batch, _, packaged) = await RetailTrace.Tests.BrandApi.BrandCatalog.NewPackagedAsync(brand);
        var (status, json, raw) = await brand.Client.PostJsonAsync("/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = packaged, quantity = units } } });
        Assert.True(status == 201, raw);
        var ids = json!["contents"]![0]!["lucid_ids"]!.AsArray().Select(n => (string)n!).ToList();
        return new MintedCase((string)json["case_uuid"]!, brand.BrandUuid, [new MintedPart(packaged, batch, ids)]);
    }

    public static async Task SellAsync(this DispensaryTenant dispensary, string orderId, params string[] items)
    {
        var (status, _, raw) = await dispensary.Client.PostJsonAsync("/api/v1.2/transactions/complete/", DispensaryKit.Sale(orderId, items));
        Assert.True(status == 200, raw);
    }

    /// <summary>Waits (polling, at most <paramref name="seconds"/>) until <paramref name="done"/> holds; for receivers of servers that deliver on their own.</summary>
    public static async Task EventuallyAsync(Func<bool> done, int seconds, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100, Ct);
        }
    }
}

/// <summary>
/// A second RetailTrace host over the fixture's database with a hand-moved clock and settings of its own:
/// a stand-in for another server process (the fixture's bearer tokens work here while the clock has not
/// passed their expiry).
/// </summary>
public sealed class WebhookHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    public WebhookHost(AppFixture app, ManualTime? time = null, params (string Key, string Value)[] settings)
    {
        Time = time ?? new ManualTime(DateTimeOffset.UtcNow);
        _factory = app.WithWebHostBuilder(b =>
        {
            foreach (var (key, value) in settings) b.UseSetting(key, value);
            b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Time));
        });
    }

    public ManualTime Time { get; }

    public WebhookDispatcher Dispatcher => _factory.Services.GetRequiredService<WebhookDispatcher>();

    public Task<int> DeliverAsync() => Dispatcher.RunDueAsync(TestContext.Current.CancellationToken);

    public IServiceProvider Services => _factory.Services;

    public HttpClient Client(HttpClient? authenticatedAs = null)
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("http://localhost") });
        if (authenticatedAs is not null)
            foreach (var header in authenticatedAs.DefaultRequestHeaders) client.DefaultRequestHeaders.TryAddWithoutValidation(header.Key, header.Value);
        return client;
    }

    public HttpClient Admin()
    {
        var client = Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AppFixture.AdminToken);
        return client;
    }

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();
}
