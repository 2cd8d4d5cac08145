using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using RetailTrace.Admin;
using RetailTrace.Data;

namespace RetailTrace.Webhooks;

public static class WebhooksServices
{
    private const long KeyRingLock = 0x5245_5441_4B45; // "RETAKE": creating the first Data Protection key
    /// <summary>
    /// Settings, secrets, the delivery client and the dispatcher (a hosted service, also injected into tests).
    /// Data Protection keeps its key ring in the database (<c>data_protection_keys</c>) under one application
    /// name, so every server process on the database can decrypt the secrets another encrypted. With
    /// <c>DataProtection:CertificatePath</c> (a PFX, <c>DataProtection:CertificatePassword</c>) the keys are
    /// themselves encrypted with that certificate; without it they are stored as plain XML beside the secrets
    /// they protect (Data Protection logs a warning at start), see docs/DECISIONS.md.
    /// </summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration config)
    {
        var protection = services.AddDataProtection().SetApplicationName("RetailTrace").PersistKeysToDbContext<AppDb>();
        if (config["DataProtection:CertificatePath"] is { Length: > 0 } path)
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, config["DataProtection:CertificatePassword"]);
            protection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }
        services.AddSingleton(WebhookSettings.From(config));
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        return services;
    }

    /// <summary>
    /// Creates the first Data Protection key at start, once for all server processes on the database. Later keys
    /// are created two days before they take effect, which every process's key ring (reloaded daily) sees in
    /// time; the first takes effect at once, so two processes starting together on an empty key table would
    /// each make their own and could not read each other's secrets until their next reload. PostgreSQL
    /// serializes the check and the creation with an advisory lock. (SQLite servers on one file starting at
    /// the very same moment are not covered; see docs/DECISIONS.md.)
    /// </summary>
    public static async Task EnsureKeyRingAsync(IServiceProvider services, CancellationToken ct = default)
    {
        var keys = services.GetRequiredService<Microsoft.AspNetCore.DataProtection.KeyManagement.IKeyManager>();
        var time = services.GetRequiredService<TimeProvider>();
        bool Usable() => keys.GetAllKeys().Any(k => !k.IsRevoked && k.ExpirationDate > time.GetUtcNow());
        if (Usable()) return;
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDb>();
        await db.ExclusivelyAsync(KeyRingLock, () =>
        {
            if (!Usable()) keys.CreateNewKey(time.GetUtcNow(), time.GetUtcNow().AddDays(90));
            return Task.CompletedTask;
        }, ct);
    }

    /// <summary>The tenants' endpoint APIs (v1.2, v1.5, store) and the operator's.</summary>
    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapWebhookEndpoints();
        app.MapAdminGroup().MapWebhooksAdmin();
        return app;
    }
}
