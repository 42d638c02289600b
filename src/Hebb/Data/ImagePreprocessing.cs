using System.Globalization;
using System.Text.Json;

namespace Hebb.Data;

/// <summary>
/// How images were turned into a model's input: read as <see cref="Channels"/> channels (1: grayscale, 3: RGB,
/// alpha dropped), resized to <see cref="Height"/> x <see cref="Width"/> (area averaging to shrink, bilinear to
/// grow, untouched when the size already fits), laid out channel-first, each value pixel / 255. Saved in a model
/// file's metadata (<see cref="ToMetadata"/>) with the class names, so a program that only has the model file can
/// prepare a new image the same way (<see cref="LoadImage"/>) and name the predicted class.
/// </summary>
/// <param name="Channels">1 or 3.</param>
/// <param name="Height">Rows of the model's input images.</param>
/// <param name="Width">Columns of the model's input images.</param>
/// <param name="ClassNames">The classes' names in output order.</param>
public sealed record ImagePreprocessing(int Channels, int Height, int Width, IReadOnlyList<string> ClassNames)
{
    /// <summary>The metadata keys: image_channels, image_height, image_width and class_names (a JSON array).</summary>
    public const string ChannelsKey = "image_channels", HeightKey = "image_height", WidthKey = "image_width", ClassNamesKey = "class_names";

    /// <summary>The preprocessing as string pairs for a model file's header.</summary>
    public Dictionary<string, string> ToMetadata() => new()
    {
        [ChannelsKey] = Channels.ToString(CultureInfo.InvariantCulture),
        [HeightKey] = Height.ToString(CultureInfo.InvariantCulture),
        [WidthKey] = Width.ToString(CultureInfo.InvariantCulture),
        [ClassNamesKey] = JsonSerializer.Serialize(ClassNames),
    };

    /// <summary>Reads back what <see cref="ToMetadata"/> wrote; null when the metadata has none of it (a model
    /// saved before Hebb recorded it, or not trained on images).</summary>
    /// <param name="metadata">A model file's metadata.</param>
    /// <param name="source">The file's name, for error messages.</param>
    /// <exception cref="InvalidDataException">Some fields are there but one is missing or malformed.</exception>
    public static ImagePreprocessing? FromMetadata(IReadOnlyDictionary<string, string> metadata, string source)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        string[] keys = [ChannelsKey, HeightKey, WidthKey, ClassNamesKey];
        if (!keys.Any(metadata.ContainsKey)) return null;
        int channels = Int(ChannelsKey, 1, 3);
        if (channels == 2) throw new InvalidDataException($"{source}: metadata '{ChannelsKey}' must be 1 or 3, got '2'");
        int height = Int(HeightKey, 1, 1 << 16), width = Int(WidthKey, 1, 1 << 16);
        string text = Value(ClassNamesKey);
        string[]? names;
        try
        {
            names = JsonSerializer.Deserialize<string[]>(text);
        }
        catch (JsonException)
        {
            names = null;
        }
        if (names is null || names.Length == 0 || names.Any(n => n is null))
            throw new InvalidDataException($"{source}: metadata '{ClassNamesKey}' must be a JSON array of class names, got '{text}'");
        return new ImagePreprocessing(channels, height, width, names);

        string Value(string key) =>
            metadata.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"{source}: model metadata lacks '{key}'");

        int Int(string key, int min, int max)
        {
            string value = Value(key);
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
                throw new InvalidDataException($"{source}: metadata '{key}' must be an integer between {min} and {max}, got '{value}'");
            return n;
        }
    }

    /// <summary>Reads the image file at <paramref name="path"/> (PNG, JPEG or BMP) and prepares it as the model's
    /// input: <c>Channels * Height * Width</c> values in [0, 1], channel-first.</summary>
    /// <exception cref="InvalidDataException">The file is not an image Hebb can decode.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public float[] LoadImage(string path) => ImageFolder.LoadImage(path, Channels, Height, Width);
}
