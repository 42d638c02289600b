using Hebb.IO;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Hebb.Cli.Pictures;

/// <summary>An 8-bit image: 1 channel (grayscale) or 3 (RGB), rows top to bottom, channels interleaved.</summary>
public sealed class PixelImage
{
    public PixelImage(int width, int height, int channels, byte[] pixels)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"PixelImage: size must be positive, got {width}x{height}");
        if (channels is not (1 or 3)) throw new ArgumentException($"PixelImage: channels must be 1 (gray) or 3 (RGB), got {channels}");
        if ((long)width * height * channels != pixels.Length)
            throw new ArgumentException(
                $"PixelImage: {width}x{height}x{channels} needs {(long)width * height * channels} bytes, got {pixels.Length}");
        (Width, Height, Channels, Pixels) = (width, height, channels, pixels);
    }

    public int Width { get; }
    public int Height { get; }
    public int Channels { get; }
    public byte[] Pixels { get; }

    public byte this[int x, int y, int channel = 0] => Pixels[(y * Width + x) * Channels + channel];
}

/// <summary>
/// A minimal PNG writer: 8-bit grayscale or RGB, no interlacing, every row with filter 0 (None), the
/// image data zlib-compressed in one IDAT chunk. Enough for weight pictures, readable by any viewer.
/// </summary>
public static class Png
{
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static byte[] Encode(PixelImage image)
    {
        using var output = new MemoryStream();
        output.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], image.Height);
        header[8] = 8;                                   // bit depth
        header[9] = (byte)(image.Channels == 1 ? 0 : 2); // colour type: 0 gray, 2 RGB
        header[10] = 0;                                  // compression: deflate
        header[11] = 0;                                  // filter method 0
        header[12] = 0;                                  // no interlace
        WriteChunk(output, "IHDR", header);

        int stride = image.Width * image.Channels;
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                for (int y = 0; y < image.Height; y++)
                {
                    zlib.WriteByte(0); // filter type None
                    zlib.Write(image.Pixels, y * stride, stride);
                }
            }
            WriteChunk(output, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        }
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>Writes the PNG through a temporary file in the same folder and a rename (<see cref="AtomicFile"/>),
    /// so a failed or interrupted save never leaves a half-written picture under the final name.</summary>
    public static void Save(string path, PixelImage image)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = Encode(image);
        AtomicFile.Write(path, file => file.Write(bytes));
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        for (int i = 0; i < 4; i++) typeBytes[i] = (byte)type[i];
        output.Write(typeBytes);
        output.Write(data);
        // The CRC covers the chunk type and data, not the length.
        var crc = new Crc32();
        crc.Append(typeBytes);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, crc.GetCurrentHashAsUInt32());
        output.Write(word);
    }
}
