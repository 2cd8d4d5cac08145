using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RetailTrace.Common;

namespace RetailTrace.Exports;

/// <summary>
/// Export files in a local directory, downloaded from this server at <c>/exports/&lt;key&gt;</c> with
/// <c>?expires=&lt;unix seconds&gt;&amp;signature=&lt;HMAC-SHA256 hex&gt;</c> over key and expiry.
/// Uploads are written under <c>.tmp/</c> in the same directory and renamed into place (atomic on one file system).
/// </summary>
public sealed class LocalObjectStore : IObjectStore
{
    public const string SigningKeyFile = ".signing-key";
    private const string TempFolder = ".tmp";
    private readonly string _root;
    private readonly byte[] _signingKey;
    private readonly string? _publicBaseUrl;
    private readonly TimeProvider _time;

    public LocalObjectStore(string root, string? signingKey, string? publicBaseUrl, TimeProvider time)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(_root, TempFolder));
        _signingKey = Encoding.UTF8.GetBytes(string.IsNullOrEmpty(signingKey) ? LoadOrCreateKey(_root) : signingKey);
        _publicBaseUrl = string.IsNullOrEmpty(publicBaseUrl) ? null : publicBaseUrl.TrimEnd('/');
        _time = time;
    }

    public string Root => _root;

    public Task<IObjectUpload> BeginUploadAsync(string key, CancellationToken ct)
    {
        var final = PathOf(key) ?? throw new ArgumentException($"Invalid object key '{key}'.", nameof(key));
        var temp = Path.Combine(_root, TempFolder, Guid.NewGuid().ToString("N") + ".part");
        return Task.FromResult<IObjectUpload>(new TempFileUpload(temp, (path, _) =>
        {
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Move(path, final, overwrite: true);
            return Task.CompletedTask;
        }));
    }

    public Task<string> GetDownloadUrlAsync(string key, TimeSpan lifetime, string requestBase)
    {
        var expires = (_time.GetUtcNow() + lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var path = string.Join('/', key.Split('/').Select(Uri.EscapeDataString));
        return Task.FromResult($"{_publicBaseUrl ?? requestBase.TrimEnd('/')}/exports/{path}?expires={expires}&signature={Sign(key, expires)}");
    }

    public enum Access { Granted, Expired, Invalid }

    /// <summary>Checks a download link. The signature is compared in constant time; expiry uses the injected clock.</summary>
    public Access Check(string key, string? expires, string? signature)
    {
        if (PathOf(key) is null || expires is null || signature is null
            || !long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var unix)) return Access.Invalid;
        var expected = Encoding.ASCII.GetBytes(Sign(key, expires));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature.ToLowerInvariant()))) return Access.Invalid;
        return _time.GetUtcNow().ToUnixTimeSeconds() > unix ? Access.Expired : Access.Granted;
    }

    /// <summary>The file behind a key, or null when the key could escape the root or name a temporary file.</summary>
    public string? PathOf(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 255 || key.StartsWith('.') || key.Contains('\\')
            || key.Split('/').Any(segment => segment is "" or "." or ".." || segment.StartsWith('.'))) return null;
        var full = Path.GetFullPath(Path.Combine(_root, key));
        return full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? full : null;
    }

    private string Sign(string key, string expires) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_signingKey, Encoding.UTF8.GetBytes(key + "\n" + expires)));

    // Several processes may start at once on one directory: the first to create the file wins, the rest read it.
    private static string LoadOrCreateKey(string root)
    {
        var path = Path.Combine(root, SigningKeyFile);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var file = new FileStream(path, options);
            var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            file.Write(Encoding.ASCII.GetBytes(key));
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            for (var i = 0; i < 50; i++)
            {
                var key = File.ReadAllText(path).Trim();
                if (key.Length == 64) return key;
                Thread.Sleep(20); // the creator is still writing it
            }
            throw new SettingsException($"{path} does not hold a signing key (64 hexadecimal characters): restore it, or delete it to make links signed before invalid.");
        }
    }
}
