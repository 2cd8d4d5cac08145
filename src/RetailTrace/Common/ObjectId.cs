using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RetailTrace.Common;

/// <summary>BLAZE ids: 24 lowercase hex chars, Mongo ObjectId style (4-byte epoch seconds + 8 random bytes).</summary>
public static class ObjectId
{
    public static string NewId(TimeProvider? time = null)
    {
        Span<byte> bytes = stackalloc byte[12];
        var seconds = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds();
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)seconds);
        RandomNumberGenerator.Fill(bytes[4..]);
        return Convert.ToHexStringLower(bytes);
    }

    public static bool IsValid(string? id) =>
        id is { Length: 24 } && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
