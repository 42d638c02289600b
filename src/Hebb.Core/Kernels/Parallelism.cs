namespace Hebb;

/// <summary>How many threads Hebb's kernels may use (default: all cores). Results do not depend on it:
/// kernels split output tiles among threads, never a reduction.</summary>
public static class Parallelism
{
    /// <summary>The SIMD path the matrix-multiply kernel picked for this CPU.</summary>
    public static Kernels.GemmPath GemmPath => Kernels.Sgemm.DetectedPath;

    private static int _maxThreads = Environment.ProcessorCount;

    public static int MaxThreads
    {
        get => _maxThreads;
        set => _maxThreads = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"MaxThreads must be at least 1, got {value}");
    }
}
