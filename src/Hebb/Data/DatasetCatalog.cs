namespace Hebb.Data;

/// <summary>One file of a dataset: its name, the md5 of its exact bytes and, when known, its size in bytes.</summary>
/// <param name="Name">The file name, e.g. "train-images-idx3-ubyte.gz"; also appended to the mirrors' URLs.</param>
/// <param name="Md5">The md5 of the file's exact bytes, in hex; a download that does not match is discarded.</param>
/// <param name="Size">The size in bytes, or null when unknown.</param>
public sealed record DatasetFile(string Name, string Md5, long? Size);

/// <summary>
/// A dataset: the folder name it lives under (<see cref="Name"/>), its files, and download
/// mirrors tried in order (each is a base URL that the file name is appended to).
/// </summary>
/// <param name="Name">The dataset's name and the folder it lives under, e.g. "mnist".</param>
/// <param name="Files">The files that make up the dataset.</param>
/// <param name="BaseUrls">Download mirrors, tried in order; each is a base URL that a file name is appended to.</param>
public sealed record DatasetInfo(string Name, IReadOnlyList<DatasetFile> Files, IReadOnlyList<string> BaseUrls);

/// <summary>The datasets Hebb knows how to find and download.</summary>
public static class DatasetCatalog
{
    // Checksums and sizes are those of the original published files (the same bytes the mirrors serve).

    /// <summary>MNIST handwritten digits: 60,000 training and 10,000 test 28×28 grayscale images, labels 0-9,
    /// as gzipped IDX files.</summary>
    public static DatasetInfo Mnist { get; } = new(
        "mnist",
        [
            new("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9_912_422),
            new("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", 28_881),
            new("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", 1_648_877),
            new("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", 4_542),
        ],
        [
            // The PyTorch-maintained copy comes first: LeCun's site often refuses automated downloads.
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ]);

    /// <summary>Fashion-MNIST: 28×28 grayscale images of 10 kinds of clothing, with MNIST's file names and sizes
    /// (60,000 training and 10,000 test images).</summary>
    public static DatasetInfo FashionMnist { get; } = new(
        "fashion-mnist",
        [
            new("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", 26_421_880),
            new("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", 29_515),
            new("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", 4_422_102),
            new("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", 5_148),
        ],
        [
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        ]);

    /// <summary>Tiny Shakespeare: about 1.1 million characters of Shakespeare's plays in one input.txt, from
    /// Karpathy's char-rnn.</summary>
    public static DatasetInfo TinyShakespeare { get; } = new(
        "tinyshakespeare",
        [
            new("input.txt", "6fb458f1232090904fb40fe944165e91", 1_115_394),
        ],
        [
            "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/",
        ]);

    /// <summary>All known datasets.</summary>
    public static IReadOnlyList<DatasetInfo> All { get; } = [Mnist, FashionMnist, TinyShakespeare];

    /// <summary>Looks a dataset up by name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The name is not a known dataset; the message lists the known ones.</exception>
    public static DatasetInfo Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var d in All)
        {
            if (string.Equals(d.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
                return d;
        }
        throw new ArgumentException(
            $"Unknown dataset '{name}'. Known datasets: {string.Join(", ", All.Select(d => d.Name))}.", nameof(name));
    }
}
