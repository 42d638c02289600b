namespace Hebb.Data;

/// <summary>
/// Resizes 8-bit image planes, one axis at a time: area averaging when an axis shrinks (each output pixel is
/// the mean of the source area it covers, fractional pixels weighted by their overlap, as OpenCV's INTER_AREA),
/// bilinear interpolation with half-pixel centres when it grows (as PyTorch's interpolate with
/// align_corners=False). An axis that keeps its size is copied exactly, so same-size images are untouched.
/// </summary>
internal static class ImageResize
{
    /// <summary>Resizes <paramref name="planes"/> (channel-first: <paramref name="channels"/> planes of
    /// <paramref name="height"/> x <paramref name="width"/> bytes) to <paramref name="newHeight"/> x
    /// <paramref name="newWidth"/>, rounding each result to the nearest byte.</summary>
    public static byte[] Resize(ReadOnlySpan<byte> planes, int channels, int height, int width, int newHeight, int newWidth)
    {
        if (channels <= 0 || height <= 0 || width <= 0 || newHeight <= 0 || newWidth <= 0)
            throw new ArgumentException($"image sizes must be positive: {channels} channel(s), {height}x{width} -> {newHeight}x{newWidth}");
        if (planes.Length != channels * height * width)
            throw new ArgumentException($"{planes.Length} bytes are not {channels} plane(s) of {height}x{width}");
        var result = new byte[channels * newHeight * newWidth];
        if (newHeight == height && newWidth == width)
        {
            planes.CopyTo(result);
            return result;
        }
        var columns = Weights(width, newWidth);
        var rows = Weights(height, newHeight);
        var wide = new double[height * newWidth]; // one plane after the horizontal pass
        for (int c = 0; c < channels; c++)
        {
            var plane = planes.Slice(c * height * width, height * width);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < newWidth; x++)
                {
                    double sum = 0;
                    foreach (var (index, weight) in columns[x]) sum += weight * plane[y * width + index];
                    wide[y * newWidth + x] = sum;
                }
            var output = result.AsSpan(c * newHeight * newWidth, newHeight * newWidth);
            for (int y = 0; y < newHeight; y++)
                for (int x = 0; x < newWidth; x++)
                {
                    double sum = 0;
                    foreach (var (index, weight) in rows[y]) sum += weight * wide[index * newWidth + x];
                    output[y * newWidth + x] = (byte)Math.Clamp(Math.Round(sum, MidpointRounding.AwayFromZero), 0, 255);
                }
        }
        return result;
    }

    /// <summary>For each output index along an axis, the source indices it reads and their weights (summing to 1).</summary>
    internal static (int Index, double Weight)[][] Weights(int size, int newSize)
    {
        var table = new (int, double)[newSize][];
        double scale = (double)size / newSize;
        for (int d = 0; d < newSize; d++)
        {
            if (newSize == size)
            {
                table[d] = [(d, 1.0)];
            }
            else if (newSize < size)
            {
                // Area: the output pixel covers [d*scale, (d+1)*scale) of the source.
                double start = d * scale, end = (d + 1) * scale;
                var parts = new List<(int, double)>();
                for (int s = (int)Math.Floor(start); s < Math.Min(size, (int)Math.Ceiling(end)); s++)
                {
                    double overlap = Math.Min(end, s + 1) - Math.Max(start, s);
                    if (overlap > 1e-12) parts.Add((s, overlap / scale));
                }
                table[d] = [.. parts];
            }
            else
            {
                // Bilinear: the output pixel's centre, mapped back into the source, clamped at the borders.
                double x = Math.Clamp((d + 0.5) * scale - 0.5, 0, size - 1);
                int left = (int)Math.Floor(x);
                int right = Math.Min(left + 1, size - 1);
                double frac = x - left;
                table[d] = frac == 0 || right == left ? [(left, 1.0)] : [(left, 1 - frac), (right, frac)];
            }
        }
        return table;
    }
}
