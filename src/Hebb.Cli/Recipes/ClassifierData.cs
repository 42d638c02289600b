using System.Globalization;
using Hebb.Data;

namespace Hebb.Cli.Recipes;

/// <summary>
/// What `hebb train mnist|fashion-mnist|images` trains and tests on, how it is described to the user, and how its
/// images were prepared (<see cref="Input"/>, saved with the model so that a new image can be prepared the same way).
/// </summary>
/// <param name="Train">The training set (after --train-limit).</param>
/// <param name="Test">The test set.</param>
/// <param name="Input">Channels, size and class names of the images.</param>
/// <param name="Source">What the data is, for the first line of a run: "mnist", or the folder and its layout.</param>
/// <param name="Notes">What was decided on the way (held-out test set, channels chosen, empty classes).</param>
public sealed record ClassifierData(
    TensorDataset Train, TensorDataset Test, ImagePreprocessing Input, string Source, IReadOnlyList<string> Notes)
{
    /// <summary>The name `hebb train images` gives its data in a model file ("dataset").</summary>
    public const string ImagesDataset = "images";

    /// <summary>With no test set in the user's folder: the fraction held out to test (with the run's seed), so that
    /// `hebb eval` holds out the same images.</summary>
    public double? HeldOutSplit { get; init; }

    /// <summary>What a model file keeps about this data: the input pipeline and, when the test set was held out, its
    /// fraction ("test_split").</summary>
    public Dictionary<string, string> Metadata()
    {
        var meta = Input.ToMetadata();
        if (HeldOutSplit is double split) meta["test_split"] = split.ToString("R", CultureInfo.InvariantCulture);
        return meta;
    }

    private static readonly string[] FashionClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>MNIST or Fashion-MNIST: 28x28 grayscale images of 10 classes, found as the catalog says.</summary>
    public static ClassifierData Named(string dataset, string? dataPath, int trainLimit)
    {
        var (train, test) = ClassifierRecipe.LoadData(dataset, dataPath, trainLimit);
        string[] names = dataset == DatasetCatalog.FashionMnist.Name
            ? FashionClasses
            : [.. Enumerable.Range(0, 10).Select(c => c.ToString(CultureInfo.InvariantCulture))];
        return new ClassifierData(train, test, new ImagePreprocessing(1, 28, 28, names), dataset, []);
    }

    /// <summary>A folder of the user's own images, in either layout <see cref="ImageSplits.Load"/> reads.</summary>
    /// <param name="dir">The folder (--data).</param>
    /// <param name="imageSize">--image-size, or null.</param>
    /// <param name="channels">--channels, or null.</param>
    /// <param name="testSplit">--test-split, or null for the default 0.2 (given with a test set, it is refused).</param>
    /// <param name="seed">--seed: fixes a held-out test split and the training order.</param>
    /// <param name="trainLimit">--train-limit (0: all).</param>
    public static ClassifierData Images(string dir, int? imageSize, int? channels, double? testSplit, int seed, int trainLimit)
    {
        var splits = ImageSplits.Load(dir, imageSize, channels, testSplit ?? 0.2, seed);
        if (testSplit is not null && !splits.TestHeldOut)
            throw new ArgumentException($"--test-split: '{dir}' has a test set, so nothing is held out (leave --test-split out)");
        var train = splits.Train.ToTensorDataset();
        if (trainLimit > 0 && trainLimit < train.Count) train = train.Slice(0, trainLimit);
        var input = splits.Train.Preprocessing;
        string colour = input.Channels == 1 ? "grayscale" : "RGB";
        string source = $"{dir} ({splits.Layout}; {input.Width}x{input.Height} {colour}, {input.ClassNames.Count} classes: " +
            $"{ShortList(input.ClassNames)})";
        return new ClassifierData(train, splits.Test.ToTensorDataset(), input, source, splits.Notes)
        {
            HeldOutSplit = splits.TestHeldOut ? testSplit ?? 0.2 : null,
        };
    }

    private static string ShortList(IReadOnlyList<string> names) =>
        names.Count <= 12 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(10))}, ...";
}
