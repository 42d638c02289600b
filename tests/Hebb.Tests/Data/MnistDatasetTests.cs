using Hebb.Data;

namespace Hebb.Tests.Data;

/// <summary>Loads the real MNIST splits once for all tests that need them.</summary>
public sealed class RealMnistFixture : IDisposable
{
    private readonly TestData.TempFolder _cache = TestData.CreateTempFolder();
    private readonly Lazy<MnistDataset> _train;
    private readonly Lazy<MnistDataset> _test;

    public RealMnistFixture()
    {
        _train = new(() => Load(DatasetCatalog.Mnist, train: true));
        _test = new(() => Load(DatasetCatalog.Mnist, train: false));
    }

    public MnistDataset Train => _train.Value;
    public MnistDataset Test => _test.Value;

    /// <summary>Loads from the real datasets root with a locator that can neither download nor see a real cache.</summary>
    public MnistDataset Load(DatasetInfo dataset, bool train) =>
        MnistDataset.Load(dataset, train, TestData.DatasetsRoot, OfflineLocator());

    public DatasetLocator OfflineLocator() =>
        new(new NoNetworkHandler(), _cache.Path, _ => null);

    public void Dispose() => _cache.Dispose();

    private sealed class NoNetworkHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new HttpRequestException("tests have no network");
    }
}

public sealed class MnistDatasetTests(RealMnistFixture real) : IClassFixture<RealMnistFixture>, IDisposable
{
    private readonly TestData.TempFolder _temp = TestData.CreateTempFolder();

    public void Dispose() => _temp.Dispose();

    // ---- real data ----

    [Fact]
    public void RealTrainingSetHasTheKnownShapeAndFirstLabels()
    {
        MnistDataset d = real.Train;

        Assert.Equal(60000, d.Count);
        Assert.Equal(28, d.Rows);
        Assert.Equal(28, d.Cols);
        Assert.Equal(60000 * 28 * 28, d.Images.Length);
        Assert.Equal(60000, d.Labels.Length);
        Assert.Equal([5, 0, 4, 1, 9], d.Labels[..5]);
    }

    [Fact]
    public void RealTrainingSetHasTheKnownClassCounts()
    {
        int[] counts = new int[10];
        foreach (int label in real.Train.Labels)
            counts[label]++;

        Assert.Equal([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949], counts);
    }

    [Fact]
    public void RealPixelsAreScaledToZeroOne()
    {
        float[] images = real.Train.Images;

        Assert.Equal(0f, images.Min());
        Assert.Equal(1f, images.Max());
        // The well-known MNIST training mean used for normalisation is 0.1307.
        double mean = images.Average(v => (double)v);
        Assert.InRange(mean, 0.1306, 0.1308);
        // Every value is an exact byte/255f.
        var allowed = Enumerable.Range(0, 256).Select(v => v / 255f).ToHashSet();
        Assert.All(images.Take(28 * 28 * 10), v => Assert.Contains(v, allowed));
    }

    [Fact]
    public void RealTestSetHasTheKnownShapeAndFirstLabels()
    {
        MnistDataset d = real.Test;

        Assert.Equal(10000, d.Count);
        Assert.Equal(10000 * 28 * 28, d.Images.Length);
        Assert.Equal([7, 2, 1, 0, 4], d.Labels[..5]);
    }

    [Theory]
    [InlineData(true, 60000)]
    [InlineData(false, 10000)]
    public void RealFashionMnistLoadsWithBalancedClasses(bool train, int count)
    {
        MnistDataset d = real.Load(DatasetCatalog.FashionMnist, train);

        Assert.Equal(count, d.Count);
        Assert.Equal((28, 28), (d.Rows, d.Cols));
        Assert.Equal(count * 28 * 28, d.Images.Length);
        Assert.All(d.Labels.CountBy(l => l), kv => Assert.Equal(count / 10, kv.Value));
        Assert.Equal(10, d.Labels.Distinct().Count());
    }

    // ---- hand-made data ----

