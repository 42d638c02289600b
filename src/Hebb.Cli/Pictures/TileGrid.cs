using Hebb.IO;
namespace Hebb.Cli.Pictures;

/// <summary>
/// Lays out many small float matrices (weight tiles) as one grayscale picture: each tile normalised on
/// its own from its minimum (black) to its maximum (white), optionally enlarged by pixel repetition,
/// the tiles in rows with a 1-pixel white border around and between them.
/// </summary>
public static class TileGrid
{
    public const byte BorderValue = 255;

    /// <param name="values">count tiles of tileHeight x tileWidth, one after another, each row-major.</param>
    /// <param name="columns">tiles per row; 0 picks ceil(sqrt(count)) for a square-ish grid.</param>
    /// <param name="scale">each value becomes a scale x scale block of pixels.</param>
    public static PixelImage Render(
        ReadOnlySpan<float> values, int count, int tileHeight, int tileWidth, int columns = 0, int scale = 1, int border = 1)
    {
        if (count <= 0 || tileHeight <= 0 || tileWidth <= 0)
            throw new ArgumentException(
                $"TileGrid: need at least one tile of positive size, got {count} tiles of {tileHeight}x{tileWidth}");
        if ((long)count * tileHeight * tileWidth != values.Length)
            throw new ArgumentException($"TileGrid: {count} tiles of {tileHeight}x{tileWidth} " +
                $"need {(long)count * tileHeight * tileWidth} values, got {values.Length}");
        if (columns < 0 || scale <= 0 || border < 0)
            throw new ArgumentException($"TileGrid: columns must be >= 0, scale > 0 and border >= 0, got {columns}, {scale}, {border}");
        if (columns == 0) columns = (int)Math.Ceiling(Math.Sqrt(count));
        columns = Math.Min(columns, count);
        int rows = (count + columns - 1) / columns;
        int cellW = tileWidth * scale, cellH = tileHeight * scale;
        long width = (long)columns * (cellW + border) + border, height = (long)rows * (cellH + border) + border;
        if (width * height > 1L << 28) throw new ArgumentException($"TileGrid: a {width}x{height} picture is too large; lower the scale");

        var pixels = new byte[width * height];
        Array.Fill(pixels, BorderValue);
        int tileSize = tileHeight * tileWidth;
        var gray = new byte[tileSize];
        for (int t = 0; t < count; t++)
        {
            Normalise(values.Slice(t * tileSize, tileSize), gray, t);
            int x0 = border + t % columns * (cellW + border), y0 = border + t / columns * (cellH + border);
            for (int r = 0; r < cellH; r++)
            {
                int row = (int)((y0 + r) * width + x0);
                for (int c = 0; c < cellW; c++) pixels[row + c] = gray[r / scale * tileWidth + c / scale];
            }
        }
        return new PixelImage((int)width, (int)height, 1, pixels);
    }

    /// <summary>min -> 0, max -> 255, linear between; a constant tile (e.g. zero-initialised weights) is mid-gray.</summary>
    private static void Normalise(ReadOnlySpan<float> tile, Span<byte> gray, int index)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in tile)
        {
            if (!float.IsFinite(v)) throw new ArgumentException($"TileGrid: tile {index} holds a non-finite value ({v})");
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        if (max == min)
        {
            gray.Fill(128);
            return;
        }
        double k = 255.0 / ((double)max - min);
        for (int i = 0; i < tile.Length; i++) gray[i] = (byte)Math.Round((tile[i] - (double)min) * k);
    }
}
