using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Exports;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Exports;

/// <summary>
/// A second RetailTrace host over the fixture's database with a hand-moved clock and its own export
/// directory: a stand-in for one server process. Tokens issued by the fixture work here too (same
/// database); test clocks stay in the past so they are not expired.
/// </summary>
public sealed class ExportHost : IAsyncDisposable
{
    public const string SigningKey = "test-signing-key";
    private readonly WebApplicationFactory<Program> _factory;

    public ExportHost(AppFixture app, ManualTime time, string exportDir, Func<IObjectStore, IObjectStore>? wrapStore = null,
        IEnumerable<(string Key, string Value)>? settings = null)
    {
        Time = time;
        ExportDir = exportDir;
        _factory = app.WithWebHostBuilder(b =>
        {
            b.UseSetting("ObjectStore:LocalPath", exportDir);
            b.UseSetting("ObjectStore:SigningKey", SigningKey);
            foreach (var (key, value) in settings ?? []) b.UseSetting(key, value);
            b.ConfigureTestServices(s =>
            {
                s.AddSingleton<TimeProvider>(time);
                if (wrapStore is null) return;
                var original = s.Last(d => d.ServiceType == typeof(IObjectStore)).ImplementationFactory!;
                s.AddSingleton(sp => wrapStore((IObjectStore)original(sp)));
            });
        });
    }

    public ManualTime Time { get; }
    public string ExportDir { get; }
    public ExportScheduler Scheduler => _factory.Services.GetRequiredService<ExportScheduler>();

    public HttpClient Client(HttpClient? authenticatedAs = null)
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("http://localhost") });
        client.DefaultRequestHeaders.Authorization = authenticatedAs?.DefaultRequestHeaders.Authorization;
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

/// <summary>Wraps a store to break or hold uploads: a crash mid-stream, or a generation the test releases.</summary>
public sealed class FaultyStore(IObjectStore inner, long failAfterBytes = -1, Task? publishGate = null) : IObjectStore
{
    public async Task<IObjectUpload> BeginUploadAsync(string key, CancellationToken ct) =>
        new Upload(await inner.BeginUploadAsync(key, ct), failAfterBytes, publishGate);

    public Task<string> GetDownloadUrlAsync(string key, TimeSpan lifetime, string requestBase) => inner.GetDownloadUrlAsync(key, lifetime, requestBase);

    private sealed class Upload(IObjectUpload inner, long failAfterBytes, Task? gate) : IObjectUpload
    {
        public Stream Content { get; } = failAfterBytes < 0 ? inner.Content : new FailingStream(inner.Content, failAfterBytes);

        public async Task PublishAsync(CancellationToken ct)
        {
            if (gate is not null) await gate.WaitAsync(ct);
            await inner.PublishAsync(ct);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class FailingStream(Stream inner, long limit) : Stream
    {
        private long _written;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken ct) => inner.FlushAsync(ct);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var room = (int)Math.Max(0, Math.Min(buffer.Length, limit - _written));
            inner.Write(buffer[..room]);
            _written += room;
            if (room < buffer.Length) throw new IOException("Simulated crash: disk went away mid-export.");
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }
    }
}

public static class ExportArrange
{
    // The background scheduler loop stays off in tests (scheduling is driven through RunDueAsync), and no
    // host writes export files into the working directory.
#pragma warning disable CA2255 // the test assembly configures the app hosts it starts before any fixture exists
    [ModuleInitializer]
    internal static void ConfigureAppHosts()
    {
        Environment.SetEnvironmentVariable("Exports__PollSeconds", "0");
        Environment.SetEnvironmentVariable("ObjectStore__LocalPath", TempDirs.New("exports-"));
    }
#pragma warning restore CA2255

    public static string NewExportDir() => TempDirs.New("export-");