    // Same file names as MNIST, so Load treats it as MNIST-format; sizes unknown so any content is accepted.
    private static readonly DatasetInfo Tiny = new(
        "tiny",
        [
            new DatasetFile("train-images-idx3-ubyte.gz", "", null),
            new DatasetFile("train-labels-idx1-ubyte.gz", "", null),
            new DatasetFile("t10k-images-idx3-ubyte.gz", "", null),
            new DatasetFile("t10k-labels-idx1-ubyte.gz", "", null),
        ],
        []);

    /// <summary>Writes a tiny MNIST-format dataset (gzipped) into temp/tiny and returns the folder.</summary>
    private string WriteTiny(int[] imageDims, byte[] pixels, int[] labelDims, byte[] labels)
    {
        byte[] images = TestData.Gzip(TestData.IdxBytes(imageDims, pixels));
        byte[] labelBytes = TestData.Gzip(TestData.IdxBytes(labelDims, labels));
        foreach (string split in new[] { "train", "t10k" })
        {
            _temp.Write(Path.Combine("tiny", $"{split}-images-idx3-ubyte.gz"), images);
            _temp.Write(Path.Combine("tiny", $"{split}-labels-idx1-ubyte.gz"), labelBytes);
        }
        return _temp.Combine("tiny");
    }

    private InvalidDataException LoadFails(string dir)
    {
        return Assert.Throws<InvalidDataException>(() => MnistDataset.Load(Tiny, train: true, dir, real.OfflineLocator()));
    }

    [Fact]
    public void ScalesPixelsAndKeepsRowMajorOrder()
    {
        byte[] pixels = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255];
        string dir = WriteTiny([2, 2, 3], pixels, [2], [3, 9]);

        MnistDataset d = MnistDataset.Load(Tiny, train: false, dir, real.OfflineLocator());

        Assert.Equal((2, 2, 3), (d.Count, d.Rows, d.Cols));
        Assert.Equal(pixels.Select(p => p / 255f).ToArray(), d.Images);
        Assert.Equal([3, 9], d.Labels);
    }

    [Fact]
    public void RefusesLabelOutsideZeroToNineNamingFileAndIndex()
    {
        string dir = WriteTiny([3, 1, 1], [0, 0, 0], [3], [1, 2, 10]);

        var e = LoadFails(dir);

        Assert.Contains(Path.Combine(dir, "train-labels-idx1-ubyte.gz"), e.Message);
        Assert.Contains("label 10 at index 2", e.Message);
    }

    [Fact]
    public void RefusesDifferentImageAndLabelCounts()
    {
        string dir = WriteTiny([3, 1, 1], [0, 0, 0], [2], [1, 2]);

        var e = LoadFails(dir);

        Assert.Contains("3 images", e.Message);
        Assert.Contains("2 labels", e.Message);
    }

    [Fact]
    public void RefusesImagesThatAreNotThreeDimensional()
    {
        string dir = WriteTiny([3, 4], new byte[12], [3], [1, 2, 3]);

        var e = LoadFails(dir);

        Assert.Contains("train-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("expected 3 dimensions", e.Message);
    }

    [Fact]
    public void RefusesLabelsThatAreNotOneDimensional()
    {
        string dir = WriteTiny([3, 1, 1], [0, 0, 0], [3, 1], [1, 2, 3]);

        var e = LoadFails(dir);

        Assert.Contains("train-labels-idx1-ubyte.gz", e.Message);
        Assert.Contains("expected 1 dimension", e.Message);
    }

    [Fact]
    public void RefusesDatasetsThatAreNotInMnistFormat()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            MnistDataset.Load(DatasetCatalog.TinyShakespeare, train: true, locator: real.OfflineLocator()));

        Assert.Contains("tinyshakespeare", e.Message);
    }

    [Fact]
    public void MissingFilesSurfaceAsDatasetNotFound()
    {
        var e = Assert.Throws<DatasetNotFoundException>(() =>
            MnistDataset.Load(DatasetCatalog.Mnist, train: true, _temp.Combine("nothing-here"), real.OfflineLocator()));

        Assert.Contains(_temp.Combine("nothing-here"), e.Message);
    }
}
