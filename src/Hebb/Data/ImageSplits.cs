using System.Globalization;

namespace Hebb.Data;

/// <summary>
/// A training and a test set of images read from a folder in either layout <see cref="Load"/> knows, with what
/// was decided on the way (<see cref="Notes"/>: a held-out test split, the channels chosen, classes without images).
/// </summary>
/// <param name="Train">The training images, shuffled with the seed (see <see cref="Load"/>).</param>
/// <param name="Test">The test images, in the order they were read.</param>
/// <param name="Layout">"image folders" or "IDX files".</param>
/// <param name="Notes">One sentence each, for the user.</param>
public sealed record ImageSplits(ImageDataset Train, ImageDataset Test, string Layout, IReadOnlyList<string> Notes)
{
    /// <summary>True when the folder had no test set and <see cref="Test"/> was held out of its images.</summary>
    public bool TestHeldOut { get; init; }

    /// <summary>
    /// Reads <paramref name="dir"/>: image folders when it has a <c>train/</c> subfolder (<c>train/&lt;class&gt;/*.png</c>
    /// and optionally <c>test/&lt;class&gt;/...</c>, see <see cref="ImageFolder"/>), else IDX files (see
    /// <see cref="IdxImageFolder"/>). Without a test set, a <paramref name="testSplit"/> fraction of the images, drawn
    /// with <paramref name="seed"/>, is held out as one. The training images are then shuffled with
    /// <paramref name="seed"/>, because image folders list them class by class and a limit or a validation split
    /// takes the first or last rows. Test images must have the training images' size unless
    /// <paramref name="imageSize"/> resizes both.
    /// </summary>
    /// <param name="dir">The dataset folder.</param>
    /// <param name="imageSize">Resize every image to this many rows and columns; null keeps the files' size.</param>
    /// <param name="channels">1 or 3; null takes the IDX files' channels, or for image folders 1 when every training
    /// image is grayscale, else 3.</param>
    /// <param name="testSplit">The fraction held out as the test set when there is none, in (0, 1).</param>
    /// <param name="seed">Fixes the held-out split and the training order.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The folder holds neither layout, or a file in it is wrong.</exception>
    public static ImageSplits Load(string dir, int? imageSize = null, int? channels = null, double testSplit = 0.2, int seed = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        if (imageSize is <= 0) throw new ArgumentException($"the image size must be positive, got {imageSize}", nameof(imageSize));
        if (channels is { } c && c is not (1 or 3)) throw new ArgumentException($"channels must be 1 or 3, got {c}", nameof(channels));
        if (!(testSplit > 0 && testSplit < 1))
            throw new ArgumentException($"the test split must be in (0, 1), got {testSplit}", nameof(testSplit));
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException(File.Exists(dir) ? $"'{dir}' is a file, not a folder" : $"folder '{dir}' does not exist");

        var notes = new List<string>();
        ImageDataset train;
        ImageDataset? test;
        bool heldOut = false;
        string layout;
        string trainDir = Path.Combine(dir, "train"), testDir = Path.Combine(dir, "test");
        if (Directory.Exists(trainDir))
        {
            layout = "image folders";
            train = ImageFolder.Load(trainDir, imageSize, channels);
            if (channels is null)
                notes.Add(train.Channels == 1 ? "every training image is grayscale: 1 channel (--channels 3 for RGB)"
                    : "some training images are in colour: 3 channels, RGB (--channels 1 for grayscale)");
            test = Directory.Exists(testDir) ? ImageFolder.LoadLike(testDir, train, resize: imageSize is not null) : null;
        }
        else if (IdxImageFolder.HasIdxFiles(dir))
        {
            layout = "IDX files";
            (train, test) = IdxImageFolder.Load(dir, oneSize: imageSize is null);
            if (channels is { } wanted && wanted != train.Channels)
                throw new ArgumentException(
                    $"{wanted} channel(s) asked for, but the IDX images in '{dir}' have {train.Channels}", nameof(channels));
            if (imageSize is { } size)
            {
                train = train.Resize(size, size);
                test = test?.Resize(size, size);
            }
        }
        else
        {
            var entries = Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Take(8).ToArray();
            throw new InvalidDataException($"folder '{dir}' holds neither a train/ folder of class folders (train/<class>/*.png) " +
                "nor IDX files (train-images-idx3-ubyte.gz, ...); " +
                $"found: {(entries.Length == 0 ? "nothing" : string.Join(", ", entries))}");
        }

        if (test is null)
        {
            heldOut = true;
            int held = (int)Math.Round(train.Count * testSplit);
            if (held == 0 || held == train.Count)
                throw new InvalidDataException($"folder '{dir}' has no test set, and a test split of " +
                    $"{testSplit.ToString(CultureInfo.InvariantCulture)} of its {train.Count} images leaves none to test or to train");
            var shuffled = train.Shuffle(seed);
            var order = Enumerable.Range(0, train.Count).ToArray();
            test = shuffled.Select(order.AsSpan(train.Count - held));
            train = shuffled.Select(order.AsSpan(0, train.Count - held));
            notes.Add($"no test set: {held:N0} of the {shuffled.Count:N0} images ({testSplit.ToString(CultureInfo.InvariantCulture)}) " +
                "are held out to test, chosen with the seed");
        }
        else
        {
            train = train.Shuffle(seed);
        }

        var counts = train.ClassCounts();
        var empty = Enumerable.Range(0, counts.Length).Where(k => counts[k] == 0).Select(k => train.ClassNames[k]).ToArray();
        if (empty.Length > 0)
            notes.Add($"class{(empty.Length > 1 ? "es" : "")} {ImageFolder.Describe(empty)} ha{(empty.Length > 1 ? "ve" : "s")} " +
                $"no training images (labels are 0..{counts.Length - 1})");
        return new ImageSplits(train, test, layout, notes) { TestHeldOut = heldOut };
    }
}
