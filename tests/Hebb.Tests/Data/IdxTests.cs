using Hebb.Data;

namespace Hebb.Tests.Data;

public sealed class IdxTests : IDisposable
{
    private readonly TestData.TempFolder _temp = TestData.CreateTempFolder();

    public void Dispose() => _temp.Dispose();

    // Every hand-made case runs through each way data can arrive: a raw or gzipped file on disk
    // (seekable, known length) and a raw or gzipped non-seekable stream (unknown length).
    public static TheoryData<string> Modes => new() { "raw-file", "gzip-file", "raw-stream", "gzip-stream" };

    /// <summary>Reads <paramref name="idx"/> (uncompressed IDX bytes) the way <paramref name="mode"/> says; returns the array and
    /// the source name used.</summary>
    private (Func<IdxArray> read, string source) Prepare(string mode, byte[] idx)
    {
        byte[] bytes = mode.StartsWith("gzip", StringComparison.Ordinal) ? TestData.Gzip(idx) : idx;
        if (mode.EndsWith("file", StringComparison.Ordinal))
        {
            string path = _temp.Write($"{mode}-{Guid.NewGuid():N}.idx", bytes);
            return (() => Idx.Read(path), path);
        }
        string name = $"stream-{mode}";
        return (() => Idx.Read(new TestData.ForwardOnlyStream(bytes), name), name);
    }

