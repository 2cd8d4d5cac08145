using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RetailTrace.Data;

namespace RetailTrace.Tests.Infrastructure;

/// <summary>
/// One RetailTrace app (in-memory TestServer) over its own fresh database. Test classes are
/// written once against this type and run on both providers through <see cref="SqliteApp"/> and
/// <see cref="PostgresApp"/>.
/// </summary>
public abstract class AppFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminToken = "test-admin-token-Qm7Vx2Lp9Rk4Wz8Nc3Jd";

    public abstract DatabaseProvider Provider { get; }
    public string ConnectionString { get; private set; } = "";
    private string? _unavailable;

    protected abstract Task<(string? ConnectionString, string? Unavailable)> PrepareDatabaseAsync();

    public async ValueTask InitializeAsync()
    {
        (var cs, _unavailable) = await PrepareDatabaseAsync();
        if (_unavailable is not null)
        {
            if (PostgresServer.Required) throw new InvalidOperationException(_unavailable);
            return;
        }
        ConnectionString = cs!;
        _ = Server; // start the app (and migrate) now, not inside the first test
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        UseTestSettings(builder, Provider, ConnectionString);
        foreach (var (key, value) in ExtraSettings()) builder.UseSetting(key, value);
    }

    /// <summary>The settings and logging every test host over a test database runs with: this fixture, and the other
    /// hosts tests start over its database (live Kestrel servers, second instances, upgraded databases).</summary>
    internal static void UseTestSettings(IWebHostBuilder builder, DatabaseProvider provider, string connectionString)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Database:Provider", provider.ToString());
        builder.UseSetting("ConnectionStrings:RetailTrace", connectionString);
        builder.UseSetting("Admin:Token", AdminToken);
        // Suites fire many requests per client; throttling has its own fixtures.
        builder.UseSetting("RateLimit:PermitsPerSecond", "1000000");
        builder.UseSetting("RateLimit:Burst", "1000000");
        builder.UseSetting("RateLimit:FailedAuthPerMinute", "1000000");
        // Background transfer processing is triggered explicitly by tests (TransferWorker.ProcessPendingAsync).
        builder.UseSetting("Store:TransferWorker:Enabled", "false");
        // Housekeeping too (Housekeeping.PurgeAsync): a host on a clock moved ahead would purge other tests' tokens.
        builder.UseSetting("Housekeeping:PollMinutes", "0");
        // Webhook delivery is triggered explicitly too (WebhookDispatcher.RunDueAsync), to receivers on 127.0.0.1.
        builder.UseSetting("Webhooks:PollSeconds", "0");
        builder.UseSetting("Webhooks:AllowPrivateTargets", "true");
        // Logs go to the run's scan only: written to the console, every request's line would cost the suite time.
        builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(RunLog.Provider));
    }

    /// <summary>Settings a derived fixture adds (e.g. object store location).</summary>
    protected virtual IEnumerable<(string Key, string Value)> ExtraSettings() => [];

    /// <summary>A second host over the same database with configuration of its own (settings, services, log
    /// capture); skips the calling test when this provider is unavailable.</summary>
    public WebApplicationFactory<Program> Derive(Action<IWebHostBuilder> configure)
    {
        if (_unavailable is not null) Assert.Skip(_unavailable);
        return WithWebHostBuilder(configure);
    }

    /// <summary>An HTTP client for the app; skips the calling test when this provider is unavailable. Every response
    /// it receives is checked against its family's OpenAPI document (<see cref="Contract.ContractCheck"/>).</summary>
    public HttpClient Client()
    {
        if (_unavailable is not null) Assert.Skip(_unavailable);
        return CreateDefaultClient(new Uri("http://localhost"), new CookieContainerHandler(), new Contract.ContractCheck(ContractAsync));
    }

    private static Task<Contract.ContractDocuments>? _contract;

    /// <summary>The family documents, read once for the run from the first app that asks (every app serves the same ones).</summary>
    public Task<Contract.ContractDocuments> ContractAsync() => _contract ??= Contract.ContractDocuments.LoadAsync(CreateDefaultClient(new Uri("http://localhost")));

    public HttpClient AdminClient()
    {
        var client = Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return client;
    }

    /// <summary>A scope with the app's DbContext, for arranging data the API cannot create and for asserting durable state.</summary>
    public async Task<T> WithDbAsync<T>(Func<AppDb, Task<T>> work)
    {
        if (_unavailable is not null) Assert.Skip(_unavailable);
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<AppDb>());
    }

    public Task WithDbAsync(Func<AppDb, Task> work) => WithDbAsync(async db => { await work(db); return true; });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

