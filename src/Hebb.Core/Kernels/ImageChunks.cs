namespace Hebb.Kernels;

/// <summary>
/// A batch of images in at most <see cref="MaxChunks"/> chunks, whatever the thread count: each chunk sums
/// its own weight gradient and the sums are added in chunk order, so results are bitwise the same on any
/// number of threads. A thread takes consecutive chunks, i.e. the same consecutive share of the batch as
/// the pooling and element-wise kernels, so activations stay in the cache of the core that made them.
/// Shared by both convolution paths, <see cref="Conv2dDirect"/> and <see cref="Conv2dIm2Col{T}"/>.
/// </summary>
internal readonly record struct ImageChunks(int Images, int Count, int Size, int Parts)
{
    public const int MaxChunks = 8;

    /// <summary>Splits a batch into chunks and decides how many threads take them.</summary>
    /// <param name="images">the batch size</param>
    /// <param name="flops">the work of the whole call: small problems (and gradcheck's) stay on the calling thread</param>
    public static ImageChunks For(int images, long flops)
    {
        int count = Math.Max(1, Math.Min(images, MaxChunks)); // an empty batch still makes one (empty) chunk
        int size = Math.Max(1, (images + count - 1) / count);
        count = (images + size - 1) / size;
        return new(images, count, size, flops < 1_000_000 ? 1 : Math.Min(ComputeSettings.Threads, count));
    }

    public (int First, int Last) ChunksOf(int part, int parts) => (Count * part / parts, Count * (part + 1) / parts);

    public (int First, int Last) ImagesOf(int chunk) => (chunk * Size, Math.Min(Images, (chunk + 1) * Size));
}
