using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Exports;

/// <summary>The S3 object store against a real S3-compatible server (s3rver on loopback): pre-signed URLs, atomic publication, crash-retry.</summary>
public abstract class S3ExportTests(AppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset Noon = new(2025, 1, 15, 12, 0, 0, TimeSpan.Zero);

    private static async Task<(string Url, (string, string)[] Settings)> S3Async()
    {
        var url = await S3Server.UrlAsync();
        return (url, [
            ("ObjectStore:Provider", "S3"), ("ObjectStore:ServiceUrl", url), ("ObjectStore:Bucket", S3Server.Bucket),
            ("ObjectStore:AccessKey", S3Server.AccessKey), ("ObjectStore:SecretKey", S3Server.SecretKey),
            ("ObjectStore:Region", "us-east-1"), ("ObjectStore:ForcePathStyle", "true"),
        ]);
    }

    private static async Task<List<string>> KeysAsync(string serviceUrl, string prefix)
    {
        using var s3 = new AmazonS3Client(new BasicAWSCredentials(S3Server.AccessKey, S3Server.SecretKey),
            new AmazonS3Config { ServiceURL = serviceUrl, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = S3Server.Bucket, Prefix = prefix }, Ct);
        return (listed.S3Objects ?? []).Select(o => o.Key).ToList();
    }

    [Fact]
    public async Task Export_is_published_to_s3_and_served_through_a_presigned_url()
    {
        var (serviceUrl, settings) = await S3Async();
        await using var host = new ExportHost(app, new ManualTime(Noon), ExportArrange.NewExportDir(), settings: settings);
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        var c = await app.MintCaseAsync(5, 3);
        await app.ImportAsync(d.Uuid, "PKG-S3", c);
        await app.AddPackageUidAsync(d.Uuid, "PKG-EMPTY");

        Assert.Equal(202, (await host.Admin().PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports")).Status);
        await host.Scheduler.DrainAsync();
        Assert.Equal(ExportStatuses.Done, Assert.Single(await app.RunsAsync(d.Uuid)).Status);

        var (status, body, _) = await host.Client(d.Client).GetJsonAsync("/api/v1.2/package-uids-export/?export_date=2025-01-15");
        Assert.Equal(200, status);
        var url = (string)body!["export_url"]!;
        Assert.StartsWith($"{serviceUrl}/{S3Server.Bucket}/package-uid-exports/{d.Uuid}/package-uids-2025-01-15.1.json?", url);
        // Expiry and signature are enforced by the S3 service; the URL carries the configured lifetime.
        Assert.Contains("X-Amz-Expires=3600&", url);
        Assert.Contains("X-Amz-Signature=", url);

        using var http = new HttpClient();
        Assert.Equal(ExportArrange.ExpectedFile([("PKG-S3", [(c.CaseUuid, c.AllLucidIds)]), ("PKG-EMPTY", [])]), await http.GetStringAsync(url, Ct));
    }

    [Fact]
    public async Task Crash_mid_stream_leaves_no_object_in_the_bucket_and_the_retry_publishes_it()
    {
        var (serviceUrl, settings) = await S3Async();
        var time = new ManualTime(Noon);
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        await app.EnableOnlyAsync(d.Uuid);
        await app.ImportAsync(d.Uuid, "PKG-S3", await app.MintCaseAsync(30));
        var prefix = $"package-uid-exports/{d.Uuid}/";

        await using (var crashing = new ExportHost(app, time, ExportArrange.NewExportDir(), store => new FaultyStore(store, failAfterBytes: 50), settings))
        {
            Assert.Equal(1, await crashing.Scheduler.RunDueAsync(Ct));
            Assert.Equal(ExportStatuses.Failed, Assert.Single(await app.RunsAsync(d.Uuid)).Status);
            Assert.Empty(await KeysAsync(serviceUrl, prefix));
        }

        time.Advance(TimeSpan.FromMinutes(6));
        await using var healthy = new ExportHost(app, time, ExportArrange.NewExportDir(), settings: settings);
        Assert.Equal(1, await healthy.Scheduler.RunDueAsync(Ct));
        Assert.Equal((ExportStatuses.Done, 2), (await app.RunsAsync(d.Uuid)).Select(r => (r.Status, r.Attempt)).Single());
        Assert.Equal([prefix + "package-uids-2025-01-15.2.json"], await KeysAsync(serviceUrl, prefix));
    }
}

public sealed class S3ExportTestsOnSqlite(SqliteApp app) : S3ExportTests(app), IClassFixture<SqliteApp>;

public sealed class S3ExportTestsOnPostgres(PostgresApp app) : S3ExportTests(app), IClassFixture<PostgresApp>;
