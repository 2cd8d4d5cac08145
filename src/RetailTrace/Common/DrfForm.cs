using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RetailTrace.Common;

/// <summary>
/// Field-by-field validation of a JSON object with DRF's serializer semantics and messages.
/// Errors accumulate in call order (= the serializer's field order); <see cref="Errors"/> is the
/// 400 result once any field failed.
/// </summary>
public sealed partial class DrfForm(JsonObject body)
{
    private readonly Dictionary<string, object> _errors = [];

    public const string BlankMessage = "This field may not be blank.";
    public const string NullMessage = "This field may not be null.";
    public const string InvalidStringMessage = "Not a valid string.";
    public const string InvalidShortUuidMessage = "Enter a valid ShortUUID.";
    public const string InvalidBooleanMessage = "Must be a valid boolean.";
    public const string InvalidDateTimeMessage = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";
    public const string InvalidDateMessage = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.";

    public JsonObject Body => body;

    public bool IsValid => _errors.Count == 0;

    public IResult? Errors => IsValid ? null : Drf.FieldErrors(_errors);

    public IReadOnlyDictionary<string, object> ErrorMap => _errors;

    /// <summary>True when the client sent the field at all (partial updates keep omitted fields).</summary>
    public bool Has(string field) => body.ContainsKey(field);

    public void AddError(string field, string message) => _errors.TryAdd(field, new[] { message });

    public void AddError(string field, object error) => _errors.TryAdd(field, error);

    /// <summary>DRF CharField: strings, and numbers coerced to their text; trimmed.</summary>
    public string? String(string field, bool required = true, bool allowBlank = false, bool allowNull = false, int maxLength = 255)
    {
        if (!Present(field, required, allowNull, out var node)) return null;
        string text;
        if (node!.GetValueKind() == JsonValueKind.String) text = node.GetValue<string>();
        else if (node.GetValueKind() == JsonValueKind.Number) text = node.ToJsonString();
        else { AddError(field, InvalidStringMessage); return null; }
        text = text.Trim();
        if (text.Length == 0 && !allowBlank) { AddError(field, BlankMessage); return null; }
        if (text.Length > maxLength) { AddError(field, $"Ensure this field has no more than {maxLength} characters."); return null; }
        return text;
    }

    public Guid? ShortUuid(string field, bool required = true, bool allowNull = false)
    {
        if (!Present(field, required, allowNull, out var node)) return null;
        if (node!.GetValueKind() == JsonValueKind.String && Common.ShortUuid.TryDecode(node.GetValue<string>(), out var id)) return id;
        AddError(field, InvalidShortUuidMessage);
        return null;
    }

    public List<Guid>? ShortUuidList(string field, bool required = false)
    {
        if (!Present(field, required, allowNull: false, out var node)) return null;
        if (node is not JsonArray array)
        {
            AddError(field, Drf.NotAListMessage(node));
            return null;
        }
        var ids = new List<Guid>(array.Count);
        var itemErrors = new Dictionary<string, object>();
        for (var i = 0; i < array.Count; i++)
        {
            var item = array[i];
            if (item?.GetValueKind() == JsonValueKind.String && Common.ShortUuid.TryDecode(item.GetValue<string>(), out var id)) ids.Add(id);
            else itemErrors[i.ToString(CultureInfo.InvariantCulture)] = new[] { item is null ? NullMessage : InvalidShortUuidMessage };
        }
        if (itemErrors.Count > 0) { AddError(field, itemErrors); return null; }
        return ids;
    }

    public bool? Boolean(string field, bool required = true)
    {
        if (!Present(field, required, allowNull: false, out var node)) return null;
        switch (node!.GetValueKind())
        {
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.String:
                var s = node.GetValue<string>();
                if (s is "true" or "True" or "TRUE" or "on" or "On" or "ON" or "1" or "yes" or "Yes" or "YES" or "y" or "Y") return true;
                if (s is "false" or "False" or "FALSE" or "off" or "Off" or "OFF" or "0" or "no" or "No" or "NO" or "n" or "N") return false;
                break;
            case JsonValueKind.Number:
                var n = node.ToJsonString();
                if (n is "1" or "1.0") return true;
                if (n is "0" or "0.0") return false;
                break;
        }
        AddError(field, InvalidBooleanMessage);
        return null;
    }

