using Hebb.Data;

namespace Hebb.Tests.Data;

/// <summary>A folder of IDX files of any size: files found by name, checked against each other instead of checksums.</summary>
public sealed class IdxFolderTests : IDisposable
{
    private readonly TestData.TempFolder _temp = TestData.CreateTempFolder();

    public void Dispose() => _temp.Dispose();

    /// <summary>Writes <paramref name="count"/> images of rows x cols (values = a ramp) and the labels given.</summary>
    private void Write(string name, int[] dims, byte[]? labels = null, bool gzip = false)
    {
        byte[] raw = TestData.IdxBytes(dims, labels ?? TestData.Ramp(dims.Aggregate(1, (a, b) => a * b)));
        _temp.Write(name, gzip ? TestData.Gzip(raw) : raw);
    }

    private InvalidDataException Refused()
    {
        var e = Assert.Throws<InvalidDataException>(() => IdxImageFolder.Load(_temp.Path));
        Assert.Single(e.Message.Split('\n'));
        return e;
    }

    [Fact]
    public void FindsMnistAndEmnistNamesAndPrefersTheRawFileOfARawAndGzippedPair()
    {
        Write("train-images-idx3-ubyte.gz", [4, 3, 5], gzip: true);
        Write("train-images-idx3-ubyte", [4, 3, 5]);
        Write("train-labels-idx1-ubyte.gz", [4], [0, 1, 2, 1], gzip: true);
        Write("t10k-images-idx3-ubyte.gz", [2, 3, 5], gzip: true);
        Write("t10k-labels-idx1-ubyte.gz", [2], [2, 0], gzip: true);
        _temp.Write("README.md", "MNIST-like"u8.ToArray());
        var files = IdxImageFolder.Find(_temp.Path);
        Assert.EndsWith("train-images-idx3-ubyte", files.TrainImages);
        Assert.EndsWith("t10k-labels-idx1-ubyte.gz", files.TestLabels);

        var (train, test) = IdxImageFolder.Load(_temp.Path);
        Assert.Equal((4, 1, 3, 5, 3), (train.Count, train.Channels, train.Height, train.Width, train.ClassCount));
        Assert.Equal(TestData.Ramp(60), train.Pixels);
        Assert.Equal([2, 0], test!.Labels);

        using var emnist = TestData.CreateTempFolder();
        foreach (var name in new[] { "emnist-balanced-train-images-idx3-ubyte", "emnist-balanced-test-images-idx3-ubyte" })
            File.WriteAllBytes(emnist.Combine(name), TestData.IdxBytes([2, 2, 2], new byte[8]));
        foreach (var name in new[] { "emnist-balanced-train-labels-idx1-ubyte", "emnist-balanced-test-labels-idx1-ubyte" })
            File.WriteAllBytes(emnist.Combine(name), TestData.IdxBytes([2], [0, 1]));
        File.WriteAllText(emnist.Combine("emnist-balanced-mapping.txt"), "0 48\n1 49\n");
        Assert.EndsWith("emnist-balanced-test-images-idx3-ubyte", IdxImageFolder.Find(emnist.Path).TestImages);
    }

    [Fact]
    public void AmbiguousOrMissingFilesAreListedInOneLine()
    {
        Write("emnist-letters-train-images-idx3-ubyte", [2, 2, 2]);
        Write("emnist-digits-train-images-idx3-ubyte", [2, 2, 2]);
        var e = Assert.Throws<InvalidDataException>(() => IdxImageFolder.Find(_temp.Path));
        Assert.Contains("2 training images files (emnist-digits-train-images-idx3-ubyte, emnist-letters-train-images-idx3-ubyte)",
            e.Message);

        File.Delete(_temp.Combine("emnist-digits-train-images-idx3-ubyte"));
        Write("t10k-images-idx3-ubyte", [2, 2, 2]);
        e = Assert.Throws<InvalidDataException>(() => IdxImageFolder.Find(_temp.Path));
        Assert.Contains("found: emnist-letters-train-images-idx3-ubyte, t10k-images-idx3-ubyte", e.Message);
        Assert.Contains("train-labels-idx1-ubyte.gz", e.Message); // what is expected
    }

    [Fact]
    public void AnyImageSizeAndColourChannelsLastAreRead()
    {
        // [2, 2, 3, 3]: two 2x3 RGB images, channels last, read back channel-first.
        Write("train-images-idx4-ubyte", [2, 2, 3, 3]);
        Write("train-labels-idx1-ubyte", [2], [1, 0]);
        var (train, test) = IdxImageFolder.Load(_temp.Path);
        Assert.Null(test);
        Assert.Equal([3, 2, 3], train.SampleShape);
        // Image 0's red plane holds values 0, 3, 6, ... (every third byte of the ramp).
        Assert.Equal(new byte[] { 0, 3, 6, 9, 12, 15 }, train.Pixels[..6]);
        Assert.Equal(new byte[] { 1, 4, 7, 10, 13, 16 }, train.Pixels[6..12]);
    }