public class SqliteApp : AppFixture
{
    private string? _dir;
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override Task<(string?, string?)> PrepareDatabaseAsync()
    {
        _dir = Directory.CreateTempSubdirectory("rt-sqlite-").FullName;
        return Task.FromResult<(string?, string?)>(($"Data Source={Path.Combine(_dir, "rt.db")}", null));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { if (_dir is not null) Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

public class PostgresApp : AppFixture
{
    public override DatabaseProvider Provider => DatabaseProvider.Postgres;

    protected override async Task<(string?, string?)> PrepareDatabaseAsync()
    {
        var (server, reason) = await PostgresServer.GetAsync();
        if (server is null) return (null, reason);
        return (await PostgresServer.CreateDatabaseAsync(server), null);
    }
}

/// <summary>Small HTTP helpers the tests share.</summary>
public static class Http
{
    /// <summary>A client of <paramref name="factory"/> (e.g. a host with interceptors or settings of its own) that
    /// sends every default header of <paramref name="authenticatedAs"/>: a bearer token, or a store's partner_key and developer key.</summary>
    public static HttpClient ClientAs(this WebApplicationFactory<Program> factory, HttpClient authenticatedAs)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("http://localhost") });
        foreach (var header in authenticatedAs.DefaultRequestHeaders) client.DefaultRequestHeaders.TryAddWithoutValidation(header.Key, header.Value);
        return client;
    }

    /// <summary>A client of <paramref name="factory"/> (a derived host) with the admin token.</summary>
    public static HttpClient AdminClientOf(this WebApplicationFactory<Program> factory)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("http://localhost") });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AppFixture.AdminToken);
        return client;
    }

    public static async Task<(int Status, JsonNode? Body, string Raw)> SendAsync(this HttpClient client, HttpMethod method, string url, object? body = null, string? rawBody = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (rawBody is not null) request.Content = new StringContent(rawBody, System.Text.Encoding.UTF8, "application/json");
        else if (body is not null) request.Content = JsonContent.Create(body, body.GetType());
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var raw = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        JsonNode? node = null;
        if (raw.Length > 0) { try { node = JsonNode.Parse(raw); } catch (JsonException) { } }
        return ((int)response.StatusCode, node, raw);
    }

    public static Task<(int Status, JsonNode? Body, string Raw)> GetJsonAsync(this HttpClient client, string url) => client.SendAsync(HttpMethod.Get, url);

    public static Task<(int Status, JsonNode? Body, string Raw)> PostJsonAsync(this HttpClient client, string url, object? body = null) => client.SendAsync(HttpMethod.Post, url, body);

    public static Task<(int Status, JsonNode? Body, string Raw)> PostRawAsync(this HttpClient client, string url, string rawBody) => client.SendAsync(HttpMethod.Post, url, rawBody: rawBody);

    /// <summary>A LucidGreen-family 401: DRF detail body plus the Bearer challenge.</summary>
    public static async Task AssertDrfUnauthorizedAsync(HttpResponseMessage response, string detail)
    {
        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("Bearer realm=\"api\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal($$"""{"detail":"{{detail}}"}""", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>Compact JSON text of a node, for exact body assertions.</summary>
    public static string Json(this JsonNode? node) => node?.ToJsonString() ?? "null";
}
