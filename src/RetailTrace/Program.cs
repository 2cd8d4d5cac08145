using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using RetailTrace;
using RetailTrace.Admin;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.BrandApi;
using RetailTrace.Dispensaries;
using RetailTrace.Exports;
using RetailTrace.OperatorConsole;
using RetailTrace.Store;
using RetailTrace.Webhooks;

// The command line decides what runs: the server (no command), `demo`, or `schema-script` (see Cli).
return await Cli.RunAsync(args);

public partial class Program
{
    /// <summary>
    /// The server: services, middleware and endpoints, over a migrated database. <paramref name="settings"/> are
    /// configuration arguments (<c>--Key=Value</c>); <paramref name="configure"/> adjusts the builder first (the demo's defaults).
    /// </summary>
    public static async Task<WebApplication> BuildServerAsync(string[] settings, Action<WebApplicationBuilder>? configure = null)
    {
        // Configuration is read once, at start. Reloading it on change watches the content root with all its
        // subdirectories, where the SQLite database, its WAL and the local export store live by default, so every
        // write would become a file event for the server to read.
        var builder = WebApplication.CreateBuilder([.. settings, "--hostBuilder:reloadConfigOnChange=false"]);
        builder.AddRetailTraceLogging();
        configure?.Invoke(builder);
        builder.AddRetailTraceTelemetry();
        AdminAuthHandler.EnsureStrongToken(builder.Configuration);
        // Download links name the request's host when no PublicBaseUrl is set, so host filtering answers only the hosts
        // the operator allowed; without AllowedHosts, the loopback names and PublicBaseUrl's host.
        if (string.IsNullOrEmpty(builder.Configuration["AllowedHosts"]))
            builder.Configuration["AllowedHosts"] = "localhost;127.0.0.1;[::1]"
                + (Uri.TryCreate(builder.Configuration["PublicBaseUrl"], UriKind.Absolute, out var publicUrl) ? ";" + publicUrl.Host : "");

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DatabaseOutage>();
        builder.Services.AddRetailTraceDatabase(builder.Configuration);
        builder.Services.AddExports(builder.Configuration);
        builder.Services.AddMemoryCache(o => o.SizeLimit = 100_000);
        builder.Services.AddProblemDetails();
        builder.Services.AddFamilyStatusPages();
        builder.Services.AddClientRateLimits(builder.Configuration);
        builder.Services.AddStoreTransferWorker();
        builder.Services.AddHousekeeping();
        builder.Services.AddWebhooks(builder.Configuration);
        // The admin API's bodies and answers, and the options the OpenAPI documents describe every schema with. Numbers
        // are strict: a JSON number, never a numeric string (the web defaults read "52" as 52), so a typed body reads
        // what the documents say and the documents say what the server writes. The one family that takes numeric
        // strings, DRF, parses its bodies itself (see OpenApiWire.AcceptDrfNumericStrings).
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        // A typed body that fails to bind throws, so the family's error handler can name the field (ApiErrors.UnfitBody)
        // instead of the framework's bodiless 400.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddRetailTraceOpenApi();
        builder.Services.AddConsole(builder.Configuration);

        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, LucidAuthHandler>(LucidAuthHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, BlazeAuthHandler>(BlazeAuthHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, AdminAuthHandler>(AdminAuthHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(LucidAuthHandler.DispensaryPolicy, p => p.AddAuthenticationSchemes(LucidAuthHandler.SchemeName)
                .RequireClaim(LucidAuthHandler.KindClaim, nameof(ClientKind.Dispensary)))
            .AddPolicy(LucidAuthHandler.BrandPolicy, p => p.AddAuthenticationSchemes(LucidAuthHandler.SchemeName)
                .RequireClaim(LucidAuthHandler.KindClaim, nameof(ClientKind.Brand)))
            .AddPolicy(LucidAuthHandler.AnyClientPolicy, p => p.AddAuthenticationSchemes(LucidAuthHandler.SchemeName).RequireAuthenticatedUser())
            .AddPolicy(BlazeAuthHandler.Policy, p => p.AddAuthenticationSchemes(BlazeAuthHandler.SchemeName).RequireAuthenticatedUser())
            .AddPolicy(AdminAuthHandler.Policy, p => p.AddAuthenticationSchemes(AdminAuthHandler.SchemeName).RequireAuthenticatedUser());

        var app = builder.Build();

        await using (var scope = app.Services.CreateAsyncScope())
            await Migrator.MigrateAsync(scope.ServiceProvider.GetRequiredService<AppDb>());
        await WebhooksServices.EnsureKeyRingAsync(app.Services);
        var provider = Database.Provider(app.Configuration);
        app.Logger.LogInformation("Database: {Database}", Database.Describe(provider, Database.ConnectionString(app.Configuration)));
        if (app.Services.GetRequiredService<IObjectStore>() is LocalObjectStore exports)
            app.Logger.LogInformation(provider == DatabaseProvider.Postgres
                ? "Export files: {Directory} (server processes sharing this database must share this directory, or use S3)"
                : "Export files: {Directory}", exports.Root);

        app.UseRequestLogging();
        app.UseFamilyExceptionHandler();
        app.UseBodySizeLimit();
        app.UseFailedAuthenticationLimit();
        app.UseAuthentication();
        app.UseAuthorization();
        // After authorization, so the limiter partitions by the identity authentication validated.
        app.UseRateLimiter();
        app.UseRequestBodyGuard();
        app.UseIdempotencyKeys();

        app.MapRetailTraceDocs();
        app.MapRetailTraceMetrics();
        app.MapHealthProbes();

        app.MapTokenApi();
        app.MapAdminGroup()
            .MapLucidTenantsAdmin()
            .MapStoreTenantsAdmin();
        app.MapDispensaryApi();
        app.MapExports();
        app.MapBrandApi();
        app.MapStore();
        app.MapWebhooks();
        app.MapConsole();
        // No fallback route: unknown paths fall through to a bodiless 404 and a known path with a wrong method to
        // routing's 405 (with Allow); the family status pages give both the family's body. A catch-all route would
        // outrank routing's 405.
        return app;
    }
}
