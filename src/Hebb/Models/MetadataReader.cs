using System.Globalization;

namespace Hebb.Models;

/// <summary>Reads a model config's fields from a file's metadata: each value must be present, parse,
/// and lie in its range, or the error names the file, the field and the value (a hostile header
/// must not build a giant or nonsensical network).</summary>
/// <param name="metadata">A model file's metadata.</param>
/// <param name="source">The file's name, for error messages.</param>
public readonly struct MetadataReader(IReadOnlyDictionary<string, string> metadata, string source)
{
    /// <summary>The value of <paramref name="key"/>, as written.</summary>
    /// <exception cref="InvalidDataException">The key is missing.</exception>
    public string String(string key) =>
        metadata.TryGetValue(key, out var v) ? v : throw Refuse($"{source}: model metadata lacks '{key}'");

    /// <summary>The value of <paramref name="key"/> as an integer in [<paramref name="min"/>, <paramref name="max"/>]
    /// (digits only: no sign, spaces or separators).</summary>
    /// <exception cref="InvalidDataException">The key is missing, or its value is not such an integer.</exception>
    public int Int(string key, int min, int max)
    {
        var text = String(key);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw Refuse($"{source}: metadata '{key}' must be an integer between {min} and {max}, got '{text}'");
        return value;
    }

    /// <summary>The value of <paramref name="key"/> as a number in [<paramref name="min"/>, <paramref name="max"/>],
    /// in invariant-culture notation.</summary>
    /// <exception cref="InvalidDataException">The key is missing, or its value is not such a number.</exception>
    public double Double(string key, double min, double max)
    {
        var text = String(key);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value >= min && value <= max))
            throw Refuse($"{source}: metadata '{key}' must be a number between {min} and {max}, got '{text}'");
        return value;
    }

    /// <summary>A rate such as dropout: a number in [0, 1).</summary>
    public double Fraction(string key)
    {
        var text = String(key);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value >= 0 && value < 1))
            throw Refuse($"{source}: metadata '{key}' must be a number in [0, 1), got '{text}'");
        return value;
    }

    /// <summary>A comma-separated list such as layer sizes: at least <paramref name="minCount"/> integers, each in [min, max].</summary>
    public int[] IntList(string key, int minCount, int min, int max)
    {
        var text = String(key);
        var parts = text.Split(',');
        var values = new int[parts.Length];
        bool ok = parts.Length >= minCount;
        for (int i = 0; ok && i < parts.Length; i++)
            ok = int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i])
                && values[i] >= min && values[i] <= max;
        if (!ok)
            throw Refuse($"{source}: metadata '{key}' must be a comma-separated list of at least {minCount} integers " +
                $"between {min} and {max}, got '{text}'");
        return values;
    }

    /// <summary>A member of <typeparamref name="TEnum"/> by name (any case). An optional field (one with a
    /// <paramref name="fallback"/>, for files written before it existed) may be missing.</summary>
    public TEnum Enum<TEnum>(string key, TEnum? fallback = null) where TEnum : struct, Enum
    {
        if (fallback is { } f && !metadata.ContainsKey(key)) return f;
        var text = String(key);
        if (!System.Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) || !System.Enum.IsDefined(value))
            throw Refuse($"{source}: metadata '{key}' must be one of " +
                $"{string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))}, got '{text}'");
        return value;
    }

    /// <summary>A field read by <paramref name="parse"/>, whose ArgumentException (an unknown name, say) becomes
    /// an error naming the file and the field.</summary>
    public T Parsed<T>(string key, Func<string, T> parse)
    {
        var text = String(key);
        try
        {
            return parse(text);
        }
        catch (ArgumentException e)
        {
            throw Refuse($"{source}: metadata '{key}': {e.Message}");
        }
    }

    /// <summary>The value of <paramref name="key"/>, which must be exactly "true" or "false".</summary>
    /// <exception cref="InvalidDataException">The key is missing, or its value is neither.</exception>
    public bool Bool(string key)
    {
        var text = String(key);
        return text switch
        {
            "true" => true,
            "false" => false,
            _ => throw Refuse($"{source}: metadata '{key}' must be true or false, got '{text}'"),
        };
    }

    /// <summary>The error for a bad field: one line, whatever the value holds.</summary>
    private static InvalidDataException Refuse(string message) => new(Hebb.IO.MessageText.OneLine(message));
}
