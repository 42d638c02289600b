using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hebb.Kernels;

/// <summary>
/// Convolution as an implicit GEMM, without im2col. For stride 1 and dilation 1, lay the zero-padded
/// input image out flat, x[c·Hp·Wp + h·Wp + w]; then output pixel (oh, ow) read at q = oh·Wp + ow
/// needs x[q + off(c, i, j)] with off = c·Hp·Wp + i·Wp + j. Each kernel tap is a shifted view of the
/// same buffer, so "row (c, i, j) of the columns matrix" is just x + off: the product
/// Y[r, q] = Σ_k W[r, k] · x[off_k + q] runs over q in whole vectors and never copies a column.
/// Columns ow ≥ OW (q wrapping into the next row) are computed and thrown away by the caller.
/// Callers give every image buffer <see cref="Slack"/> zeroed floats past its end, so the last
/// vectors may read past the image.
/// Where this sits: these are the register-tiled inner loops; <see cref="Conv2dDirect"/> (padding, packing,
/// chunks of images, the weight gradient's chunk sums) calls them; Ops/Conv2dOp.cs is the op, with Conv2d's
/// forward (Conv2dOp.Forward) and backward (class Conv2dBackward).
/// </summary>
internal static unsafe class DirectConv
{
    /// <summary>Zeroed floats each image buffer needs past its data for a kernel of width kw.</summary>
    public static int Slack(int kw) => 2 * 16 + 16 + kw;

    /// <summary>Columns per block of <see cref="Forward"/> (q counts are rounded up to it).</summary>
    public static int ColumnBlock(SimdPath path) => 2 * Width(path);

    public static int Width(SimdPath path) => path switch { SimdPath.Avx512 => 16, SimdPath.Avx2 => 8, _ => 4 };

    /// <summary>Most rows of W one forward block holds in registers (2 accumulators per row).</summary>
    public static int MaxRows(SimdPath path) => path == SimdPath.Avx512 ? 8 : 6;

    /// <summary>
    /// y[r·ldy + q] = Σ_p wPack[p·rows + r] · x[offsets[p] + q] for r &lt; rows (at most <see cref="MaxRows"/>)
    /// and q &lt; qCount (a multiple of <see cref="ColumnBlock"/>). wPack holds this row block of W
    /// packed tap-major, so the rows' weights for one tap are adjacent.
    /// </summary>
    public static void Forward(SimdPath path, int rows, float* wPack, int* offsets, int k, float* x, float* y, int ldy, int qCount)
    {
        switch (path)
        {
            case SimdPath.Avx512: Forward<Vector512Ops, Vector512<float>>(rows, wPack, offsets, k, x, y, ldy, qCount); break;
            case SimdPath.Avx2: Forward<Vector256Ops, Vector256<float>>(rows, wPack, offsets, k, x, y, ldy, qCount); break;
            default: Forward<Vector128Ops, Vector128<float>>(rows, wPack, offsets, k, x, y, ldy, qCount); break;
        }
    }

    private static void Forward<TOps, TV>(int rows, float* w, int* off, int k, float* x, float* y, int ldy, int q)
        where TOps : struct, IVectorOps<TV> where TV : struct
    {
        switch (rows)
        {
            case 1: ForwardBlock<TOps, TV, C1>(w, off, k, x, y, ldy, q); break;
            case 2: ForwardBlock<TOps, TV, C2>(w, off, k, x, y, ldy, q); break;
            case 3: ForwardBlock<TOps, TV, C3>(w, off, k, x, y, ldy, q); break;
            case 4: ForwardBlock<TOps, TV, C4>(w, off, k, x, y, ldy, q); break;
            case 5: ForwardBlock<TOps, TV, C5>(w, off, k, x, y, ldy, q); break;
            case 6: ForwardBlock<TOps, TV, C6>(w, off, k, x, y, ldy, q); break;
            case 7: ForwardBlock<TOps, TV, C7>(w, off, k, x, y, ldy, q); break;
            case 8: ForwardBlock<TOps, TV, C8>(w, off, k, x, y, ldy, q); break;
            default: throw new ArgumentOutOfRangeException(nameof(rows), $"DirectConv: {rows} rows per block, at most 8");
        }
    }

