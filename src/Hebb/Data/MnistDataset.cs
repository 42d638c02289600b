namespace Hebb.Data;

/// <summary>
/// An MNIST-format image classification set (MNIST, Fashion-MNIST): grayscale images scaled to
/// [0, 1] and their class labels 0..9, fully loaded into memory.
/// </summary>
public sealed class MnistDataset
{
    /// <summary>The number of classes: labels lie in 0..9.</summary>
    public const int ClassCount = 10;

    private float[]? _images;

    private MnistDataset(int count, int rows, int cols, byte[] pixels, int[] labels)
    {
        Count = count;
        Rows = rows;
        Cols = cols;
        Pixels = pixels;
        Labels = labels;
    }

    /// <summary>The number of images.</summary>
    public int Count { get; }
    /// <summary>The height of each image in pixels (28 for MNIST).</summary>
    public int Rows { get; }
    /// <summary>The width of each image in pixels (28 for MNIST).</summary>
    public int Cols { get; }

    /// <summary><c>Count * Rows * Cols</c> raw pixels 0..255, row-major per image (a quarter of the floats' memory).</summary>
    public byte[] Pixels { get; }

    /// <summary><c>Count * Rows * Cols</c> values, pixel / 255f in [0, 1], row-major per image
    /// (made from <see cref="Pixels"/> on first use).</summary>
    public float[] Images => _images ??= ToFloats(Pixels);

    private static float[] ToFloats(byte[] pixels)
    {
        var values = new float[pixels.Length];
        ToUnitRange(pixels, values);
        return values;
    }

    /// <summary>dst = pixel / 255f, exactly (a correctly rounded division), vectorised.</summary>
    internal static void ToUnitRange(ReadOnlySpan<byte> pixels, Span<float> dst)
    {
        System.Numerics.Tensors.TensorPrimitives.ConvertTruncating<byte, float>(pixels, dst);
        System.Numerics.Tensors.TensorPrimitives.Divide(dst, 255f, dst);
    }

    /// <summary><c>Count</c> labels in 0..9.</summary>
    public int[] Labels { get; }

    /// <summary>Loads the training or test split, finding (or downloading) the files with <paramref name="locator"/>.</summary>
    /// <exception cref="ArgumentException">The dataset does not use the MNIST file names.</exception>
    /// <exception cref="DatasetNotFoundException">The files could not be found or downloaded.</exception>
    /// <exception cref="InvalidDataException">The files are malformed or inconsistent.</exception>
    public static MnistDataset Load(DatasetInfo dataset, bool train, string? explicitPath = null, DatasetLocator? locator = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        string prefix = train ? "train" : "t10k";
        string imagesName = $"{prefix}-images-idx3-ubyte.gz";
        string labelsName = $"{prefix}-labels-idx1-ubyte.gz";

        // Fail before any lookup or download if this is not an MNIST-format dataset at all.
        if (!dataset.Files.Any(f => f.Name == imagesName) || !dataset.Files.Any(f => f.Name == labelsName))
            throw new ArgumentException(
                $"Dataset '{dataset.Name}' is not in MNIST format: it has no {imagesName} and {labelsName}.", nameof(dataset));

        string dir = (locator ?? DatasetLocator.Default).Locate(dataset, explicitPath);
        return FromFiles(Path.Combine(dir, imagesName), Path.Combine(dir, labelsName));
    }

    /// <summary>Loads an image IDX file and a label IDX file (raw or gzipped) and checks they belong together.</summary>
    internal static MnistDataset FromFiles(string imagesPath, string labelsPath)
    {
        IdxArray images = Idx.Read(imagesPath);
        if (images.Shape.Length != 3)
            throw new InvalidDataException(
                $"Images file '{imagesPath}' has shape [{string.Join(", ", images.Shape)}]; expected 3 dimensions (count, rows, cols).");

        IdxArray labels = Idx.Read(labelsPath);
        if (labels.Shape.Length != 1)
            throw new InvalidDataException(
                $"Labels file '{labelsPath}' has shape [{string.Join(", ", labels.Shape)}]; expected 1 dimension (count).");

        int count = images.Shape[0], rows = images.Shape[1], cols = images.Shape[2];
        if (labels.Shape[0] != count)
            throw new InvalidDataException(
                $"Images file '{imagesPath}' holds {count} images but labels file '{labelsPath}' holds {labels.Shape[0]} labels.");

        var labelValues = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = labels.Data[i];
            if (label >= ClassCount)
                throw new InvalidDataException(
                    $"Labels file '{labelsPath}': label {label} at index {i} is outside 0..{ClassCount - 1}.");
            labelValues[i] = label;
        }

        return new MnistDataset(count, rows, cols, images.Data, labelValues);
    }
}