    [Fact]
    public void CountsThatDisagreeAreNamedWithBothFiles()
    {
        Write("train-images-idx3-ubyte", [5, 4, 4]);
        Write("train-labels-idx1-ubyte", [4], [0, 1, 0, 1]);
        var e = Refused();
        Assert.Contains("'train-labels-idx1-ubyte' holds 4 labels but images file", e.Message.Replace(_temp.Path + "/", ""));
        Assert.Contains("holds 5 images (dimension 0, the count, must agree)", e.Message);
    }

    [Fact]
    public void ATestLabelOutsideTheTrainingClassesIsNamed()
    {
        Write("train-images-idx3-ubyte", [3, 4, 4]);
        Write("train-labels-idx1-ubyte", [3], [0, 1, 2]);
        Write("t10k-images-idx3-ubyte", [2, 4, 4]);
        Write("t10k-labels-idx1-ubyte", [2], [1, 7]);
        var e = Refused();
        Assert.Contains("t10k-labels-idx1-ubyte': label 7 at index 1 is not a training class (the training labels are 0..2)", e.Message);
    }

    [Fact]
    public void ATruncatedFileIsNamed()
    {
        byte[] raw = TestData.IdxBytes([3, 4, 4], new byte[48]);
        _temp.Write("train-images-idx3-ubyte", raw[..^10]);
        Write("train-labels-idx1-ubyte", [3], [0, 1, 2]);
        var e = Refused();
        Assert.Contains("train-images-idx3-ubyte': truncated data: shape [3, 4, 4] needs 48 data bytes but only 38", e.Message);
    }

    [Fact]
    public void TrainAndTestImagesOfDifferentSizesAreRefused()
    {
        Write("train-images-idx3-ubyte", [3, 4, 4]);
        Write("train-labels-idx1-ubyte", [3], [0, 1, 2]);
        Write("t10k-images-idx3-ubyte", [2, 5, 4]);
        Write("t10k-labels-idx1-ubyte", [2], [0, 1]);
        var e = Refused();
        Assert.Contains("t10k-images-idx3-ubyte' holds 4x5 images but the training images", e.Message);
        Assert.Contains("are 4x4", e.Message);
        // Resizing both to one size is the way out.
        var splits = ImageSplits.Load(_temp.Path, imageSize: 6);
        Assert.Equal([1, 6, 6], splits.Test.SampleShape);
    }

    [Fact]
    public void BadDimensionsAndASingleClassAreRefused()
    {
        Write("train-images-idx3-ubyte", [3, 4, 4, 2]);
        Write("train-labels-idx1-ubyte", [3], [0, 1, 2]);
        Assert.Contains("dimension 3 (channels) is 2; expected 1 or 3", Refused().Message);

        Write("train-images-idx3-ubyte", [12]);
        Assert.Contains("has 1 dimension(s); expected 3 [count, rows, cols] or 4", Refused().Message);

        Write("train-images-idx3-ubyte", [3, 4, 4]);
        Write("train-labels-idx1-ubyte", [3], [0, 0, 0]);
        Assert.Contains("every label is 0; a classifier needs at least two classes", Refused().Message);
    }

    [Fact]
    public void ClassesWithoutTrainingImagesAreNamedAndAMissingTestSetIsHeldOut()
    {
        // EMNIST letters label 1..26: class 0 has no images.
        Write("train-images-idx3-ubyte", [10, 4, 4]);
        Write("train-labels-idx1-ubyte", [10], [1, 2, 3, 1, 2, 3, 1, 2, 3, 1]);
        var splits = ImageSplits.Load(_temp.Path, testSplit: 0.2, seed: 1);
        Assert.Equal(4, splits.Train.ClassCount);
        Assert.True(splits.TestHeldOut);
        Assert.Equal((8, 2), (splits.Train.Count, splits.Test.Count));
        Assert.Contains(splits.Notes, n => n == "class 0 has no training images (labels are 0..3)");
    }

    [Fact]
    public void NamedDatasetsStillNeedTheirOwnFiles()
    {
        // The user's folder is checked for consistency only; MNIST itself keeps its file names and sizes.
        Write("train-images-idx3-ubyte.gz", [3, 4, 4], gzip: true);
        Write("train-labels-idx1-ubyte.gz", [3], [0, 1, 2], gzip: true);
        var locator = new DatasetLocator(cacheRoot: _temp.Combine("cache"), getEnv: _ => null);
        var e = Assert.Throws<DatasetNotFoundException>(() => locator.Locate(DatasetCatalog.Mnist, _temp.Path));
        Assert.Contains("has 3", e.Message.Replace(",", "")); // "train-images-idx3-ubyte.gz has N bytes instead of 9912422"
    }
}