    /// <summary>DRF DateTimeField with ISO-8601 input (Django's parse_datetime); naive values are UTC.</summary>
    public DateTime? DateTime(string field, bool required = true, bool allowNull = false)
    {
        if (!Present(field, required, allowNull, out var node)) return null;
        if (node!.GetValueKind() == JsonValueKind.String && TryParseDateTime(node.GetValue<string>(), out var value)) return value;
        AddError(field, InvalidDateTimeMessage);
        return null;
    }

    public DateOnly? Date(string field, bool required = true, bool allowNull = false)
    {
        if (!Present(field, required, allowNull, out var node)) return null;
        if (node!.GetValueKind() == JsonValueKind.String && TryParseDate(node.GetValue<string>(), out var value)) return value;
        AddError(field, InvalidDateMessage);
        return null;
    }

    /// <summary>An arbitrary JSON value of the given kind (object/array), kept as JSON text.</summary>
    public string? Json(string field, JsonValueKind kind, bool required = false)
    {
        if (!Present(field, required, allowNull: false, out var node)) return null;
        if (node!.GetValueKind() == kind) return node.ToJsonString();
        AddError(field, kind == JsonValueKind.Array
            ? Drf.NotAListMessage(node)
            : $"Expected a dictionary of items but got type \"{Drf.PythonTypeName(node)}\".");
        return null;
    }

    /// <summary>Common presence rules: missing → required error (when required), null → null error (unless allowed).</summary>
    private bool Present(string field, bool required, bool allowNull, out JsonNode? node)
    {
        node = null;
        if (!body.TryGetPropertyValue(field, out node))
        {
            if (required) AddError(field, Drf.RequiredMessage);
            return false;
        }
        if (node is null)
        {
            if (!allowNull) AddError(field, NullMessage);
            return false;
        }
        return true;
    }

    public static bool TryParseDateTime(string text, out DateTime utc)
    {
        utc = default;
        var m = DateTimeRegex().Match(text);
        if (!m.Success) return false;
        try
        {
            int Part(string name) => int.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture);
            var fraction = m.Groups["f"].Success ? m.Groups["f"].Value.PadRight(6, '0') : "0";
            var local = new DateTime(Part("y"), Part("mo"), Part("d"), Part("h"), Part("mi"), m.Groups["s"].Success ? Part("s") : 0, DateTimeKind.Unspecified)
                .AddTicks(long.Parse(fraction, CultureInfo.InvariantCulture) * 10);
            var offset = TimeSpan.Zero;
            var tz = m.Groups["tz"].Value;
            if (tz.Length > 0 && tz != "Z")
            {
                var sign = tz[0] == '-' ? -1 : 1;
                var digits = tz[1..].Replace(":", "");
                var hours = int.Parse(digits[..2], CultureInfo.InvariantCulture);
                var minutes = digits.Length > 2 ? int.Parse(digits[2..], CultureInfo.InvariantCulture) : 0;
                if (hours > 23 || minutes > 59) return false;
                offset = sign * new TimeSpan(hours, minutes, 0);
            }
            utc = System.DateTime.SpecifyKind(local - offset, DateTimeKind.Utc);
            return true;
        }
        catch (ArgumentOutOfRangeException) { return false; }
    }

    public static bool TryParseDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    // Django's datetime_re: date, 'T' or space, hh:mm[:ss[.ffffff]], optional Z or ±HH[:MM].
    [GeneratedRegex(@"^(?<y>\d{4})-(?<mo>\d{1,2})-(?<d>\d{1,2})[T ](?<h>\d{1,2}):(?<mi>\d{1,2})(?::(?<s>\d{1,2})(?:[\.,](?<f>\d{1,6})\d{0,6})?)?\s*(?<tz>Z|[+-]\d{2}(?::?\d{2})?)?$")]
    private static partial Regex DateTimeRegex();
}
