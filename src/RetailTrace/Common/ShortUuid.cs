using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace RetailTrace.Common;

/// <summary>
/// Python <c>shortuuid</c> encoding of a UUID: its 128-bit value in base 57, most significant
/// digit first, left-padded with the alphabet's first character to 22 characters.
/// </summary>
public static class ShortUuid
{
    public const int Length = 22;
    private const string Alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static readonly sbyte[] Digits = BuildDigits();

    public static string Encode(Guid id)
    {
        var value = ToUInt128(id);
        Span<char> chars = stackalloc char[Length];
        for (var i = Length - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value % 57)];
            value /= 57;
        }
        return new string(chars);
    }

    public static bool TryDecode([NotNullWhen(true)] string? text, out Guid id)
    {
        id = Guid.Empty;
        if (text is null || text.Length != Length) return false;
        UInt128 value = 0;
        foreach (var c in text)
        {
            var digit = c < 128 ? Digits[c] : -1;
            if (digit < 0) return false;
            // Checked arithmetic: values of 2^128 and above (possible in 22 base-57 digits) are invalid.
            try { value = checked(value * 57 + (uint)digit); }
            catch (OverflowException) { return false; }
        }
        id = FromUInt128(value);
        return true;
    }

    public static Guid Decode(string text) =>
        TryDecode(text, out var id) ? id : throw new FormatException($"'{text}' is not a valid ShortUUID.");

    public static string NewId() => Encode(Guid.NewGuid());

    // The UUID's integer is its RFC 4122 byte order read big-endian.
    private static UInt128 ToUInt128(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static Guid FromUInt128(UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new Guid(bytes, bigEndian: true);
    }

    private static sbyte[] BuildDigits()
    {
        var digits = new sbyte[128];
        Array.Fill(digits, (sbyte)-1);
        for (var i = 0; i < Alphabet.Length; i++) digits[Alphabet[i]] = (sbyte)i;
        return digits;
    }
}
