namespace Hebb.Kernels;

/// <summary>Copies between memory layouts: strided views to and from dense arrays, and a row repeated.</summary>
internal static class Copy
{
    /// <summary>Gathers a strided view into a dense row-major destination.</summary>
    public static void ToContiguous<T>(T[] src, int srcOffset, ReadOnlySpan<int> shape, ReadOnlySpan<int> srcStrides, Span<T> dst)
        where T : unmanaged
    {
        Span<int> scratch = stackalloc int[StridedLayout.ScratchSize(shape.Length)];
        var dstStrides = ShapeUtil.ContiguousStrides(shape);
        var it = new StridedLayout(shape, srcStrides, srcOffset, dstStrides, 0, default, 0, scratch);
        int inner = it.Inner, s = it.InnerStride0;
        for (int r = 0; r < it.Rows; r++)
        {
            var d = dst.Slice(it.Off1, inner);
            if (s == 1) src.AsSpan(it.Off0, inner).CopyTo(d);
            else for (int j = 0, o = it.Off0; j < inner; j++, o += s) d[j] = src[o];
            it.NextRow();
        }
    }

    /// <summary>Scatters a dense source into a strided view (used to write into slices).</summary>
    public static void FromContiguous<T>(ReadOnlySpan<T> src, T[] dst, int dstOffset, ReadOnlySpan<int> shape, ReadOnlySpan<int> dstStrides)
        where T : unmanaged
    {
        Span<int> scratch = stackalloc int[StridedLayout.ScratchSize(shape.Length)];
        var srcStrides = ShapeUtil.ContiguousStrides(shape);
        var it = new StridedLayout(shape, dstStrides, dstOffset, srcStrides, 0, default, 0, scratch);
        int inner = it.Inner, s = it.InnerStride0;
        for (int r = 0; r < it.Rows; r++)
        {
            var srcRow = src.Slice(it.Off1, inner);
            if (s == 1) srcRow.CopyTo(dst.AsSpan(it.Off0, inner));
            else for (int j = 0, o = it.Off0; j < inner; j++, o += s) dst[o] = srcRow[j];
            it.NextRow();
        }
    }

    /// <summary>dst row r = row for every r &lt; rows (a bias broadcast over the rows of a matrix before a GEMM adds onto it).</summary>
    public static void RepeatRow<T>(ReadOnlySpan<T> row, Span<T> dst, int rows) where T : unmanaged
    {
        for (int r = 0; r < rows; r++) row.CopyTo(dst.Slice(r * row.Length, row.Length));
    }
}
