using System.Numerics;
using System.Numerics.Tensors;

namespace Hebb.Kernels;

/// <summary>
/// Matrix product C = A·B for strided A and B (so transposed views need no copy) into a dense C.
/// float goes to <see cref="Sgemm"/> (packed, threaded); double (used by gradcheck) and vector-shaped
/// products take the simple single-threaded path below, row by row in a fixed order.
/// </summary>
internal static class Gemm
{
    /// <summary>C (m, n) = A (m, k) · B (k, n), where each matrix starts at its offset in its array.</summary>
    /// <param name="a">the array holding A</param><param name="aOff">where A starts in <paramref name="a"/></param>
    /// <param name="aRs">A's row stride</param><param name="aCs">A's column stride</param>
    /// <param name="b">the array holding B</param><param name="bOff">where B starts in <paramref name="b"/></param>
    /// <param name="bRs">B's row stride</param><param name="bCs">B's column stride</param>
    /// <param name="c">the array receiving C</param><param name="cOff">where C starts in <paramref name="c"/></param>
    /// <param name="m">rows of A and C</param><param name="k">columns of A, rows of B</param>
    /// <param name="n">columns of B and C</param>
    /// <param name="accumulate">C += A·B instead of C = A·B (e.g. onto a bias already in C)</param>
    /// <param name="ldc">C's row stride, n when omitted (a larger one writes into a column block of a wider matrix)</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ldc"/> is less than <paramref name="n"/>.</exception>
    public static void Multiply<T>(T[] a, int aOff, int aRs, int aCs, T[] b, int bOff, int bRs, int bCs,
        T[] c, int cOff, int m, int k, int n, bool accumulate = false, int ldc = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        if (ldc == 0) ldc = n;
        if (ldc < n) throw new ArgumentOutOfRangeException(nameof(ldc), $"GEMM: C's row stride {ldc} is less than its {n} columns");
        if (k == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) c.AsSpan(cOff + i * ldc, n).Clear();
            return;
        }
        // float: the packed, register-tiled SGEMM, except for vector-shaped products where its tiles would be mostly padding.
        if (typeof(T) == typeof(float) && m > 1 && n > 1)
        {
            Sgemm.Multiply((float[])(object)a, aOff, aRs, aCs, (float[])(object)b, bOff, bRs, bCs,
                (float[])(object)c, cOff, m, k, n, accumulate, ldc);
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

        for (int i = 0; i < m; i++)
        {
            var cRow = c.AsSpan(cOff + i * ldc, n);
            if (dotPath)
            {
                var aRow = a.AsSpan(aOff + i * aRs, k);
                for (int j = 0; j < n; j++)
                    cRow[j] = (accumulate ? cRow[j] : T.Zero) + TensorPrimitives.Dot<T>(aRow, b.AsSpan(bOff + j * bCs, k));
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

    /// <summary>C[i] = A[i]·B[i] for every index i of the leading (batch) dims of cShape, in row-major order:
    /// A (..., m, k) and B (..., k, n) are strided views of the same rank as C, already broadcast to its batch dims
    /// (stride 0 where one repeats); C is dense, matrix i at i·m·n.</summary>
    public static void MultiplyBatched<T>(T[] a, int aOff, ReadOnlySpan<int> aStrides, T[] b, int bOff, ReadOnlySpan<int> bStrides,
        T[] c, ReadOnlySpan<int> cShape, int m, int k, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rank = cShape.Length;
        if (m * n == 0) return;
        int batchCount = 1;
        for (int d = 0; d < rank - 2; d++) batchCount *= cShape[d];
        int aRs = aStrides[rank - 2], aCs = aStrides[rank - 1];
        int bRs = bStrides[rank - 2], bCs = bStrides[rank - 1];
        for (int i = 0; i < batchCount; i++)
        {
            int aAt = aOff, bAt = bOff, rest = i;
            for (int d = rank - 3; d >= 0; d--)
            {
                int size = cShape[d], idx = rest % size;
                rest /= size;
                aAt += idx * aStrides[d];
                bAt += idx * bStrides[d];
            }
            Multiply(a, aAt, aRs, aCs, b, bAt, bRs, bCs, c, i * m * n, m, k, n);
        }
    }
}