    /// <summary>Imports case parts (by index; all when none given) under a POS Package UID, as caseids/import would record them.</summary>
    public static Task ImportAsync(this AppFixture app, string dispensaryUuid, string packageUid, MintedCase @case, params int[] parts) =>
        app.WithDbAsync(async db =>
        {
            var dispensaryId = ShortUuid.Decode(dispensaryUuid);
            var now = DateTime.UtcNow;
            var pos = db.PosPackageUids.SingleOrDefault(p => p.DispensaryId == dispensaryId && p.PackageUid == packageUid);
            if (pos is null)
            {
                pos = new PosPackageUid { Id = Guid.NewGuid(), DispensaryId = dispensaryId, PackageUid = packageUid, PosInventoryId = "INV-" + packageUid, CreatedAt = now, UpdatedAt = now };
                db.Add(pos);
            }
            foreach (var index in parts.Length == 0 ? Enumerable.Range(0, @case.Parts.Count) : parts)
            {
                var pp = ShortUuid.Decode(@case.Parts[index].PackagedProductUuid);
                var catalog = new CatalogProduct { Id = Guid.NewGuid(), DispensaryId = dispensaryId, PosProductId = "POS-" + Guid.NewGuid().ToString("N")[..8], PackagedProductId = pp, UpdatedAt = now };
                db.AddRange(catalog, new InventoryPackage
                {
                    Id = Guid.NewGuid(), DispensaryId = dispensaryId, PosPackageUidId = pos.Id, CaseId = ShortUuid.Decode(@case.CaseUuid),
                    PackagedProductId = pp, CatalogProductId = catalog.Id, ImportedAt = now,
                });
            }
            await db.SaveChangesAsync();
        });

    /// <summary>A package UID with nothing imported yet.</summary>
    public static Task AddPackageUidAsync(this AppFixture app, string dispensaryUuid, string packageUid) =>
        app.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            db.Add(new PosPackageUid { Id = Guid.NewGuid(), DispensaryId = ShortUuid.Decode(dispensaryUuid), PackageUid = packageUid, PosInventoryId = "INV-" + packageUid, CreatedAt = now, UpdatedAt = now });
            await db.SaveChangesAsync();
        });

    /// <summary>Scheduler tests count generations: only the dispensary under test may be enabled.</summary>
    public static Task EnableOnlyAsync(this AppFixture app, string dispensaryUuid) =>
        app.WithDbAsync(async db =>
        {
            var id = ShortUuid.Decode(dispensaryUuid);
            await db.Dispensaries.Where(d => d.Id != id).ExecuteUpdateAsync(s => s.SetProperty(d => d.PackageUidExportEnabled, false));
        });

    public static Task<List<ExportRun>> RunsAsync(this AppFixture app, string dispensaryUuid) =>
        app.WithDbAsync(db =>
        {
            var id = ShortUuid.Decode(dispensaryUuid);
            return db.ExportRuns.AsNoTracking().Where(r => r.DispensaryId == id).OrderBy(r => r.ExportDate).ToListAsync();
        });

    public static Task AddRunAsync(this AppFixture app, string dispensaryUuid, DateOnly date, string status, DateTime heartbeatAt, string? objectKey = null) =>
        app.WithDbAsync(async db =>
        {
            var run = ExportRun.Claim(ShortUuid.Decode(dispensaryUuid), date, heartbeatAt);
            run.Status = status;
            run.ObjectKey = objectKey;
            if (status != ExportStatuses.InProgress) run.FinishedAt = heartbeatAt;
            db.Add(run);
            await db.SaveChangesAsync();
        });

    /// <summary>The file the seed describes, built independently of the server: keys and ids sorted ordinally.</summary>
    public static string ExpectedFile(IEnumerable<(string PackageUid, IEnumerable<(string Case, IEnumerable<string> Ids)> Cases)> packages)
    {
        var root = new System.Text.Json.Nodes.JsonObject();
        foreach (var (uid, cases) in packages.OrderBy(p => p.PackageUid, StringComparer.Ordinal))
        {
            var byCase = new System.Text.Json.Nodes.JsonObject();
            foreach (var group in cases.GroupBy(c => c.Case).OrderBy(g => g.Key, StringComparer.Ordinal))
                byCase[group.Key] = new System.Text.Json.Nodes.JsonArray(group.SelectMany(g => g.Ids).Order(StringComparer.Ordinal).Select(i => (System.Text.Json.Nodes.JsonNode)i!).ToArray());
            root[uid] = byCase;
        }
        return root.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}
