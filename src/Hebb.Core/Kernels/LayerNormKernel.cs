using System.Numerics;
using System.Numerics.Tensors;

namespace Hebb.Kernels;

/// <summary>Layer normalisation over dense rows of length n: y = (x - mean)·rstd·w + b with
/// rstd = 1/sqrt(var + eps) and the biased variance, and its backward. One pass per row, rows in order
/// (the weight and bias gradients are sums over rows, so the order is fixed).</summary>
internal static class LayerNormKernel
{
    public static void Forward<T>(
        ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, Span<T> mean, Span<T> rstd, int n, T eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T count = T.CreateTruncating(n);
        for (int r = 0, start = 0; start < x.Length; r++, start += n)
        {
            var xr = x.Slice(start, n);
            var yr = y.Slice(start, n);
            T mu = F32.Sum(xr) / count;
            SubOp.Apply(xr, mu, yr);
            T rs = T.One / T.Sqrt(Dot<T>(yr, yr) / count + eps);
            mean[r] = mu;
            rstd[r] = rs;
            MulOp.Apply<T>(yr, rs, yr);
            if (!w.IsEmpty) MulOp.Apply(yr, w, yr);
            if (!b.IsEmpty) AddOp.Apply(yr, b, yr);
        }
    }

    /// <summary>dx = rstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)) with ĝ = g·w and x̂ the normalised input;
    /// dw += Σ g·x̂ and db += Σ g over rows. Empty spans for what is not wanted; scratch holds 2n values.</summary>
    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> g, ReadOnlySpan<T> mean, ReadOnlySpan<T> rstd,
        Span<T> dx, Span<T> dw, Span<T> db, int n, Span<T> scratch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T count = T.CreateTruncating(n);
        var xhat = scratch[..n];
        var gw = scratch.Slice(n, n);
        for (int r = 0, start = 0; start < x.Length; r++, start += n)
        {
            var gr = g.Slice(start, n);
            SubOp.Apply(x.Slice(start, n), mean[r], xhat);
            MulOp.Apply<T>(xhat, rstd[r], xhat);
            if (!db.IsEmpty) AddOp.Apply<T>(db, gr, db);
            if (!dw.IsEmpty) MultiplyAdd<T>(gr, xhat, dw);
            if (dx.IsEmpty) continue;
            if (w.IsEmpty) gr.CopyTo(gw);
            else MulOp.Apply(gr, w, gw);
            T a = F32.Sum<T>(gw) / count, c = Dot<T>(gw, xhat) / count;
            var dxr = dx.Slice(start, n);
            // dx = rstd·(gw - a - x̂·c)
            MulOp.Apply<T>(xhat, -c, dxr);
            AddOp.Apply<T>(dxr, gw, dxr);
            SubOp.Apply(dxr, a, dxr);
            MulOp.Apply<T>(dxr, rstd[r], dxr);
        }
    }

    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T> => F32.Dot(a, b);

    /// <summary>acc += a·b element-wise.</summary>
    public static void MultiplyAdd<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> acc) where T : unmanaged, IFloatingPointIeee754<T> =>
        F32.MultiplyAdd(a, b, acc, acc);
}
