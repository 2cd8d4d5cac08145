using System.Globalization;

namespace RetailTrace.OperatorConsole;

/// <summary>
/// Times as the console shows them: stored times are UTC; a dispensary's events are shown in its IANA zone with the
/// zone and its offset at that instant, so the page reads as the dispensary's own clock and stays unambiguous.
/// </summary>
public static class ConsoleTime
{
    public static string Utc(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    public static string Utc(DateTimeOffset at) => Utc(at.UtcDateTime);

    public static string In(DateTime utc, string? timeZone)
    {
        if (timeZone is null or "UTC" || !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone)) return Utc(utc);
        var offset = zone.GetUtcOffset(utc);
        var local = utc + offset;
        var sign = offset < TimeSpan.Zero ? "−" : "+";
        return local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + $" {timeZone} (UTC{sign}{offset.Duration():hh\\:mm})";
    }

    /// <summary>An epoch-milliseconds store time (BLAZE family), in UTC.</summary>
    public static string FromEpochMs(long? ms) => ms is { } v ? Utc(DateTimeOffset.FromUnixTimeMilliseconds(v)) : "—";

    /// <summary>Machine-readable UTC for the <c>datetime</c> attribute of a <c>time</c> element.</summary>
    public static string Iso(DateTime utc) => utc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
