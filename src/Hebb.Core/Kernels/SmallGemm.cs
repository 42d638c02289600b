using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hebb.Kernels;

/// <summary>
/// Unpacked, single-threaded products for the small matrices of a convolution's per-image step
/// (e.g. 6x25 · 25x784 in LeNet's first layer). At these sizes packing panels for the
/// <see cref="Sgemm"/> micro-kernel costs as much as the arithmetic and its 12-row tiles are half
/// padding; here the rows of B (or of both operands) are streamed straight from where they lie.
/// Results depend only on the shapes, never on the thread count.
/// </summary>
internal static class SmallGemm
{
    /// <summary>C (m×n, row stride ldc) = or += A·B, with A (m×k) at strides aRs/aCs and B (k×n) row-major
    /// with row stride ldb. Four rows of C by two vectors of columns are held in registers over all of k.</summary>
    public static void MultiplyRowMajorB(ReadOnlySpan<float> a, int aRs, int aCs, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, int m, int k, int n, bool accumulate)
    {
        if (m == 0 || n == 0) return;
        // The register blocks read through refs: every row and column they touch must lie in the spans.
        if ((long)(m - 1) * aRs + (long)(k - 1) * aCs >= a.Length && k > 0
            || (long)(k - 1) * ldb + n > b.Length && k > 0
            || (long)(m - 1) * ldc + n > c.Length)
            throw new ArgumentException($"SmallGemm: operands too short for a {m}x{k} by {k}x{n} product");
        int width = Vector<float>.Count;
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float b0 = ref MemoryMarshal.GetReference(b);
        ref float c0 = ref MemoryMarshal.GetReference(c);
        int blockRows = m - m % 4, step = 2 * width, full = n - n % step;
        for (int i = 0; i < blockRows; i += 4)
            for (int j = 0; j < full; j += step)
                Block4x2(ref Unsafe.Add(ref a0, i * aRs), aRs, aCs, ref Unsafe.Add(ref b0, j), ldb,
                    ref Unsafe.Add(ref c0, i * ldc + j), ldc, k, width, accumulate);
        if (full < n && blockRows > 0)
        {
            // The last columns (fewer than two vectors): copied once into a zero-padded strip of B, so the
            // same register block runs on them instead of a scalar loop (which is latency-bound).
            int tail = n - full;
            var strip = TailStrip(k * step);
            for (int p = 0; p < k; p++)
            {
                b.Slice(p * ldb + full, tail).CopyTo(strip.AsSpan(p * step, tail));
                strip.AsSpan(p * step + tail, step - tail).Clear();
            }
            Span<float> block = stackalloc float[4 * step];
            for (int i = 0; i < blockRows; i += 4)
            {
                block.Clear();
                for (int r = 0; r < 4 && accumulate; r++) c.Slice((i + r) * ldc + full, tail).CopyTo(block.Slice(r * step, tail));
                Block4x2(ref Unsafe.Add(ref a0, i * aRs), aRs, aCs, ref strip[0], step,
                    ref MemoryMarshal.GetReference(block), step, k, width, accumulate: true);
                for (int r = 0; r < 4; r++) block.Slice(r * step, tail).CopyTo(c.Slice((i + r) * ldc + full, tail));
            }
        }
        // Rows left over from the blocks of four: one axpy per k.
        for (int r = blockRows; r < m; r++)
        {
            var row = c.Slice(r * ldc, n);
            if (!accumulate) row.Clear();
            for (int p = 0; p < k; p++)
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), a[r * aRs + p * aCs], row, row);
        }
    }

    /// <summary>C[0..4, 0..2w] (+)= A[0..4, :] · B[:, 0..2w], refs pointing at the block's first row/column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block4x2(
        ref float ai, int aRs, int aCs, ref float bj, int ldb, ref float c00, int ldc, int k, int width, bool accumulate)
    {
        Vector<float> s00, s01, s10, s11, s20, s21, s30, s31;
        if (accumulate)
        {
            s00 = Load(ref c00, 0); s01 = Load(ref c00, width);
            s10 = Load(ref c00, ldc); s11 = Load(ref c00, ldc + width);
            s20 = Load(ref c00, 2 * ldc); s21 = Load(ref c00, 2 * ldc + width);
            s30 = Load(ref c00, 3 * ldc); s31 = Load(ref c00, 3 * ldc + width);
        }
        else
        {
            s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = Vector<float>.Zero;
        }
        for (int p = 0; p < k; p++)
        {
            ref float bp = ref Unsafe.Add(ref bj, p * ldb);
            var v0 = Load(ref bp, 0);
            var v1 = Load(ref bp, width);
            ref float ap = ref Unsafe.Add(ref ai, p * aCs);
            var x = new Vector<float>(ap);
            s00 = Vector.FusedMultiplyAdd(x, v0, s00); s01 = Vector.FusedMultiplyAdd(x, v1, s01);
            x = new Vector<float>(Unsafe.Add(ref ap, aRs));
            s10 = Vector.FusedMultiplyAdd(x, v0, s10); s11 = Vector.FusedMultiplyAdd(x, v1, s11);
            x = new Vector<float>(Unsafe.Add(ref ap, 2 * aRs));
            s20 = Vector.FusedMultiplyAdd(x, v0, s20); s21 = Vector.FusedMultiplyAdd(x, v1, s21);
            x = new Vector<float>(Unsafe.Add(ref ap, 3 * aRs));
            s30 = Vector.FusedMultiplyAdd(x, v0, s30); s31 = Vector.FusedMultiplyAdd(x, v1, s31);
        }
        Store(s00, ref c00, 0); Store(s01, ref c00, width);
        Store(s10, ref c00, ldc); Store(s11, ref c00, ldc + width);
        Store(s20, ref c00, 2 * ldc); Store(s21, ref c00, 2 * ldc + width);
        Store(s30, ref c00, 3 * ldc); Store(s31, ref c00, 3 * ldc + width);
    }

    /// <summary>C (m×n, row stride ldc) = or += A·Bᵀ with A (m×k) and B (n×k) both row-major (row strides
    /// lda, ldb): every entry is a dot product of two contiguous rows, taken two rows of A by two of B at a time.</summary>
    public static void MultiplyTransposedB(ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, int m, int k, int n, bool accumulate)
    {
        int width = Vector<float>.Count, kv = k - k % width;
        int i = 0;
        for (; i + 2 <= m; i += 2)
        {
            int j = 0;
            for (; j + 2 <= n; j += 2)
            {
                ReadOnlySpan<float> a0 = a.Slice(i * lda, k), a1 = a.Slice((i + 1) * lda, k);
                ReadOnlySpan<float> b0 = b.Slice(j * ldb, k), b1 = b.Slice((j + 1) * ldb, k);
                Vector<float> s00 = default, s01 = default, s10 = default, s11 = default;
                for (int p = 0; p < kv; p += width)
                {
                    var x0 = new Vector<float>(a0[p..]);
                    var x1 = new Vector<float>(a1[p..]);
                    var y0 = new Vector<float>(b0[p..]);
                    var y1 = new Vector<float>(b1[p..]);
                    s00 = Vector.FusedMultiplyAdd(x0, y0, s00); s01 = Vector.FusedMultiplyAdd(x0, y1, s01);
                    s10 = Vector.FusedMultiplyAdd(x1, y0, s10); s11 = Vector.FusedMultiplyAdd(x1, y1, s11);
                }
                float t00 = Vector.Sum(s00), t01 = Vector.Sum(s01), t10 = Vector.Sum(s10), t11 = Vector.Sum(s11);
                for (int p = kv; p < k; p++)
                {
                    t00 += a0[p] * b0[p]; t01 += a0[p] * b1[p];
                    t10 += a1[p] * b0[p]; t11 += a1[p] * b1[p];
                }
                Put(c, i * ldc + j, t00, accumulate); Put(c, i * ldc + j + 1, t01, accumulate);
                Put(c, (i + 1) * ldc + j, t10, accumulate); Put(c, (i + 1) * ldc + j + 1, t11, accumulate);
            }
            for (; j < n; j++)
            {
                Put(c, i * ldc + j, Dot(a.Slice(i * lda, k), b.Slice(j * ldb, k)), accumulate);
                Put(c, (i + 1) * ldc + j, Dot(a.Slice((i + 1) * lda, k), b.Slice(j * ldb, k)), accumulate);
            }
        }
        for (; i < m; i++)
            for (int j = 0; j < n; j++) Put(c, i * ldc + j, Dot(a.Slice(i * lda, k), b.Slice(j * ldb, k)), accumulate);
    }

    [ThreadStatic] private static float[]? _tailStrip;

    private static float[] TailStrip(int length)
    {
        if (_tailStrip is null || _tailStrip.Length < length) _tailStrip = new float[Math.Max(length, 4096)];
        return _tailStrip;
    }

    private static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => System.Numerics.Tensors.TensorPrimitives.Dot(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(Span<float> c, int at, float value, bool accumulate) => c[at] = accumulate ? c[at] + value : value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(ref float at, int offset) =>
        Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref at, offset)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector<float> v, ref float at, int offset) =>
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref at, offset)), v);
}
