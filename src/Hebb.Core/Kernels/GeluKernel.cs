using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Hebb.Kernels;

/// <summary>
/// Exact GELU, x·Φ(x), and its derivative Φ(x) + x·φ(x) for float spans, vectorised: blocks of the input
/// go through whole-span TensorPrimitives passes while they sit in L1. Φ comes from erfc by the
/// Chebyshev fit of Numerical Recipes (erfcc, relative error below 1.2e-7 everywhere, so both tails keep
/// float precision): Φ(x) = 0.5 + sign(x)·(0.5 - c) with c = 0.5·erfc(|x|/√2). The double path (used by
/// gradcheck) keeps the series in <see cref="Erf"/>; the two agree to float rounding. With AVX-512,
/// Forward and Backward run the whole formula in registers, 16 values at a time, instead of one pass
/// per step (the tail, and CPUs without AVX-512, take the passes).
/// </summary>
internal static class GeluKernel
{
    private const int Block = 512;

    /// <summary>y = x·Φ(x).</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => Forward(x, y, default);

    /// <summary>y = x·Φ(x), also keeping Φ(x) in phi (when not empty) for <see cref="Backward"/>.
    /// Both forms give the same numbers.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> phi)
    {
        bool keep = !phi.IsEmpty;
        int done = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; done + 16 <= x.Length; done += 16)
            {
                var v = Vector512.Create(x.Slice(done, 16));
                var p = Phi(v);
                if (keep) p.CopyTo(phi.Slice(done, 16));
                (v * p).CopyTo(y.Slice(done, 16));
            }
        }
        Span<float> a = stackalloc float[Block], b = stackalloc float[Block];
        for (int start = done; start < x.Length; start += Block)
        {
            int n = Math.Min(Block, x.Length - start);
            var xs = x.Slice(start, n);
            var ys = y.Slice(start, n);
            Phi(xs, ys, a[..n], b[..n]);
            if (keep) ys.CopyTo(phi.Slice(start, n));
            TensorPrimitives.Multiply(xs, ys, ys);
        }
    }

    /// <summary>d = Φ(x) + x·φ(x), GELU's derivative.</summary>
    public static void Gradient(ReadOnlySpan<float> x, Span<float> d)
    {
        Span<float> a = stackalloc float[Block], b = stackalloc float[Block];
        for (int start = 0; start < x.Length; start += Block)
        {
            int n = Math.Min(Block, x.Length - start);
            var xs = x.Slice(start, n);
            var ys = d.Slice(start, n);
            var z = a[..n];
            var t = b[..n];
            Phi(xs, ys, z, t);
            // + x·φ(x), φ(x) = e^(-x²/2) / sqrt(2π)
            TensorPrimitives.Multiply(xs, xs, z);
            TensorPrimitives.Multiply(z, -0.5f, z);
            TensorPrimitives.Exp(z, z);
            TensorPrimitives.Multiply(z, xs, z);
            TensorPrimitives.MultiplyAdd(z, (float)(1 / Math.Sqrt(2 * Math.PI)), ys, ys);
        }
    }

    /// <summary>dx = g·(Φ(x) + x·φ(x)) from the Φ kept by the forward.</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> phi, ReadOnlySpan<float> g, Span<float> dx)
    {
        int done = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var c = Vector512.Create((float)(1 / Math.Sqrt(2 * Math.PI)));
            for (; done + 16 <= x.Length; done += 16)
            {
                var v = Vector512.Create(x.Slice(done, 16));
                var density = Vector512.Exp(v * v * Vector512.Create(-0.5f)) * c;
                var d = Vector512.FusedMultiplyAdd(v, density, Vector512.Create(phi.Slice(done, 16)));
                (d * Vector512.Create(g.Slice(done, 16))).CopyTo(dx.Slice(done, 16));
            }
        }
        Span<float> a = stackalloc float[Block];
        for (int start = done; start < x.Length; start += Block)
        {
            int n = Math.Min(Block, x.Length - start);
            var xs = x.Slice(start, n);
            var z = a[..n];
            var ds = dx.Slice(start, n);
            TensorPrimitives.Multiply(xs, xs, z);
            TensorPrimitives.Multiply(z, -0.5f, z);
            TensorPrimitives.Exp(z, z);
            TensorPrimitives.Multiply(z, xs, z);
            TensorPrimitives.MultiplyAdd(z, (float)(1 / Math.Sqrt(2 * Math.PI)), phi.Slice(start, n), ds);
            TensorPrimitives.Multiply(ds, g.Slice(start, n), ds);
        }
    }

    /// <summary>Φ(x) for 16 values, the same steps as the span version below.</summary>
    private static Vector512<float> Phi(Vector512<float> x)
    {
        var one = Vector512<float>.One;
        var half = Vector512.Create(0.5f);
        var z = Vector512.Abs(x) * Vector512.Create((float)(1 / Math.Sqrt(2)));
        var t = one / Vector512.FusedMultiplyAdd(z, half, one);
        var p = Vector512.Create(0.17087277f);
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(-0.82215223f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(1.48851587f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(-1.13520398f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(0.27886807f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(-0.18628806f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(0.09678418f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(0.37409196f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(1.00002368f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(-1.26551223f));
        var erfc = Vector512.Exp(p - z * z) * t;
        return half + Vector512.CopySign(Vector512.FusedMultiplyAdd(erfc, -half, half), x);
    }

    /// <summary>phi = Φ(x); z and t are scratch of the same length.</summary>
    private static void Phi(ReadOnlySpan<float> x, Span<float> phi, Span<float> z, Span<float> t)
    {
        TensorPrimitives.Abs(x, z);
        TensorPrimitives.Multiply(z, (float)(1 / Math.Sqrt(2)), z);           // z = |x|/√2
        TensorPrimitives.Multiply(z, 0.5f, t);
        TensorPrimitives.Add(t, 1f, t);                                         // t = 1/(1 + z/2)
        TensorPrimitives.Reciprocal(t, t);
        // erfc(z) = t·exp(-z² - 1.26551223 + t·(1.00002368 + t·(0.37409196 + ...)))
        phi.Fill(0.17087277f);
        ReadOnlySpan<float> c =
            [-0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f, -0.18628806f, 0.09678418f, 0.37409196f, 1.00002368f, -1.26551223f];
        foreach (float coefficient in c) TensorPrimitives.MultiplyAdd(phi, t, coefficient, phi);
        TensorPrimitives.Multiply(z, z, z);
        TensorPrimitives.Subtract(phi, z, phi);
        TensorPrimitives.Exp(phi, phi);
        TensorPrimitives.Multiply(phi, t, phi);                                 // erfc(|x|/√2)
        TensorPrimitives.Multiply(phi, -0.5f, phi);
        TensorPrimitives.Add(phi, 0.5f, phi);                                   // 0.5 - c, with c = erfc/2
        TensorPrimitives.CopySign(phi, x, phi);
        TensorPrimitives.Add(phi, 0.5f, phi);                                   // Φ(x) = 0.5 + sign(x)·(0.5 - c)
    }
}
