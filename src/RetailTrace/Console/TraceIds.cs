using RetailTrace.Common;

namespace RetailTrace.OperatorConsole;

/// <summary>Reads the id out of what an operator types or scans into the trace box.</summary>
public static class TraceIds
{
    private static readonly char[] Separators = ['/', '?', '#', '=', '&', ' '];

    /// <summary>
    /// The id in <paramref name="text"/>: the text itself, or the last part of a URL (path segment or query value) that
    /// is a ShortUUID (as labels print them) or a UUID. Null when no part is one.
    /// </summary>
    public static Guid? Find(string text)
    {
        var parts = text.Trim().Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            var part = Uri.UnescapeDataString(parts[i]);
            if (ShortUuid.TryDecode(part, out var id) || Guid.TryParse(part, out id)) return id;
        }
        return null;
    }
}
