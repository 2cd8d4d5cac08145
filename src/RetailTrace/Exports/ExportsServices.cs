namespace RetailTrace.Exports;

public static class ExportsServices
{
    /// <summary>The object store, export settings and the scheduler (a hosted service, also injected into the admin API).</summary>
    public static IServiceCollection AddExports(this IServiceCollection services, IConfiguration config)
    {
        services.AddObjectStore(config);
        services.AddSingleton(ExportSettings.From(config));
        services.AddSingleton<ExportScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<ExportScheduler>());
        return services;
    }
}
