using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using RetailTrace.Common;

namespace RetailTrace.Exports;

/// <summary>
/// Export files in an S3-compatible bucket, downloaded through pre-signed GET URLs. An upload is
/// buffered in a local temporary file and sent as one PUT of the finished file, so the object
/// appears complete or not at all.
/// </summary>
public sealed class S3ObjectStore(S3ObjectStore.Settings settings) : IObjectStore, IDisposable
{
    public sealed record Settings(string? ServiceUrl, string Bucket, string? AccessKey, string? SecretKey, string Region, bool ForcePathStyle)
    {
        public static Settings From(IConfiguration config) => new(
            config["ObjectStore:ServiceUrl"],
            config["ObjectStore:Bucket"] is { Length: > 0 } bucket ? bucket : throw new SettingsException("ObjectStore:Bucket is required for the S3 object store."),
            config["ObjectStore:AccessKey"],
            config["ObjectStore:SecretKey"],
            config["ObjectStore:Region"] is { Length: > 0 } region ? region : "us-east-1",
            bool.TryParse(config["ObjectStore:ForcePathStyle"], out var pathStyle) && pathStyle);
    }

    private readonly AmazonS3Client _client = CreateClient(settings);

    private static AmazonS3Client CreateClient(Settings s)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = s.ForcePathStyle,
            // Checksums only where S3 requires them: S3-compatible services often lack the newer trailing-checksum uploads.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (string.IsNullOrEmpty(s.ServiceUrl)) config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(s.Region);
        else
        {
            config.ServiceURL = s.ServiceUrl;
            config.AuthenticationRegion = s.Region;
        }
        // Without keys the SDK's default chain applies (environment, profile, instance role).
        return string.IsNullOrEmpty(s.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(s.AccessKey, s.SecretKey), config);
    }

    public Task<IObjectUpload> BeginUploadAsync(string key, CancellationToken ct)
    {
        var temp = Path.Combine(Path.GetTempPath(), "retailtrace-upload-" + Guid.NewGuid().ToString("N") + ".part");
        return Task.FromResult<IObjectUpload>(new TempFileUpload(temp, async (path, token) =>
        {
            await _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = settings.Bucket, Key = key, FilePath = path, ContentType = "application/json", UseChunkEncoding = false,
            }, token);
            File.Delete(path);
        }));
    }

    // The signer stamps the URL with the SDK's (skew-corrected) clock, and S3 checks the expiry against that stamp.
    public Task<string> GetDownloadUrlAsync(string key, TimeSpan lifetime, string requestBase) =>
        _client.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = settings.Bucket,
            Key = key,
            Verb = HttpVerb.GET,
            Expires = Amazon.Util.AWSSDKUtils.CorrectedUtcNow + lifetime,
            Protocol = settings.ServiceUrl?.StartsWith("http://", StringComparison.OrdinalIgnoreCase) == true ? Protocol.HTTP : Protocol.HTTPS,
        });

    public void Dispose() => _client.Dispose();
}
