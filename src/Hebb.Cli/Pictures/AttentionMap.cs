using Hebb.IO;
namespace Hebb.Cli.Pictures;

/// <summary>
/// Draws a transformer's attention weights as one RGB picture: a grid of heat maps, one row per layer and
/// one column per head, each map T x T with the query position down and the key position across (row i
/// is how position i spreads its attention over positions 0..i). Weights are probabilities, so every map
/// shares the fixed scale 0 (black) -> 1 (white) through red and yellow, and maps compare with each other.
/// Maps are separated by a 1-pixel gray border. Given the tokens and at least <see cref="MinLabelledScale"/>
/// pixels per weight, each row of maps gets the query tokens down its left side and each column of maps the
/// key tokens along its top, in <see cref="TinyFont"/>.
/// </summary>
public static class AttentionMap
{
    public const byte BorderValue = 96;
    /// <summary>Pixels per weight from which the axes carry the tokens: a glyph (5 high) plus a 1-pixel gap.</summary>
    public const int MinLabelledScale = TinyFont.Height + 1;

    /// <param name="layers">per layer, the weights of one sequence: heads x T x T values, row-major.</param>
    /// <param name="scale">each weight becomes a scale x scale block of pixels.</param>
    /// <param name="tokens">the text's tokens, one per position, for the axis labels (null = no labels).</param>
    public static PixelImage Render(IReadOnlyList<float[]> layers, int heads, int length, int scale, IReadOnlyList<string>? tokens = null)
    {
        if (layers.Count == 0) throw new ArgumentException("attention map: no layers");
        if (heads <= 0 || length <= 0 || scale <= 0)
            throw new ArgumentException($"attention map: heads ({heads}), length ({length}) and scale ({scale}) must be positive");
        for (int l = 0; l < layers.Count; l++)
            if (layers[l].Length != heads * length * length)
                throw new ArgumentException(
                    $"attention map: layer {l} has {layers[l].Length} weights, expected heads x T x T = {heads * length * length}");
        if (tokens is not null && tokens.Count != length)
            throw new ArgumentException($"attention map: {tokens.Count} tokens for {length} positions");
        bool labelled = tokens is not null && scale >= MinLabelledScale;
        int zoom = Math.Max(1, scale / MinLabelledScale);
        // Margins for the labels: left for the query tokens, top for the key tokens.
        int left = labelled ? TinyFont.Width * zoom + 2 : 0, top = labelled ? TinyFont.Height * zoom + 2 : 0;
        int cell = length * scale;
        int width = left + heads * (cell + 1) + 1, height = top + layers.Count * (cell + 1) + 1;
        var pixels = new byte[width * height * 3];
        pixels.AsSpan().Fill(BorderValue);
        if (labelled)
        {
            pixels.AsSpan(0, top * width * 3).Clear(); // black label strips, white glyphs
            for (int y = top; y < height; y++) pixels.AsSpan(y * width * 3, left * 3).Clear();
            for (int i = 0; i < length; i++)
            {
                for (int l = 0; l < layers.Count; l++)
                    TinyFont.Draw(pixels, width, 3, tokens![i],
                        1, top + 1 + l * (cell + 1) + i * scale + (scale - TinyFont.Height * zoom) / 2, zoom, 255);
                for (int h = 0; h < heads; h++)
                    TinyFont.Draw(pixels, width, 3, tokens![i],
                        left + 1 + h * (cell + 1) + i * scale + (scale - TinyFont.Width * zoom) / 2, 1, zoom, 255);
            }
        }
        for (int l = 0; l < layers.Count; l++)
            for (int h = 0; h < heads; h++)
            {
                int x0 = left + 1 + h * (cell + 1), y0 = top + 1 + l * (cell + 1);
                for (int q = 0; q < length; q++)
                    for (int k = 0; k < length; k++)
                    {
                        var (r, g, b) = Heat(layers[l][(h * length + q) * length + k]);
                        for (int dy = 0; dy < scale; dy++)
                        {
                            int row = (y0 + q * scale + dy) * width;
                            for (int dx = 0; dx < scale; dx++)
                            {
                                int p = (row + x0 + k * scale + dx) * 3;
                                pixels[p] = r;
                                pixels[p + 1] = g;
                                pixels[p + 2] = b;
                            }
                        }
                    }
            }
        return new PixelImage(width, height, 3, pixels);
    }

    /// <summary>A black-red-yellow-white ramp over [0, 1] (values outside are clamped): brightness grows
    /// with the weight, and the hue tells small weights from large ones.</summary>
    public static (byte R, byte G, byte B) Heat(float value)
    {
        double v = float.IsNaN(value) ? 0 : Math.Clamp(value, 0f, 1f);
        static byte C(double x) => (byte)Math.Round(255 * Math.Clamp(x, 0, 1));
        return (C(3 * v), C(3 * v - 1), C(3 * v - 2));
    }
}
