using System.Numerics;

namespace Hebb.Kernels;

/// <summary>Strided, broadcasting loops that hand whole rows to the vectorised ops.</summary>
internal static class Elementwise
{
    /// <summary>d = op(x, y) where x and y are strided views already broadcast to d's shape
    /// (stride 0 on broadcast dims) and d is dense row-major with strides dStrides.</summary>
    public static void Binary<TOp, T>(T[] x, int xOff, ReadOnlySpan<int> xStrides, T[] y, int yOff, ReadOnlySpan<int> yStrides,
        Span<T> d, ReadOnlySpan<int> shape, ReadOnlySpan<int> dStrides) where TOp : IBinaryOp where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<int> scratch = stackalloc int[StridedLayout.ScratchSize(shape.Length)];
        var it = new StridedLayout(shape, xStrides, xOff, yStrides, yOff, dStrides, 0, scratch);
        int n = it.Inner, sx = it.InnerStride0, sy = it.InnerStride1;
        for (int r = 0; r < it.Rows; r++)
        {
            var row = d.Slice(it.Off2, n);
            if (sx == 1 && sy == 1) TOp.Apply<T>(x.AsSpan(it.Off0, n), y.AsSpan(it.Off1, n), row);
            else if (sx == 1 && sy == 0) TOp.Apply(x.AsSpan(it.Off0, n), y[it.Off1], row);
            else if (sx == 0 && sy == 1) TOp.Apply(x[it.Off0], y.AsSpan(it.Off1, n), row);
            else
            {
                for (int j = 0, ox = it.Off0, oy = it.Off1; j < n; j++, ox += sx, oy += sy)
                    row[j] = TOp.Apply(x[ox], y[oy]);
            }
            it.NextRow();
        }
    }

    /// <summary>dst[view] += src (dense, same shape as the view): used to accumulate in place.</summary>
    public static void AddInto<T>(
        T[] dst, int dOff, ReadOnlySpan<int> dStrides, T[] src, int sOff, ReadOnlySpan<int> sStrides, ReadOnlySpan<int> shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<int> scratch = stackalloc int[StridedLayout.ScratchSize(shape.Length)];
        var it = new StridedLayout(shape, dStrides, dOff, sStrides, sOff, default, 0, scratch);
        int n = it.Inner, sd = it.InnerStride0, ss = it.InnerStride1;
        for (int r = 0; r < it.Rows; r++)
        {
            if (sd == 0 && ss == 1)
            {
                dst[it.Off0] += F32.Sum<T>(src.AsSpan(it.Off1, n));
            }
            else if (sd == 1 && ss == 1)
            {
                var row = dst.AsSpan(it.Off0, n);
                AddOp.Apply<T>(row, src.AsSpan(it.Off1, n), row);
            }
            // A broadcast source (stride 0, e.g. the gradient of y.Sum()) repeats one value along the row.
            else if (sd == 0 && ss == 0)
            {
                dst[it.Off0] += T.CreateTruncating(n) * src[it.Off1]; // n·value (n >= 1 here), not n additions
            }
            else if (sd == 1 && ss == 0)
            {
                var row = dst.AsSpan(it.Off0, n);
                AddOp.Apply<T>(row, src[it.Off1], row);
            }
            else
            {
                for (int j = 0, od = it.Off0, os = it.Off1; j < n; j++, od += sd, os += ss) dst[od] += src[os];
            }
            it.NextRow();
        }
    }
}
