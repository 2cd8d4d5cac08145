using System.Security.Cryptography;
using System.Text;

namespace RetailTrace.Common;

/// <summary>
/// Credentials are 256-bit CSPRNG strings, so a plain SHA-256 is a sufficient at-rest hash
/// (no brute-force margin to stretch); only the hash is stored.
/// </summary>
public static class Secrets
{
    public static string New(int bytes = 32) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool Matches(string secret, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(storedHash));
}