    private InvalidDataException Refuse(string mode, byte[] idx)
    {
        var (read, source) = Prepare(mode, idx);
        var e = Assert.Throws<InvalidDataException>(() => read());
        Assert.Contains(source, e.Message);
        return e;
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void RoundTripsHandMadeFile(string mode)
    {
        byte[] data = TestData.Ramp(2 * 3 * 4);
        var (read, _) = Prepare(mode, TestData.IdxBytes([2, 3, 4], data));

        IdxArray a = read();

        Assert.Equal([2, 3, 4], a.Shape);
        Assert.Equal(data, a.Data);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void AcceptsOneToFourDimensions(int rank)
    {
        int[] dims = Enumerable.Range(2, rank).ToArray(); // [2], [2,3], [2,3,4], [2,3,4,5]
        byte[] data = TestData.Ramp(dims.Aggregate(1, (p, d) => p * d));
        string path = _temp.Write("a.idx", TestData.IdxBytes(dims, data));

        IdxArray a = Idx.Read(path);

        Assert.Equal(dims, a.Shape);
        Assert.Equal(data, a.Data);
    }

    [Fact]
    public void RoundTripsLargerThanOneReadChunk()
    {
        // Bigger than the reader's initial 1 MiB buffer, so the gzip path has to grow it.
        byte[] data = new byte[3_000_001];
        new Random(42).NextBytes(data);
        string path = _temp.Write("big.gz", TestData.Gzip(TestData.IdxBytes([3_000_001], data)));

        IdxArray a = Idx.Read(path);

        Assert.Equal([3_000_001], a.Shape);
        Assert.Equal(data, a.Data);
    }

    [Fact]
    public void DetectsGzipByMagicNotByExtension()
    {
        byte[] idx = TestData.IdxBytes([2, 2], [1, 2, 3, 4]);
        string gzipNamedRaw = _temp.Write("labels-idx1-ubyte", TestData.Gzip(idx));
        string rawNamedGzip = _temp.Write("labels-idx1-ubyte.gz", idx);

        Assert.Equal(new byte[] { 1, 2, 3, 4 }, Idx.Read(gzipNamedRaw).Data);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, Idx.Read(rawNamedGzip).Data);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void RefusesBadMagic(string mode)
    {
        byte[] idx = TestData.IdxBytes([2], [1, 2]);
        idx[1] = 0x03;

        var e = Refuse(mode, idx);

        Assert.Contains("magic", e.Message);
    }

    [Theory]
    [InlineData(0x09, "raw-file")]
    [InlineData(0x0C, "gzip-file")]
    [InlineData(0x0D, "raw-stream")]
    [InlineData(0x0E, "gzip-stream")]
    [InlineData(0x00, "raw-file")]
    public void RefusesTypesOtherThanUnsignedByte(byte type, string mode)
    {
        var e = Refuse(mode, TestData.IdxBytes([2], [1, 2], type));

        Assert.Contains($"0x{type:X2}", e.Message);
        Assert.Contains("only unsigned byte (0x08) data is supported", e.Message);
    }

    [Theory]
    [InlineData(0, "raw-file")]
    [InlineData(0, "gzip-stream")]
    [InlineData(5, "raw-file")]
    [InlineData(255, "gzip-file")]
    public void RefusesDimensionCountOutsideOneToFour(int rank, string mode)
    {
        // Give enough bytes that only the dimension count can be the problem.
        byte[] idx = new byte[64];
        idx[2] = 0x08;
        idx[3] = (byte)rank;

        var e = Refuse(mode, idx);

        Assert.Contains($"number of dimensions {rank}", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void RefusesNonPositiveDimension(int size)
    {
        var e = Refuse("raw-file", TestData.IdxBytes([3, size], []));

        Assert.Contains($"dimension 1 has size {size}", e.Message);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void RefusesTruncatedHeaderAtEveryLength(string mode)
    {
        byte[] full = TestData.IdxBytes([2, 3], TestData.Ramp(6)); // 12 header bytes
        for (int length = 0; length < 12; length++)
        {
            var e = Refuse(mode, full[..length]);
            Assert.Contains("truncated header", e.Message);
        }
    }

    [Theory]
    [InlineData("raw-file", 0)]
    [InlineData("raw-file", 1)]
    [InlineData("raw-file", 12)]
    [InlineData("raw-file", 23)]
    [InlineData("gzip-file", 0)]
    [InlineData("gzip-file", 23)]
    [InlineData("raw-stream", 5)]
    [InlineData("raw-stream", 23)]
    [InlineData("gzip-stream", 1)]
    [InlineData("gzip-stream", 17)]
    public void RefusesTruncatedDataNamingExpectedAndActualLength(string mode, int present)
    {
        byte[] idx = TestData.IdxBytes([2, 3, 4], TestData.Ramp(present)); // needs 24 data bytes

        var e = Refuse(mode, idx);

        Assert.Contains("truncated data", e.Message);
        Assert.Contains("needs 24 data bytes", e.Message);
        Assert.Contains($"only {present} are present", e.Message);
    }

    [Fact]
    public void RefusesCutOffGzipStream()
    {
        // The compressed bytes themselves are cut short (an interrupted download).
        byte[] data = new byte[50_000];
        new Random(1).NextBytes(data);
        byte[] gz = TestData.Gzip(TestData.IdxBytes([50_000], data));
        string path = _temp.Write("cut.gz", gz[..(gz.Length / 2)]);

        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));

        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void RefusesCorruptGzipData()
    {
        byte[] gz = TestData.Gzip(TestData.IdxBytes([100], TestData.Ramp(100)));
        for (int i = 10; i < gz.Length - 8; i++)
            gz[i] = 0xFF; // wreck the deflate stream, keep the gzip header

        string path = _temp.Write("corrupt.gz", gz);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));

        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData("raw-file", 1)]
    [InlineData("raw-file", 1000)]
    [InlineData("gzip-file", 1)]
    [InlineData("raw-stream", 3)]
    [InlineData("gzip-stream", 100_000)]
    public void RefusesTrailingBytes(string mode, int extra)
    {
        byte[] idx = TestData.IdxBytes([2, 3], TestData.Ramp(6 + extra));

        var e = Refuse(mode, idx);

        Assert.Contains("trailing", e.Message);
    }

    [Theory]
    [InlineData(new[] { 100_000, 100_000 })]
    [InlineData(new[] { 1_000_000_001 })]
    [InlineData(new[] { int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue })] // would overflow a long
    public void RefusesAbsurdlyLargeShapes(int[] dims)
    {
        var e = Refuse("raw-stream", TestData.IdxBytes(dims, [1, 2, 3]));

        Assert.Contains("more than 1,000,000,000 elements", e.Message);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void LyingHeaderOnTinyFileDoesNotAllocateTheClaimedSize(string mode)
    {
        // The header claims 1e9 elements (the maximum allowed) but only 10 bytes follow.
        var (read, _) = Prepare(mode, TestData.IdxBytes([1000, 1000, 1000], TestData.Ramp(10)));
        long before = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.Throws<InvalidDataException>(read);

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("only 10 are present", e.Message);
        Assert.True(allocated < 16 << 20, $"allocated {allocated} bytes for a 22-byte file");
    }

    [Fact]
    public void MissingFileThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => Idx.Read(_temp.Combine("nope.gz")));
    }

    // ---- real data ----

    private static string Real(string dataset, string file) => Path.Combine(TestData.DatasetsRoot, dataset, file);

    [Fact]
    public void ReadsRealMnistTrainingSet()
    {
        IdxArray images = Idx.Read(Real("mnist", "train-images-idx3-ubyte.gz"));
        IdxArray labels = Idx.Read(Real("mnist", "train-labels-idx1-ubyte.gz"));

        Assert.Equal([60000, 28, 28], images.Shape);
        Assert.Equal(60000 * 28 * 28, images.Data.Length);
        Assert.Equal([60000], labels.Shape);
        Assert.Equal(new byte[] { 5, 0, 4, 1, 9 }, labels.Data[..5]);
    }

    [Fact]
    public void ReadsRealMnistTestSet()
    {
        IdxArray images = Idx.Read(Real("mnist", "t10k-images-idx3-ubyte.gz"));
        IdxArray labels = Idx.Read(Real("mnist", "t10k-labels-idx1-ubyte.gz"));

        Assert.Equal([10000, 28, 28], images.Shape);
        Assert.Equal([10000], labels.Shape);
        Assert.Equal(new byte[] { 7, 2, 1, 0, 4 }, labels.Data[..5]);
    }

    [Theory]
    [InlineData("train", 60000)]
    [InlineData("t10k", 10000)]
    public void ReadsRealFashionMnist(string split, int count)
    {
        IdxArray images = Idx.Read(Real("fashion-mnist", $"{split}-images-idx3-ubyte.gz"));
        IdxArray labels = Idx.Read(Real("fashion-mnist", $"{split}-labels-idx1-ubyte.gz"));

        Assert.Equal([count, 28, 28], images.Shape);
        Assert.Equal(count * 28 * 28, images.Data.Length);
        Assert.Equal([count], labels.Shape);
    }
}
