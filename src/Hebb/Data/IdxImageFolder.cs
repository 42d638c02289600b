using System.Globalization;

namespace Hebb.Data;

/// <summary>The IDX files of an image classification set: training images and labels, and test ones when present.</summary>
/// <param name="TrainImages">The training images' file.</param>
/// <param name="TrainLabels">The training labels' file.</param>
/// <param name="TestImages">The test images' file, or null when the folder has no test set.</param>
/// <param name="TestLabels">The test labels' file, or null when the folder has no test set.</param>
public sealed record IdxFiles(string TrainImages, string TrainLabels, string? TestImages, string? TestLabels);

/// <summary>
/// A folder of IDX files in MNIST's format but of any size: images [count, rows, cols] (grayscale) or
/// [count, rows, cols, channels] (channels last, 1 or 3), unsigned bytes, and labels [count], raw or gzipped.
/// Files are found by name (<see cref="Find"/>): MNIST's (train-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte, ...),
/// EMNIST's (emnist-balanced-train-images-idx3-ubyte) and the like. The classes are 0..K-1 with K the largest
/// training label + 1; they are named "0", "1", .... Instead of MNIST's checksums, the files are checked against
/// each other: counts agree, test labels are training classes, train and test images have one size.
/// </summary>
public static class IdxImageFolder
{
    /// <summary>
    /// Finds the IDX files in <paramref name="dir"/> (not its subfolders). A file counts when its name contains
    /// "idx" or "ubyte"; it holds images or labels when the name contains "images" or "labels", and is training
    /// data when it contains "train", test data when it contains "test" or "t10k". Of a file present both raw and
    /// gzipped, the raw one is read. The test pair may be absent (both files), not one of it.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is missing or several match; the one-line message lists what was
    /// found and what is expected.</exception>
    public static IdxFiles Find(string dir)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"folder '{dir}' does not exist");
        var names = Candidates(dir);
        string? Pick(string kind, bool train)
        {
            var matches = names
                .Where(n => n.Contains(kind, StringComparison.OrdinalIgnoreCase) && IsTrain(n) == train && IsTest(n) != train)
                .ToList();
            // file and file.gz: the same data twice (a kept archive), not two datasets.
            matches.RemoveAll(m => m.EndsWith(".gz", StringComparison.Ordinal) && matches.Contains(m[..^3]));
            if (matches.Count > 1)
                throw new InvalidDataException($"folder '{dir}' has {matches.Count} {(train ? "training" : "test")} {kind} files " +
                    $"({string.Join(", ", matches)}); keep one set per folder");
            return matches.Count == 1 ? Path.Combine(dir, matches[0]) : null;
        }
        string? trainImages = Pick("images", true), trainLabels = Pick("labels", true);
        string? testImages = Pick("images", false), testLabels = Pick("labels", false);
        if (trainImages is null || trainLabels is null || (testImages is null) != (testLabels is null))
        {
            string found = names.Count == 0 ? "no IDX files" : string.Join(", ", names);
            throw new InvalidDataException($"folder '{dir}' needs IDX training images and labels, and test ones if any " +
                "(e.g. train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz); " +
                $"found: {found}");
        }
        return new IdxFiles(trainImages, trainLabels, testImages, testLabels);
    }

    /// <summary>True when <paramref name="dir"/> holds any file that <see cref="Find"/> would consider.</summary>
    public static bool HasIdxFiles(string dir) => Directory.Exists(dir) && Candidates(dir).Count > 0;

    /// <summary>Loads the training set and, when the folder has one, the test set (<see cref="Find"/> names the files).</summary>
    /// <exception cref="InvalidDataException">A file is missing, damaged, or does not fit the others; the message names
    /// the file and what is wrong.</exception>
    public static (ImageDataset Train, ImageDataset? Test) Load(string dir) => Load(dir, oneSize: true);

    /// <summary>As <see cref="Load(string)"/>; without <paramref name="oneSize"/>, train and test images may differ in
    /// size (not in channels), for a caller that resizes both.</summary>
    internal static (ImageDataset Train, ImageDataset? Test) Load(string dir, bool oneSize)
    {
        var files = Find(dir);
        var train = Load(files.TrainImages, files.TrainLabels, classCount: null);
        if (files.TestImages is null) return (train, null);
        var test = Load(files.TestImages, files.TestLabels!, train.ClassCount);
        if (oneSize ? !test.SampleShape.AsSpan().SequenceEqual(train.SampleShape) : test.Channels != train.Channels)
            throw new InvalidDataException($"images file '{files.TestImages}' holds {Shape(test)} images but the training images " +
                $"in '{files.TrainImages}' are {Shape(train)}: train and test images must have one size and the same channels");
        return (train, test);
    }

    /// <summary>Loads one split: an images file and its labels file. With <paramref name="classCount"/> null the
    /// classes are 0..(largest label); otherwise every label must be below it.</summary>
    /// <exception cref="InvalidDataException">A file is damaged, has the wrong number of dimensions, the counts differ,
    /// or a label is out of range.</exception>
    public static ImageDataset Load(string imagesPath, string labelsPath, int? classCount)
    {
        IdxArray images = Idx.Read(imagesPath);
        int rank = images.Shape.Length;
        if (rank is not (3 or 4))
            throw new InvalidDataException($"images file '{imagesPath}': shape [{string.Join(", ", images.Shape)}] has {rank} " +
                "dimension(s); expected 3 [count, rows, cols] or 4 [count, rows, cols, channels]");
        int count = images.Shape[0], rows = images.Shape[1], cols = images.Shape[2], channels = rank == 4 ? images.Shape[3] : 1;
        if (channels is not (1 or 3))
            throw new InvalidDataException($"images file '{imagesPath}': dimension 3 (channels) is {channels}; expected 1 or 3");

        IdxArray labels = Idx.Read(labelsPath);
        if (labels.Shape.Length != 1)
            throw new InvalidDataException($"labels file '{labelsPath}': shape [{string.Join(", ", labels.Shape)}] has " +
                $"{labels.Shape.Length} dimensions; expected 1 [count]");
        if (labels.Shape[0] != count)
            throw new InvalidDataException($"labels file '{labelsPath}' holds {labels.Shape[0]} labels but images file " +
                $"'{imagesPath}' holds {count} images (dimension 0, the count, must agree)");

        var values = new int[count];
        int largest = 0;
        for (int i = 0; i < count; i++)
        {
            values[i] = labels.Data[i];
            largest = Math.Max(largest, values[i]);
            if (classCount is { } k && values[i] >= k)
                throw new InvalidDataException($"labels file '{labelsPath}': label {values[i]} at index {i} is not a training class " +
                    $"(the training labels are 0..{k - 1})");
        }
        int classes = classCount ?? largest + 1;
        if (classes < 2)
            throw new InvalidDataException($"labels file '{labelsPath}': every label is 0; a classifier needs at least two classes");

        byte[] pixels = channels == 1 ? images.Data : ChannelsFirst(images.Data, count, rows * cols, channels);
        var names = Enumerable.Range(0, classes).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray();
        return new ImageDataset(pixels, values, channels, rows, cols, names);
    }

    /// <summary>[count, rows, cols, channels] (IDX's natural order for colour) to [count, channels, rows, cols].</summary>
    private static byte[] ChannelsFirst(byte[] data, int count, int pixels, int channels)
    {
        var result = new byte[data.Length];
        for (int n = 0; n < count; n++)
        {
            int start = n * pixels * channels;
            for (int p = 0; p < pixels; p++)
                for (int c = 0; c < channels; c++)
                    result[start + c * pixels + p] = data[start + p * channels + c];
        }
        return result;
    }

    private static string Shape(ImageDataset d) => $"{d.Width}x{d.Height}" + (d.Channels == 3 ? " RGB" : "");

    private static List<string> Candidates(string dir) =>
        Directory.EnumerateFiles(dir).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.') && (n.Contains("idx", StringComparison.OrdinalIgnoreCase)
                || n.Contains("ubyte", StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal).ToList();

    private static bool IsTrain(string name) => name.Contains("train", StringComparison.OrdinalIgnoreCase);

    private static bool IsTest(string name) =>
        name.Contains("test", StringComparison.OrdinalIgnoreCase) || name.Contains("t10k", StringComparison.OrdinalIgnoreCase);
}
