using Hebb.Cli.Recipes;
using Hebb.Data;
using Xunit.Abstractions;

namespace Hebb.Tests.Data;

/// <summary>Image folders (train/&lt;class&gt;/*.png) read into the same tensors as IDX files of the same images.</summary>
public sealed class ImageFolderTests(RealMnistFixture real, ITestOutputHelper output) : IClassFixture<RealMnistFixture>, IDisposable
{
    private readonly TestData.TempFolder _temp = TestData.CreateTempFolder();

    public void Dispose() => _temp.Dispose();

    /// <summary>LeNet-5 for two epochs on 3,000 training digits, seed 0: the same for every layout.</summary>
    private static double TestAccuracy(ImageSplits splits)
    {
        var options = new ClassifierOptions { Model = ModelKind.LeNet5, Epochs = 2, Seed = 0, Classes = splits.Train.ClassCount };
        return ClassifierRecipe.Run(options, splits.Train.ToTensorDataset(), splits.Test.ToTensorDataset()).Test.Accuracy;
    }

    [Fact]
    public void PngFoldersGiveTheIdxTensorsAndAccuracyExactlyAndJpegComesWithinAPoint()
    {
        var train = ImageFiles.Take(real.Train, 3000);
        var test = ImageFiles.Take(real.Test, 1000);
        string idx = _temp.Combine("idx"), png = _temp.Combine("png"), jpeg = _temp.Combine("jpeg");
        ImageFiles.WriteIdx(idx, "train", train, 28);
        ImageFiles.WriteIdx(idx, "t10k", test, 28);
        ImageFiles.WriteFolders(png, "train", train, 28);
        ImageFiles.WriteFolders(png, "test", test, 28);
        ImageFiles.WriteFolders(jpeg, "train", train, 28, jpegQuality: 90);
        ImageFiles.WriteFolders(jpeg, "test", test, 28, jpegQuality: 90);

        var fromIdx = ImageSplits.Load(idx, seed: 0);
        var fromPng = ImageSplits.Load(png, seed: 0);
        var fromJpeg = ImageSplits.Load(jpeg, seed: 0);
        Assert.Equal("IDX files", fromIdx.Layout);
        Assert.Equal("image folders", fromPng.Layout);
        foreach (var splits in new[] { fromIdx, fromPng, fromJpeg })
        {
            Assert.Equal((3000, 1000, 1, 28, 28), (splits.Train.Count, splits.Test.Count, splits.Train.Channels, splits.Train.Height,
                splits.Train.Width));
            Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], splits.Train.ClassNames);
        }
        // PNG is lossless: the same pixels, labels and order, so the same tensors.
        Assert.Equal(fromIdx.Train.Pixels, fromPng.Train.Pixels);
        Assert.Equal(fromIdx.Train.Labels, fromPng.Train.Labels);
        Assert.Equal(fromIdx.Test.Pixels, fromPng.Test.Pixels);
        Assert.Equal(fromIdx.Test.Labels, fromPng.Test.Labels);
        Assert.Equal(fromIdx.Train.ToTensorDataset().Inputs.ToArray<float>(), fromPng.Train.ToTensorDataset().Inputs.ToArray<float>());
        // JPEG is not: the same labels, pixels a little off.
        Assert.Equal(fromIdx.Train.Labels, fromJpeg.Train.Labels);
        double meanError = fromIdx.Train.Pixels.Zip(fromJpeg.Train.Pixels, (a, b) => Math.Abs(a - b)).Average();
        Assert.InRange(meanError, 0.01, 8);

        double idxAccuracy = TestAccuracy(fromIdx), pngAccuracy = TestAccuracy(fromPng), jpegAccuracy = TestAccuracy(fromJpeg);
        output.WriteLine($"test accuracy: IDX {idxAccuracy:P2}, PNG {pngAccuracy:P2}, JPEG q90 {jpegAccuracy:P2} " +
            $"(JPEG mean pixel error {meanError:F2} of 255)");
        Assert.InRange(idxAccuracy, 0.8, 1.0);
        Assert.Equal(idxAccuracy, pngAccuracy);
        Assert.InRange(jpegAccuracy, idxAccuracy - 0.01, idxAccuracy + 0.01);
    }

    [Fact]
    public void WithoutATestFolderASeededShareIsHeldOutAndTheTrainingImagesAreShuffled()
    {
        var digits = ImageFiles.Take(real.Test, 200);
        ImageFiles.WriteFolders(_temp.Path, "train", digits, 28);
        var splits = ImageSplits.Load(_temp.Path, testSplit: 0.25, seed: 3);
        Assert.True(splits.TestHeldOut);
        Assert.Equal((150, 50), (splits.Train.Count, splits.Test.Count));
        Assert.Contains(splits.Notes, n => n.Contains("50 of the 200 images", StringComparison.Ordinal));
        Assert.Contains(splits.Notes, n => n.Contains("grayscale: 1 channel", StringComparison.Ordinal));
        // Class by class on disk, mixed after loading; the same seed gives the same split.
        Assert.True(splits.Train.Labels.Take(20).Distinct().Count() > 3);
        var again = ImageSplits.Load(_temp.Path, testSplit: 0.25, seed: 3);
        Assert.Equal(splits.Test.Pixels, again.Test.Pixels);
        Assert.Equal(splits.Train.Labels, again.Train.Labels);
        Assert.NotEqual(splits.Train.Labels, ImageSplits.Load(_temp.Path, testSplit: 0.25, seed: 4).Train.Labels);
    }

    [Fact]
    public void ColourImagesAreReadChannelFirstAndChannelsAreChosenFromTheImages()
    {
        // A 2x1 image: a red pixel and a blue one.
        _temp.Write("train/a/x.png", ImageFiles.Png([255, 0, 0, 0, 0, 255], 2, 1, 3));
        _temp.Write("train/b/y.png", ImageFiles.Png([10, 20], 2, 1, 1));
        var colour = ImageFolder.Load(_temp.Combine("train"));
        Assert.Equal(3, colour.Channels);
        Assert.Equal(["a", "b"], colour.ClassNames);
        Assert.Equal(new byte[] { 255, 0, 0, 0, 0, 255 }, colour.Pixels[..6]); // R plane, G plane, B plane
        Assert.Equal(new byte[] { 10, 20, 10, 20, 10, 20 }, colour.Pixels[6..]); // gray read as RGB: three equal planes

        var gray = ImageFolder.Load(_temp.Combine("train"), channels: 1);
        Assert.Equal(1, gray.Channels);
        Assert.Equal(new byte[] { 10, 20 }, gray.Pixels[2..]);

        // What a predict command does with a saved model's preprocessing: the same values the training set held.
        var input = gray.Preprocessing;
        Assert.Equal(ImagePreprocessing.FromMetadata(input.ToMetadata(), "model")!.ClassNames, input.ClassNames);
        Assert.Equal([10 / 255f, 20 / 255f], input.LoadImage(_temp.Combine("train", "b", "y.png")));
        Assert.Equal(4 * 4 * 3, ImageFolder.LoadImage(_temp.Combine("train", "a", "x.png"), 3, 4).Length);
    }

    [Fact]
    public void ImagesOfDifferentSizesNeedAnImageSize()
    {
        _temp.Write("train/a/x.png", ImageFiles.Png(new byte[4 * 4], 4, 4, 1));
        _temp.Write("train/b/y.png", ImageFiles.Png(new byte[6 * 3], 6, 3, 1));
        var e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_temp.Combine("train")));
        Assert.Contains("y.png' is 6x3", e.Message);
        Assert.Contains("--image-size", e.Message);
        var resized = ImageFolder.Load(_temp.Combine("train"), imageSize: 5);
        Assert.Equal((5, 5, 2), (resized.Height, resized.Width, resized.Count));
    }

    [Fact]
    public void ACorruptImageIsNamed()
    {
        var png = ImageFiles.Png(TestData.Ramp(64), 8, 8, 1);
        _temp.Write("train/a/good.png", png);
        _temp.Write("train/b/cut.png", png[..(png.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_temp.Combine("train")));
        Assert.Contains("cut.png", e.Message);
        Assert.Single(e.Message.Split('\n'));

        _temp.Write("train/b/cut.png", "not an image at all"u8.ToArray());
        e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_temp.Combine("train")));
        Assert.Contains("cut.png' is not a PNG, JPEG or BMP image", e.Message);
    }

    [Fact]
    public void EmptyClassFoldersMissingFoldersAndUnknownTestClassesAreRefused()
    {
        Directory.CreateDirectory(_temp.Combine("train"));
        var e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_temp.Combine("train")));
        Assert.Contains("has no class folders", e.Message);

        _temp.Write("train/cat/1.png", ImageFiles.Png(new byte[4], 2, 2, 1));
        _temp.Write("train/dog/notes.txt", "not an image"u8.ToArray());
        e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_temp.Combine("train")));
        Assert.Contains($"class folder '{_temp.Combine("train", "dog")}' has no images", e.Message);

        _temp.Write("train/dog/1.bmp", ImageFiles.Png(new byte[4], 2, 2, 1)); // a PNG named .bmp: decoded by its content
        var train = ImageFolder.Load(_temp.Combine("train"));
        _temp.Write("test/bird/1.png", ImageFiles.Png(new byte[4], 2, 2, 1));
        e = Assert.Throws<InvalidDataException>(() => ImageFolder.LoadLike(_temp.Combine("test"), train));
        Assert.Contains("bird are not among the training classes (cat, dog)", e.Message);

        Assert.Throws<DirectoryNotFoundException>(() => ImageFolder.Load(_temp.Combine("nowhere")));
    }

    [Fact]
    public void ATestFolderMayLackAClassAndKeepsTheTrainingLabels()
    {
        _temp.Write("train/a/1.png", ImageFiles.Png([1, 1, 1, 1], 2, 2, 1));
        _temp.Write("train/b/1.png", ImageFiles.Png([2, 2, 2, 2], 2, 2, 1));
        _temp.Write("train/c/1.png", ImageFiles.Png([3, 3, 3, 3], 2, 2, 1));
        _temp.Write("test/c/1.png", ImageFiles.Png([9, 9, 9, 9], 2, 2, 1));
        var splits = ImageSplits.Load(_temp.Path);
        Assert.False(splits.TestHeldOut);
        Assert.Equal([2], splits.Test.Labels);
        Assert.Equal(["a", "b", "c"], splits.Test.ClassNames);
    }

    [Fact]
    public void PreprocessingMetadataThatIsDamagedIsRefusedAndAbsentIsNull()
    {
        Assert.Null(ImagePreprocessing.FromMetadata(new Dictionary<string, string> { ["model"] = "mlp" }, "m"));
        var meta = new ImagePreprocessing(3, 32, 24, ["cat", "dog, grey"]).ToMetadata();
        Assert.Equal(["cat", "dog, grey"], ImagePreprocessing.FromMetadata(meta, "m")!.ClassNames);
        meta[ImagePreprocessing.ClassNamesKey] = "cat,dog";
        Assert.Contains("class_names", Assert.Throws<InvalidDataException>(() => ImagePreprocessing.FromMetadata(meta, "m")).Message);
        meta.Remove(ImagePreprocessing.WidthKey);
        Assert.Contains("image_width", Assert.Throws<InvalidDataException>(() => ImagePreprocessing.FromMetadata(meta, "m")).Message);
    }
}
