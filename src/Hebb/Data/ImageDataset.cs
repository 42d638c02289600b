namespace Hebb.Data;

/// <summary>
/// Labelled images held in memory as bytes, all of one size: what <see cref="ImageFolder"/> and
/// <see cref="IdxImageFolder"/> load. Pixels are channel-first (for each image, <see cref="Channels"/> planes of
/// <see cref="Height"/> x <see cref="Width"/>), as PyTorch lays them out; a model sees each value as pixel / 255.
/// <see cref="ToTensorDataset"/> turns it into what a <see cref="DataLoader"/> takes.
/// </summary>
public sealed class ImageDataset
{
    /// <summary>Wraps images and labels (neither array is copied) after checking they fit together.</summary>
    /// <param name="pixels"><c>Count * Channels * Height * Width</c> bytes, channel-first per image.</param>
    /// <param name="labels">One class index per image, each in 0..classNames.Count-1.</param>
    /// <param name="channels">1 (grayscale) or 3 (red, green, blue).</param>
    /// <param name="height">Rows of each image.</param>
    /// <param name="width">Columns of each image.</param>
    /// <param name="classNames">The name of each class, in label order.</param>
    /// <exception cref="ArgumentException">The sizes do not fit together, or a label is out of range.</exception>
    public ImageDataset(byte[] pixels, int[] labels, int channels, int height, int width, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (channels is not (1 or 3)) throw new ArgumentException($"images must have 1 or 3 channels, got {channels}", nameof(channels));
        if (height <= 0 || width <= 0) throw new ArgumentException($"image size must be positive, got {height}x{width}");
        if ((long)labels.Length * channels * height * width != pixels.Length)
            throw new ArgumentException($"{pixels.Length} bytes are not {labels.Length} images of {channels}x{height}x{width}");
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new ArgumentException($"label {labels[i]} of image {i} is outside 0..{classNames.Count - 1}", nameof(labels));
        Pixels = pixels;
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        ClassNames = classNames;
    }

    /// <summary>The images' bytes 0..255, channel-first per image, image after image.</summary>
    public byte[] Pixels { get; }
    /// <summary>One class index per image.</summary>
    public int[] Labels { get; }
    /// <summary>The number of images.</summary>
    public int Count => Labels.Length;
    /// <summary>1 for grayscale, 3 for RGB.</summary>
    public int Channels { get; }
    /// <summary>The rows of each image.</summary>
    public int Height { get; }
    /// <summary>The columns of each image.</summary>
    public int Width { get; }
    /// <summary>The classes' names in label order (the sorted folder names of an image folder; "0", "1", ... for IDX labels).</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>The number of classes (including any without images).</summary>
    public int ClassCount => ClassNames.Count;
    /// <summary>[Channels, Height, Width]: the shape of one image, as a convolutional network takes it.</summary>
    public int[] SampleShape => [Channels, Height, Width];
    /// <summary>Channels * Height * Width: the values in one image, as a multilayer perceptron takes it.</summary>
    public int SampleSize => Channels * Height * Width;

    /// <summary>How this data was prepared for a model (channels, size, class names), to save with the model.</summary>
    public ImagePreprocessing Preprocessing => new(Channels, Height, Width, ClassNames);

    /// <summary>The number of images of each class, in label order.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassCount];
        foreach (int label in Labels) counts[label]++;
        return counts;
    }

    /// <summary>The images at <paramref name="indices"/>, in that order (a copy).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside 0..Count-1.</exception>
    public ImageDataset Select(ReadOnlySpan<int> indices)
    {
        int size = SampleSize;
        var pixels = new byte[indices.Length * size];
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int j = indices[i];
            if ((uint)j >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {j} is outside 0..{Count - 1}");
            Pixels.AsSpan(j * size, size).CopyTo(pixels.AsSpan(i * size));
            labels[i] = Labels[j];
        }
        return new ImageDataset(pixels, labels, Channels, Height, Width, ClassNames);
    }

    /// <summary>The same images in an order fixed by <paramref name="seed"/> (a copy). An image folder lists its
    /// images class by class, so a limit or a validation split that takes the first or last rows needs this first.</summary>
    public ImageDataset Shuffle(int seed)
    {
        var order = new int[Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        new Generator(seed).Shuffle(order);
        return Select(order);
    }

    /// <summary>Every image resized to <paramref name="height"/> x <paramref name="width"/> (area averaging to shrink,
    /// bilinear to grow; see <see cref="ImagePreprocessing"/>); the same size returns this dataset.</summary>
    public ImageDataset Resize(int height, int width)
    {
        if (height == Height && width == Width) return this;
        int size = SampleSize, newSize = Channels * height * width;
        var pixels = new byte[Count * newSize];
        for (int i = 0; i < Count; i++)
            ImageResize.Resize(Pixels.AsSpan(i * size, size), Channels, Height, Width, height, width).CopyTo(pixels, i * newSize);
        return new ImageDataset(pixels, Labels, Channels, height, width, ClassNames);
    }

    /// <summary>The images as a byte-backed <see cref="TensorDataset"/>: inputs of shape [Channels, Height, Width]
    /// with values pixel / 255, int32 labels as targets.</summary>
    public TensorDataset ToTensorDataset() => TensorDataset.FromImages(Pixels, SampleShape, Labels);
}
