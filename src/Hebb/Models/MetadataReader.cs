using System.Globalization;

namespace Hebb.Models;

/// <summary>Reads a model config's fields from a file's metadata: each value must be present, parse,
/// and lie in its range, or the error names the file, the field and the value (a hostile header
/// must not build a giant or nonsensical network).</summary>
public readonly struct MetadataReader(IReadOnlyDictionary<string, string> metadata, string source)
{
    public string String(string key) =>
        metadata.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"{source}: model metadata lacks '{key}'");

    public int Int(string key, int min, int max)
    {
        var text = String(key);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw new InvalidDataException($"{source}: metadata '{key}' must be an integer between {min} and {max}, got '{text}'");
        return value;
    }

    public double Double(string key, double min, double max)
    {
        var text = String(key);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value >= min && value <= max))
            throw new InvalidDataException($"{source}: metadata '{key}' must be a number between {min} and {max}, got '{text}'");
        return value;
    }

    /// <summary>A rate such as dropout: a number in [0, 1).</summary>
    public double Fraction(string key)
    {
        var text = String(key);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value >= 0 && value < 1))
            throw new InvalidDataException($"{source}: metadata '{key}' must be a number in [0, 1), got '{text}'");
        return value;
    }

    public bool Bool(string key)
    {
        var text = String(key);
        return text switch
        {
            "true" => true,
            "false" => false,
            _ => throw new InvalidDataException($"{source}: metadata '{key}' must be true or false, got '{text}'"),
        };
    }
}
