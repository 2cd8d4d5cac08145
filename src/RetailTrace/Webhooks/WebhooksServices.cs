using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using RetailTrace.Admin;
using RetailTrace.Data;

namespace RetailTrace.Webhooks;

public static class WebhooksServices
{
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

    /// <summary>The tenants' endpoint APIs (v1.2, v1.5, store) and the operator's.</summary>
    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapWebhookEndpoints();
        app.MapAdminGroup().MapWebhooksAdmin();
        return app;
    }
}
