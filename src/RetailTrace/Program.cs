using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using RetailTrace;
using RetailTrace.Admin;
using RetailTrace.Auth;
using RetailTrace.BrandApi;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Dispensaries;
using RetailTrace.Exports;
using RetailTrace.Store;
using RetailTrace.Webhooks;

// CLI verbs: `demo` (serve with demo data), `schema-script <sqlite|postgres>` (print the EF model's DDL,
// the starting point of a hand-written migration). No verb: serve.
var verb = args is [var first, ..] && !first.StartsWith('-') && !first.Contains('=') ? first : null;
if (verb == "schema-script") return Cli.PrintSchemaScript(args);
if (verb is not (null or "demo")) return Cli.Usage(verb);

// Configuration is read once, at start. Reloading it on change watches the content root with all its
// subdirectories, where the SQLite database, its WAL and the local export store live by default: every
// write of a sale became a file event for this process to read (bench/RESULTS.md, finding 30).
var builder = WebApplication.CreateBuilder([.. verb is null ? args : args[1..], "--hostBuilder:reloadConfigOnChange=false"]);
if (verb == "demo") Demo.Configure(builder);

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddRetailTraceDatabase(builder.Configuration);
builder.Services.AddExports(builder.Configuration);
builder.Services.AddMemoryCache(o => o.SizeLimit = 100_000);
builder.Services.AddProblemDetails();
builder.Services.AddClientRateLimits(builder.Configuration);
builder.Services.AddStoreTransferWorker();
builder.Services.AddWebhooks(builder.Configuration);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
builder.Services.AddRetailTraceOpenApi();

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

app.UseFamilyExceptionHandler();
app.UseFamilyStatusPages();
app.UseBodySizeLimit();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.UseIdempotencyKeys();

app.MapRetailTraceDocs();
app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" }))
    .WithName("Liveness").WithTags("Health").WithSummary("The process is up").DisableRateLimiting();
app.MapGet("/readyz", async (AppDb db) => await db.Database.CanConnectAsync()
        ? Results.Ok(new { status = "ready" })
        : Results.Problem(statusCode: 503, title: "Database unreachable"))
    .WithName("Readiness").WithTags("Health").WithSummary("The database answers").ProducesProblem(503).DisableRateLimiting();

app.MapTokenApi();
app.MapAdminGroup()
    .MapLucidTenantsAdmin()
    .MapStoreTenantsAdmin();
app.MapDispensaryApi();
app.MapExports();
app.MapBrandApi();
app.MapStore();
app.MapWebhooks();

// Unknown paths under an API prefix answer in that family's 404 shape.
app.MapFallback("/api/{**rest}", (HttpContext context) => ApiErrors.For(context, 404)).ExcludeFromDescription();

if (verb == "demo") await Demo.RunAsync(app);
else await app.RunAsync();
return 0;

public partial class Program;
