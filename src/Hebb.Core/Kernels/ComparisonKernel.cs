namespace Hebb.Kernels;

/// <summary>
/// The loops of Ops/Comparison.cs: element-wise comparisons into int32 0/1 masks, and the conversions between
/// dtypes, which go through double (exact for float32, float64 and int32 alike).
/// </summary>
internal static class ComparisonKernel
{
    /// <summary>result[i] = predicate(x[i], y[i]) ? 1 : 0.</summary>
    public static void Compare(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Func<double, double, bool> predicate, Span<int> result)
    {
        for (int i = 0; i < x.Length; i++) result[i] = predicate(x[i], y[i]) ? 1 : 0;
    }

    /// <summary>dst[i] = src[srcOff + i] for i &lt; dst.Length, widened to double.</summary>
    public static void ToDoubles(float[] src, int srcOff, Span<double> dst)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = src[srcOff + i];
    }

    /// <inheritdoc cref="ToDoubles(float[], int, Span{double})"/>
    public static void ToDoubles(int[] src, int srcOff, Span<double> dst)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = src[srcOff + i];
    }

    /// <summary>dst[i] = (float)src[i], rounded to nearest.</summary>
    public static void ToFloats(ReadOnlySpan<double> src, Span<float> dst)
    {
        for (int i = 0; i < src.Length; i++) dst[i] = (float)src[i];
    }

    /// <summary>dst[i] = (int)src[i], truncated toward zero; NaN and values beyond int32 are refused.</summary>
    public static void ToInt32(ReadOnlySpan<double> src, Span<int> dst)
    {
        for (int i = 0; i < src.Length; i++)
        {
            if (double.IsNaN(src[i]) || Math.Abs(src[i]) > int.MaxValue)
                throw new OverflowException($"To(int32): value {src[i]} at flat index {i} does not fit in int32");
            dst[i] = (int)src[i];
        }
    }
}
