using System.Numerics.Tensors;

namespace Hebb.Kernels;

/// <summary>
/// Exact GELU, x·Φ(x), and its derivative Φ(x) + x·φ(x) for float spans, vectorised: blocks of the input
/// go through whole-span TensorPrimitives passes while they sit in L1. Φ comes from erfc by the
/// Chebyshev fit of Numerical Recipes (erfcc, relative error below 1.2e-7 everywhere, so both tails keep
/// float precision): Φ(x) = 0.5 + sign(x)·(0.5 - c) with c = 0.5·erfc(|x|/√2). The double path (used by
/// gradcheck) keeps the series in <see cref="Erf"/>; the two agree to float rounding.
/// </summary>
internal static class GeluKernel
{
    private const int Block = 512;

    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => Run(x, y, gradient: false);

    /// <summary>y = x·Φ(x), also keeping Φ(x) in phi for <see cref="Backward"/>.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> phi)
    {
        Span<float> a = stackalloc float[Block], b = stackalloc float[Block];
        for (int start = 0; start < x.Length; start += Block)
        {
            int n = Math.Min(Block, x.Length - start);
            var xs = x.Slice(start, n);
            var ps = phi.Slice(start, n);
            Phi(xs, ps, a[..n], b[..n]);
            TensorPrimitives.Multiply(xs, ps, y.Slice(start, n));
        }
    }

    public static void Gradient(ReadOnlySpan<float> x, Span<float> d) => Run(x, d, gradient: true);

    /// <summary>dx = g·(Φ(x) + x·φ(x)) from the Φ kept by the forward.</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> phi, ReadOnlySpan<float> g, Span<float> dx)
    {
        Span<float> a = stackalloc float[Block];
        for (int start = 0; start < x.Length; start += Block)
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

    private static void Run(ReadOnlySpan<float> x, Span<float> y, bool gradient)
    {
        Span<float> a = stackalloc float[Block], b = stackalloc float[Block];
        for (int start = 0; start < x.Length; start += Block)
        {
            int n = Math.Min(Block, x.Length - start);
            var xs = x.Slice(start, n);
            var ys = y.Slice(start, n);
            var z = a[..n];
            var t = b[..n];
            Phi(xs, ys, z, t);
            if (!gradient)
            {
                TensorPrimitives.Multiply(xs, ys, ys); // x·Φ(x)
                continue;
            }
            // + x·φ(x), φ(x) = e^(-x²/2) / sqrt(2π)
            TensorPrimitives.Multiply(xs, xs, z);
            TensorPrimitives.Multiply(z, -0.5f, z);
            TensorPrimitives.Exp(z, z);
            TensorPrimitives.Multiply(z, xs, z);
            TensorPrimitives.MultiplyAdd(z, (float)(1 / Math.Sqrt(2 * Math.PI)), ys, ys);
        }
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
        ReadOnlySpan<float> c = [-0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f, -0.18628806f, 0.09678418f, 0.37409196f, 1.00002368f, -1.26551223f];
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
