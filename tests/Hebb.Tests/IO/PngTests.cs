using Hebb.Cli.Pictures;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Hebb.IO;
using Hebb.Models;
using Hebb.NN;

namespace Hebb.Tests.IO;

/// <summary>The PNG writer, the tile grid and the first-layer weight pictures, checked by decoding the bytes here.</summary>
public class PngTests
{
    /// <summary>A decoded PNG: IHDR fields and the raw pixels (after checking every chunk's CRC and the filter bytes).</summary>
    private sealed record Decoded(int Width, int Height, int BitDepth, int ColorType, int Interlace, byte[] Pixels, List<string> Chunks);

    private static Decoded Decode(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        int pos = 8, width = 0, height = 0, depth = 0, color = 0, interlace = 0;
        var idat = new MemoryStream();
        var chunks = new List<string>();
        while (pos < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            var data = png.AsSpan(pos + 8, length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length));
            Assert.Equal(ReferenceCrc(png.AsSpan(pos + 4, 4 + length)), crc);
            chunks.Add(type);
            if (type == "IHDR")
            {
                Assert.Equal(13, length);
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                (depth, color, interlace) = (data[8], data[9], data[12]);
                Assert.Equal(0, data[10]); // deflate
                Assert.Equal(0, data[11]); // filter method 0
            }
            if (type == "IDAT") idat.Write(data);
            pos += 12 + length;
        }
        Assert.Equal(png.Length, pos);
        Assert.Equal("IHDR", chunks[0]);
        Assert.Equal("IEND", chunks[^1]);

        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream();
        zlib.CopyTo(raw);
        int channels = color == 0 ? 1 : 3, stride = width * channels;
        var bytes = raw.ToArray();
        Assert.Equal(height * (stride + 1), bytes.Length);
        var pixels = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            Assert.Equal(0, bytes[y * (stride + 1)]); // filter type None on every row
            Array.Copy(bytes, y * (stride + 1) + 1, pixels, y * stride, stride);
        }
        return new Decoded(width, height, depth, color, interlace, pixels, chunks);
    }

    /// <summary>CRC-32 (ISO 3309, reflected 0xEDB88320) bit by bit, independent of the library's.</summary>
    private static uint ReferenceCrc(ReadOnlySpan<byte> bytes)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }

    [Fact]
    public void GrayscaleRoundTripsThroughAnIndependentDecoder()
    {
        var pixels = Enumerable.Range(0, 7 * 5).Select(i => (byte)(i * 7)).ToArray();
        var png = Png.Encode(new PixelImage(7, 5, 1, pixels));
        var d = Decode(png);
        Assert.Equal((7, 5, 8, 0, 0), (d.Width, d.Height, d.BitDepth, d.ColorType, d.Interlace));
        Assert.Equal(pixels, d.Pixels);
        Assert.Equal(new[] { "IHDR", "IDAT", "IEND" }, d.Chunks);
        Assert.Equal(new byte[] { 0xAE, 0x42, 0x60, 0x82 }, png[^4..]); // the CRC every PNG ends with
    }

    [Fact]
    public void RgbRoundTrips()
    {
        var g = new Generator(1);
        var pixels = Enumerable.Range(0, 4 * 3 * 3).Select(_ => (byte)g.NextInt(256)).ToArray();
        var d = Decode(Png.Encode(new PixelImage(4, 3, 3, pixels)));
        Assert.Equal((4, 3, 8, 2), (d.Width, d.Height, d.BitDepth, d.ColorType));
        Assert.Equal(pixels, d.Pixels);
    }

    [Fact]
    public void BadImagesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new PixelImage(0, 5, 1, []));
        Assert.Throws<ArgumentException>(() => new PixelImage(2, 2, 2, new byte[8]));
        Assert.Contains("needs 12 bytes", Assert.Throws<ArgumentException>(() => new PixelImage(2, 2, 3, new byte[11])).Message);
    }

    [Fact]
    public void SaveReplacesTheFileAtomicallyAndFailsClearly()
    {
        var dir = Directory.CreateTempSubdirectory("hebb-png-");
        try
        {
            string path = Path.Combine(dir.FullName, "a.png");
            File.WriteAllText(path, "old");
            var image = new PixelImage(2, 1, 1, [0, 255]);
            Png.Save(path, image);
            Assert.Equal(new byte[] { 0, 255 }, Decode(File.ReadAllBytes(path)).Pixels);
            Assert.Equal(new[] { "a.png" }, Directory.GetFiles(dir.FullName).Select(Path.GetFileName)); // no temp file left

            var missing = Path.Combine(dir.FullName, "no-such-folder", "b.png");
            Assert.Contains("does not exist", Assert.Throws<IOException>(() => Png.Save(missing, image)).Message);
            Assert.Contains("folder", Assert.Throws<IOException>(() => Png.Save(dir.FullName, image)).Message);
            Assert.Throws<IOException>(() => OutputPath.CheckWritable(missing, "--out"));
            OutputPath.CheckWritable(null, "--out");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void TilesAreNormalisedEachOnItsOwnWithBordersAndScale()
    {
        // Two 2x2 tiles side by side, scale 2, 1-pixel borders: width 1 + 4 + 1 + 4 + 1 = 11, height 1 + 4 + 1 = 6.
        float[] values = [-1, 0, 1, 3, /* tile 2, constant */ 5, 5, 5, 5];
        var image = TileGrid.Render(values, count: 2, tileHeight: 2, tileWidth: 2, columns: 2, scale: 2);
        Assert.Equal((11, 6, 1), (image.Width, image.Height, image.Channels));
        for (int x = 0; x < 11; x++) { Assert.Equal(255, image[x, 0]); Assert.Equal(255, image[x, 5]); }
        for (int y = 0; y < 6; y++) { Assert.Equal(255, image[0, y]); Assert.Equal(255, image[5, y]); Assert.Equal(255, image[10, y]); }
        // Tile 1: min -1 -> 0, max 3 -> 255, 0 -> 64 (63.75 rounded), 1 -> 128 (127.5 rounded); each value a 2x2 block.
        byte[,] expected = { { 0, 64 }, { 128, 255 } };
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
            {
                Assert.Equal(expected[r / 2, c / 2], image[1 + c, 1 + r]);
                Assert.Equal(128, image[6 + c, 1 + r]); // a constant tile is mid-gray
            }

        // Automatic columns: 5 tiles -> 3 per row, 2 rows.
        var grid = TileGrid.Render(new float[5 * 4], 5, 2, 2);
        Assert.Equal((1 + 3 * 3, 1 + 2 * 3), (grid.Width, grid.Height));
        Assert.Throws<ArgumentException>(() => TileGrid.Render(new float[7], 2, 2, 2));
        Assert.Throws<ArgumentException>(() => TileGrid.Render([float.NaN, 0, 0, 0], 1, 2, 2));
        Assert.Throws<ArgumentException>(() => TileGrid.Render(new float[4], 1, 2, 2, scale: 0));
    }

    [Fact]
    public void AnMlpsFirstLayerBecomesOne28x28TilePerUnit()
    {
        var model = MlpConfig.Seed.Build(new Generator(0));
        var tiles = WeightPictures.FirstLayer(model);
        Assert.Equal(("0", 16, 28, 28), (tiles.Layer, tiles.Count, tiles.TileHeight, tiles.TileWidth));
        var image = WeightPictures.Render(tiles); // automatic scale 2, 4 x 4 grid
        Assert.Equal((4 * 57 + 1, 4 * 57 + 1), (image.Width, image.Height));

        // Unit 5 sits in row 1, column 1; its weight for pixel (row 10, col 3) is at weight[5, 10*28 + 3].
        var w = ((Linear)model[0]).Weight.ToArray<float>().AsSpan(5 * 784, 784);
        float min = float.MaxValue, max = float.MinValue;
        foreach (var v in w) { min = Math.Min(min, v); max = Math.Max(max, v); }
        byte expected = (byte)Math.Round((w[10 * 28 + 3] - (double)min) * 255 / ((double)max - min));
        int x0 = 1 + 57, y0 = 1 + 57;
        Assert.Equal(expected, image[x0 + 3 * 2, y0 + 10 * 2]);
        Assert.Equal(expected, image[x0 + 3 * 2 + 1, y0 + 10 * 2 + 1]);
    }

    [Fact]
    public void ACnnsFirstLayerBecomesOneTilePerFilter()
    {
        var g = new Generator(0);
        var lenetLike = new Sequential(new Conv2d(1, 6, 5, g, padding: 2), new Sigmoid(), new Flatten(), new Linear(6 * 28 * 28, 10, g));
        var tiles = WeightPictures.FirstLayer(lenetLike);
        Assert.Equal((6, 5, 5, 0), (tiles.Count, tiles.TileHeight, tiles.TileWidth, tiles.Columns));
        var image = WeightPictures.Render(tiles); // 5x5 filters enlarged 12 times, 3 x 2 grid
        Assert.Equal((3 * 61 + 1, 2 * 61 + 1), (image.Width, image.Height));

        // Several input channels: one row per output channel, one column per input channel.
        var rgb = WeightPictures.FirstLayer(new Sequential(new Conv2d(3, 4, 3, g)));
        Assert.Equal((12, 3), (rgb.Count, rgb.Columns));
        var rgbImage = WeightPictures.Render(rgb, scale: 6); // 3x3 filters as 18x18 blocks plus a border: 19 pixels per cell
        Assert.Equal((3 * 19 + 1, 4 * 19 + 1), (rgbImage.Width, rgbImage.Height));
    }

    [Fact]
    public void ModelsWithoutAPicturableFirstLayerAreRefused()
    {
        Assert.Contains("no Linear or Conv2d",
            Assert.Throws<ArgumentException>(() => WeightPictures.FirstLayer(new Sequential(new Sigmoid(), new Flatten()))).Message);
        Assert.Contains("not a square image",
            Assert.Throws<ArgumentException>(() => WeightPictures.FirstLayer(new Sequential(new Linear(10, 3, new Generator(0))))).Message);
        Assert.Throws<ArgumentException>(() => WeightPictures.Render(new Sequential(new Linear(4, 3, new Generator(0))), scale: -1));
    }
}