    /// <summary>R rows by two vectors of columns: per tap, two loads of x, R broadcasts of W and 2R FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardBlock<TOps, TV, TR>(float* w, int* off, int k, float* x, float* y, int ldy, int qCount)
        where TOps : struct, IVectorOps<TV> where TV : struct where TR : struct, IConstant
    {
        int rows = TR.Value, width = TOps.Width;
        for (int q = 0; q < qCount; q += 2 * width)
        {
            TV c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero,
                c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
            TV c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero,
                c60 = TOps.Zero, c61 = TOps.Zero, c70 = TOps.Zero, c71 = TOps.Zero;
            float* xq = x + q, wp = w;
            for (int p = 0; p < k; p++, wp += rows)
            {
                float* src = xq + off[p];
                TV b0 = TOps.Load(src), b1 = TOps.Load(src + width);
                TV a = TOps.Broadcast(wp); c00 = TOps.MultiplyAdd(a, b0, c00); c01 = TOps.MultiplyAdd(a, b1, c01);
                if (rows > 1) { a = TOps.Broadcast(wp + 1); c10 = TOps.MultiplyAdd(a, b0, c10); c11 = TOps.MultiplyAdd(a, b1, c11); }
                if (rows > 2) { a = TOps.Broadcast(wp + 2); c20 = TOps.MultiplyAdd(a, b0, c20); c21 = TOps.MultiplyAdd(a, b1, c21); }
                if (rows > 3) { a = TOps.Broadcast(wp + 3); c30 = TOps.MultiplyAdd(a, b0, c30); c31 = TOps.MultiplyAdd(a, b1, c31); }
                if (rows > 4) { a = TOps.Broadcast(wp + 4); c40 = TOps.MultiplyAdd(a, b0, c40); c41 = TOps.MultiplyAdd(a, b1, c41); }
                if (rows > 5) { a = TOps.Broadcast(wp + 5); c50 = TOps.MultiplyAdd(a, b0, c50); c51 = TOps.MultiplyAdd(a, b1, c51); }
                if (rows > 6) { a = TOps.Broadcast(wp + 6); c60 = TOps.MultiplyAdd(a, b0, c60); c61 = TOps.MultiplyAdd(a, b1, c61); }
                if (rows > 7) { a = TOps.Broadcast(wp + 7); c70 = TOps.MultiplyAdd(a, b0, c70); c71 = TOps.MultiplyAdd(a, b1, c71); }
            }
            float* yq = y + q;
            TOps.Store(yq, c00); TOps.Store(yq + width, c01);
            if (rows > 1) { yq += ldy; TOps.Store(yq, c10); TOps.Store(yq + width, c11); }
            if (rows > 2) { yq += ldy; TOps.Store(yq, c20); TOps.Store(yq + width, c21); }
            if (rows > 3) { yq += ldy; TOps.Store(yq, c30); TOps.Store(yq + width, c31); }
            if (rows > 4) { yq += ldy; TOps.Store(yq, c40); TOps.Store(yq + width, c41); }
            if (rows > 5) { yq += ldy; TOps.Store(yq, c50); TOps.Store(yq + width, c51); }
            if (rows > 6) { yq += ldy; TOps.Store(yq, c60); TOps.Store(yq + width, c61); }
            if (rows > 7) { yq += ldy; TOps.Store(yq, c70); TOps.Store(yq + width, c71); }
        }
    }

