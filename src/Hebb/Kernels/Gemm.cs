using System.Numerics;
using System.Numerics.Tensors;

namespace Hebb.Kernels;

/// <summary>
/// Matrix product C = A·B for strided A and B (so transposed views need no copy) into a dense C.
/// float goes to <see cref="Sgemm"/>; double (used by gradcheck) and vector-shaped products take the
/// simple path below, where each output row is computed by one thread in a fixed order.
/// </summary>
internal static class Gemm
{
    private const long ParallelThreshold = 1 << 18; // multiply-adds below which threads cost more than they save

    /// <param name="aRs">A's row stride</param><param name="aCs">A's column stride</param>
    /// <param name="accumulate">C += A·B instead of C = A·B (e.g. onto a bias already in C)</param>
    public static void Multiply<T>(T[] a, int aOff, int aRs, int aCs, T[] b, int bOff, int bRs, int bCs,
        T[] c, int cOff, int m, int k, int n, bool accumulate = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) c.AsSpan(cOff, m * n).Clear();
            return;
        }
        // float: the packed, register-tiled SGEMM, except for vector-shaped products where its tiles would be mostly padding.
        if (typeof(T) == typeof(float) && m > 1 && n > 1)
        {
            Sgemm.Multiply((float[])(object)a, aOff, aRs, aCs, (float[])(object)b, bOff, bRs, bCs, (float[])(object)c, cOff, m, k, n, accumulate);
            return;
        }
        bool dotPath = bCs != 1 && bRs == 1 && aCs == 1;
        if (!dotPath && bCs != 1 && n > 1)
        {
            // Pack B densely so each of its rows is a contiguous span for the axpy loop.
            var packed = new T[k * n];
            Copy.ToContiguous(b, bOff, [k, n], [bRs, bCs], packed);
            b = packed; bOff = 0; bRs = n; bCs = 1;
        }

        long work = (long)m * n * k;
        if (work < ParallelThreshold || m == 1)
        {
            Rows(a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, 0, m, k, n, dotPath, accumulate);
            return;
        }
        int workers = Parallelism.MaxThreads;
        int chunk = (m + workers - 1) / workers;
        Parallel.For(0, workers, w =>
        {
            int start = w * chunk, end = Math.Min(m, start + chunk);
            if (start < end) Rows(a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, start, end, k, n, dotPath, accumulate);
        });
    }

    private static void Rows<T>(T[] a, int aOff, int aRs, int aCs, T[] b, int bOff, int bRs, int bCs,
        T[] c, int cOff, int rowStart, int rowEnd, int k, int n, bool dotPath, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = rowStart; i < rowEnd; i++)
        {
            var cRow = c.AsSpan(cOff + i * n, n);
            if (dotPath)
            {
                var aRow = a.AsSpan(aOff + i * aRs, k);
                for (int j = 0; j < n; j++) cRow[j] = (accumulate ? cRow[j] : T.Zero) + TensorPrimitives.Dot<T>(aRow, b.AsSpan(bOff + j * bCs, k));
                continue;
            }
            if (!accumulate) cRow.Clear();
            for (int p = 0; p < k; p++)
            {
                T aip = a[aOff + i * aRs + p * aCs];
                TensorPrimitives.MultiplyAdd<T>(b.AsSpan(bOff + p * bRs, n), aip, cRow, cRow);
            }
        }
    }
}
