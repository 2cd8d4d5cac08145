using RetailTrace.Common;

namespace RetailTrace.Exports;

/// <summary>
/// Where export files live (configuration <c>ObjectStore:Provider</c>: <c>Local</c> or <c>S3</c>).
/// Writes are two-phase: nothing is visible under the key until <see cref="IObjectUpload.PublishAsync"/>
/// has completed, so a crash mid-write never leaves a partial file behind a URL.
/// </summary>
public interface IObjectStore
{
    /// <summary>Starts a new object; its content goes to a temporary place until published.</summary>
    Task<IObjectUpload> BeginUploadAsync(string key, CancellationToken ct);

    /// <summary>A URL anyone can GET the object with for <paramref name="lifetime"/>, measured by the clock of
    /// whoever enforces the expiry. <paramref name="requestBase"/> (scheme://host/pathbase of the current request)
    /// is used by stores that serve files themselves when no <c>PublicBaseUrl</c> is configured.</summary>
    Task<string> GetDownloadUrlAsync(string key, TimeSpan lifetime, string requestBase);
}

/// <summary>An object being written. Disposing it unpublished discards the content.</summary>
public interface IObjectUpload : IAsyncDisposable
{
    Stream Content { get; }

    /// <summary>Makes the finished content visible under the key, atomically.</summary>
    Task PublishAsync(CancellationToken ct);
}

/// <summary>Buffers an upload in a temporary local file; the store decides what publishing means.</summary>
internal sealed class TempFileUpload(string tempPath, Func<string, CancellationToken, Task> publish) : IObjectUpload
{
    private bool _published;

    public Stream Content { get; } = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);

    public async Task PublishAsync(CancellationToken ct)
    {
        await Content.FlushAsync(ct);
        ((FileStream)Content).Flush(flushToDisk: true);
        await Content.DisposeAsync();
        await publish(tempPath, ct);
        _published = true;
    }

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        if (!_published) File.Delete(tempPath);
    }
}

public static class ObjectStores
{
    public static IServiceCollection AddObjectStore(this IServiceCollection services, IConfiguration config)
    {
        var provider = config["ObjectStore:Provider"] ?? "Local";
        if (provider.Equals("S3", StringComparison.OrdinalIgnoreCase))
            services.AddSingleton<IObjectStore>(_ => new S3ObjectStore(S3ObjectStore.Settings.From(config)));
        else if (provider.Equals("Local", StringComparison.OrdinalIgnoreCase))
            services.AddSingleton<IObjectStore>(sp => new LocalObjectStore(
                config["ObjectStore:LocalPath"] ?? "./exports", config["ObjectStore:SigningKey"], config["PublicBaseUrl"], sp.GetRequiredService<TimeProvider>()));
        else throw new SettingsException($"ObjectStore:Provider must be Local or S3, not '{provider}'.");
        return services;
    }
}