    /// <summary>
    /// The weight gradient over several images: dw[r·ldw + p] += Σ_n Σ_q g_n[r·ldg + q] · x_n[offsets[p] + q]
    /// for r &lt; rows, p &lt; k, q &lt; qCount (a multiple of the vector width). g_n is the output gradient in
    /// the flat layout with zeros in the thrown-away columns. Blocks of 4 rows by 3 taps keep 12 vector
    /// sums in registers across all the images; each is reduced to a scalar once.
    /// </summary>
    public static void WeightGrad(
        SimdPath path, float** gs, float** xs, int images, int rows, int ldg, int* offsets, int k, int qCount, float* dw, int ldw)
    {
        switch (path)
        {
            case SimdPath.Avx512: WeightGrad<Vector512Ops, Vector512<float>>(gs, xs, images, rows, ldg, offsets, k, qCount, dw, ldw); break;
            case SimdPath.Avx2: WeightGrad<Vector256Ops, Vector256<float>>(gs, xs, images, rows, ldg, offsets, k, qCount, dw, ldw); break;
            default: WeightGrad<Vector128Ops, Vector128<float>>(gs, xs, images, rows, ldg, offsets, k, qCount, dw, ldw); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGrad<TOps, TV>(
        float** gs, float** xs, int images, int rows, int ldg, int* off, int k, int qCount, float* dw, int ldw)
        where TOps : struct, IVectorOps<TV> where TV : struct
    {
        int width = TOps.Width;
        for (int r0 = 0; r0 < rows; r0 += 4)
            for (int p0 = 0; p0 < k; p0 += 3)
            {
                // Past the last row or tap, read row/tap 0 again (valid memory) and drop the sums.
                int g1 = r0 + 1 < rows ? ldg : 0, g2 = r0 + 2 < rows ? 2 * ldg : 0, g3 = r0 + 3 < rows ? 3 * ldg : 0;
                int o0 = off[p0], o1 = p0 + 1 < k ? off[p0 + 1] : o0, o2 = p0 + 2 < k ? off[p0 + 2] : o0;
                TV s00 = TOps.Zero, s01 = TOps.Zero, s02 = TOps.Zero, s10 = TOps.Zero, s11 = TOps.Zero, s12 = TOps.Zero;
                TV s20 = TOps.Zero, s21 = TOps.Zero, s22 = TOps.Zero, s30 = TOps.Zero, s31 = TOps.Zero, s32 = TOps.Zero;
                for (int n = 0; n < images; n++)
                {
                    float* g = gs[n] + (long)r0 * ldg, x = xs[n];
                    float* x0 = x + o0, x1 = x + o1, x2 = x + o2;
                    for (int q = 0; q < qCount; q += width)
                    {
                        TV b0 = TOps.Load(x0 + q), b1 = TOps.Load(x1 + q), b2 = TOps.Load(x2 + q);
                        TV a = TOps.Load(g + q);
                        s00 = TOps.MultiplyAdd(a, b0, s00); s01 = TOps.MultiplyAdd(a, b1, s01); s02 = TOps.MultiplyAdd(a, b2, s02);
                        a = TOps.Load(g + g1 + q);
                        s10 = TOps.MultiplyAdd(a, b0, s10); s11 = TOps.MultiplyAdd(a, b1, s11); s12 = TOps.MultiplyAdd(a, b2, s12);
                        a = TOps.Load(g + g2 + q);
                        s20 = TOps.MultiplyAdd(a, b0, s20); s21 = TOps.MultiplyAdd(a, b1, s21); s22 = TOps.MultiplyAdd(a, b2, s22);
                        a = TOps.Load(g + g3 + q);
                        s30 = TOps.MultiplyAdd(a, b0, s30); s31 = TOps.MultiplyAdd(a, b1, s31); s32 = TOps.MultiplyAdd(a, b2, s32);
                    }
                }
                Add(dw, ldw, r0, p0, rows, k, 0, s00, s01, s02);
                Add(dw, ldw, r0, p0, rows, k, 1, s10, s11, s12);
                Add(dw, ldw, r0, p0, rows, k, 2, s20, s21, s22);
                Add(dw, ldw, r0, p0, rows, k, 3, s30, s31, s32);
            }

        static void Add(float* dw, int ldw, int r0, int p0, int rows, int k, int r, TV s0, TV s1, TV s2)
        {
            if (r0 + r >= rows) return;
            float* d = dw + (long)(r0 + r) * ldw + p0;
            d[0] += TOps.Sum(s0);
            if (p0 + 1 < k) d[1] += TOps.Sum(s1);
            if (p0 + 2 < k) d[2] += TOps.Sum(s2);
        }
    }
}
