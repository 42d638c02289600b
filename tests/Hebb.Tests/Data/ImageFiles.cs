using Hebb.Data;
using StbImageWriteSharp;

namespace Hebb.Tests.Data;

/// <summary>Writes real images out as a user would have them: class folders of PNG or JPEG files, or IDX files.</summary>
internal static class ImageFiles
{
    /// <summary>One image: its pixels (row-major, grayscale) and label.</summary>
    public readonly record struct Digit(int Index, byte[] Pixels, int Label);

    /// <summary>The first <paramref name="count"/> images of <paramref name="data"/> (optionally only labels below
    /// <paramref name="classes"/>), cropped to the central <paramref name="side"/> x <paramref name="side"/>.</summary>
    public static Digit[] Take(MnistDataset data, int count, int classes = 10, int side = 28)
    {
        int margin = (data.Rows - side) / 2;
        var result = new List<Digit>();
        for (int i = 0; i < data.Count && result.Count < count; i++)
        {
            if (data.Labels[i] >= classes) continue;
            var pixels = new byte[side * side];
            for (int y = 0; y < side; y++)
                data.Pixels.AsSpan(i * data.Rows * data.Cols + (y + margin) * data.Cols + margin, side).CopyTo(pixels.AsSpan(y * side));
            result.Add(new Digit(i, pixels, data.Labels[i]));
        }
        return [.. result];
    }

    /// <summary>Writes <c>root/split/&lt;label&gt;/&lt;index&gt;.png</c> (or .jpg at <paramref name="jpegQuality"/>).</summary>
    public static void WriteFolders(string root, string split, Digit[] digits, int side, int? jpegQuality = null)
    {
        var writer = new ImageWriter();
        foreach (var d in digits)
        {
            string dir = Path.Combine(root, split, d.Label.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, $"{d.Index:D5}" + (jpegQuality is null ? ".png" : ".jpg"));
            using var file = File.Create(path);
            if (jpegQuality is int q) writer.WriteJpg(d.Pixels, side, side, ColorComponents.Grey, file, q);
            else writer.WritePng(d.Pixels, side, side, ColorComponents.Grey, file);
        }
    }

    /// <summary>Writes IDX images and labels named <paramref name="prefix"/>-images-idx3-ubyte(.gz) and -labels-idx1-ubyte,
    /// in the order an image folder lists them (by class, then by index), so both layouts hold the same rows.</summary>
    public static void WriteIdx(string root, string prefix, Digit[] digits, int side, bool gzip = true)
    {
        var ordered = digits.OrderBy(d => d.Label).ThenBy(d => d.Index).ToArray();
        var pixels = ordered.SelectMany(d => d.Pixels).ToArray();
        var labels = ordered.Select(d => (byte)d.Label).ToArray();
        Directory.CreateDirectory(root);
        byte[] Pack(byte[] raw) => gzip ? TestData.Gzip(raw) : raw;
        string gz = gzip ? ".gz" : "";
        File.WriteAllBytes(Path.Combine(root, $"{prefix}-images-idx3-ubyte{gz}"),
            Pack(TestData.IdxBytes([ordered.Length, side, side], pixels)));
        File.WriteAllBytes(Path.Combine(root, $"{prefix}-labels-idx1-ubyte{gz}"), Pack(TestData.IdxBytes([ordered.Length], labels)));
    }

    /// <summary>A PNG of the given grayscale or RGB pixels (interleaved), as bytes.</summary>
    public static byte[] Png(byte[] pixels, int width, int height, int channels)
    {
        using var stream = new MemoryStream();
        new ImageWriter().WritePng(pixels, width, height, channels == 1 ? ColorComponents.Grey : ColorComponents.RedGreenBlue, stream);
        return stream.ToArray();
    }
}
