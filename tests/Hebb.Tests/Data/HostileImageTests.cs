using Hebb.Data;
using StbImageWriteSharp;

namespace Hebb.Tests.Data;

/// <summary>Images found by fuzzing to hang or exhaust the decoder are refused before it sees them.</summary>
public sealed class HostileImageTests : IDisposable
{
    private readonly TestData.TempFolder _temp = TestData.CreateTempFolder();

    public void Dispose() => _temp.Dispose();

    private static byte[] Encode(Action<ImageWriter, byte[], Stream> write)
    {
        var pixels = new byte[64];
        for (int i = 0; i < 64; i++) pixels[i] = (byte)(i * 4);
        using var stream = new MemoryStream();
        write(new ImageWriter(), pixels, stream);
        return stream.ToArray();
    }

    [Theory]
    [InlineData(7)]
    [InlineData(11)]
    [InlineData(15)]
    public void AJpegCutInsideItsHeaderIsRefusedNotLeftToHangTheDecoder(int length)
    {
        // These prefixes made the decoder loop forever (found by the fuzz harness).
        byte[] jpeg = Encode((w, p, s) => w.WriteJpg(p, 8, 8, ColorComponents.Grey, s, 90));
        string path = _temp.Write("cut.jpg", jpeg[..length]);
        var e = Assert.Throws<InvalidDataException>(() => ImageFolder.LoadImage(path, 1, 8));
        Assert.StartsWith($"image '{path}' is damaged: the JPEG", e.Message);
        Assert.Equal(64, ImageFolder.LoadImage(_temp.Write("whole.jpg", jpeg), 1, 8).Length); // the whole file still reads
    }

    [Fact]
    public void APngClaimingAHugeImageIsRefusedBeforeTheDecoderAllocatesIt()
    {
        byte[] png = Encode((w, p, s) => w.WritePng(p, 8, 8, ColorComponents.Grey, s));
        // IHDR's width and height (bytes 16..23) set to 8,000 x 8,000: 64 MB of pixels from a 100-byte file
        // (within the decoder's own limit).
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), 8_000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), 8_000);
        string path = _temp.Write("huge.png", png);
        var e = Assert.Throws<InvalidDataException>(() => ImageFolder.LoadImage(path, 1, 8));
        Assert.Equal($"image '{path}' claims 8000 x 8000 pixels; Hebb reads images of at most 16,777,216 pixels", e.Message);
    }

    [Fact]
    public void APngChunkClaimingMoreThanTheFileHoldsIsRefusedBeforeTheDecoderAllocatesIt()
    {
        // The chunk after IHDR (at byte 33) claiming 256 MB made the decoder allocate half a gigabyte (found by fuzzing).
        byte[] png = Encode((w, p, s) => w.WritePng(p, 8, 8, ColorComponents.Grey, s));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(33), 268_435_489);
        string path = _temp.Write("bomb.png", png);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => ImageFolder.LoadImage(path, 1, 8));
        Assert.Equal($"image '{path}' is damaged: the PNG chunk at byte 33 claims 268435489 bytes but the file ends at byte {png.Length}",
            e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }
}
