using System.Numerics;
using System.Numerics.Tensors;

namespace Hebb.Kernels;

// The element-wise math, written once for float and double. Each op is a struct so the JIT
// specialises the loops in Elementwise for it (no delegate call per element or per row).
// For float, the calls go to TensorPrimitives' float overloads (via F32): measured here, the
// generic TensorPrimitives<T> entry points are 2-8x slower for float on the same spans.

/// <summary>Views float-typed generic spans as float spans (a no-op the JIT removes).</summary>
internal static class F32
{
    public static bool Is<T>() => typeof(T) == typeof(float);
    public static ReadOnlySpan<float> R<T>(ReadOnlySpan<T> s) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(s);
    public static Span<float> W<T>(Span<T> s) where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(s);
    public static float V<T>(T v) where T : unmanaged => System.Runtime.CompilerServices.Unsafe.As<T, float>(ref v);
    public static T Back<T>(float v) where T : unmanaged => System.Runtime.CompilerServices.Unsafe.As<float, T>(ref v);

    public static T Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Is<T>() ? Back<T>(TensorPrimitives.Sum(R(x))) : TensorPrimitives.Sum(x);

    public static T Max<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Is<T>() ? Back<T>(TensorPrimitives.Max(R(x))) : TensorPrimitives.Max(x);

    public static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
        Is<T>() ? Back<T>(TensorPrimitives.Dot(R(x), R(y))) : TensorPrimitives.Dot(x, y);

    /// <summary>d = x·y + a, element-wise.</summary>
    public static void MultiplyAdd<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> a, Span<T> d)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Is<T>()) TensorPrimitives.MultiplyAdd(R(x), R(y), R(a), W(d));
        else TensorPrimitives.MultiplyAdd(x, y, a, d);
    }
}

internal interface IUnaryOp
{
    static abstract void Apply<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>;
}

internal interface IBinaryOp
{
    static abstract T Apply<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T>;
    static abstract void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>;
    static abstract void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>;
    static abstract void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>;
}

internal struct AddOp : IBinaryOp
{
    public static T Apply<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => x + y;
    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Add(F32.R(x), F32.R(y), F32.W(d));
        else TensorPrimitives.Add(x, y, d);
    }
    public static void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Add(F32.R(x), F32.V(y), F32.W(d));
        else TensorPrimitives.Add(x, y, d);
    }
    public static void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => Apply(y, x, d);
}

internal struct SubOp : IBinaryOp
{
    public static T Apply<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => x - y;
    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Subtract(F32.R(x), F32.R(y), F32.W(d));
        else TensorPrimitives.Subtract(x, y, d);
    }
    public static void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Subtract(F32.R(x), F32.V(y), F32.W(d));
        else TensorPrimitives.Subtract(x, y, d);
    }
    public static void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.Subtract(x, y, d);
}

internal struct MulOp : IBinaryOp
{
    public static T Apply<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => x * y;
    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Multiply(F32.R(x), F32.R(y), F32.W(d));
        else TensorPrimitives.Multiply(x, y, d);
    }
    public static void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Multiply(F32.R(x), F32.V(y), F32.W(d));
        else TensorPrimitives.Multiply(x, y, d);
    }
    public static void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => Apply(y, x, d);
}

internal struct DivOp : IBinaryOp
{
    public static T Apply<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => x / y;
    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Divide(F32.R(x), F32.R(y), F32.W(d));
        else TensorPrimitives.Divide(x, y, d);
    }
    public static void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Divide(F32.R(x), F32.V(y), F32.W(d));
        else TensorPrimitives.Divide(x, y, d);
    }
    public static void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.Divide(x, y, d);
}

internal struct PowOp : IBinaryOp
{
    public static T Apply<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => T.Pow(x, y);
    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.Pow(x, y, d);
    public static void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.Pow(x, y, d);
    public static void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.Pow(x, y, d);
}

/// <summary>Element-wise maximum; NaN propagates.</summary>
internal struct MaxOp : IBinaryOp
{
    public static T Apply<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => T.Max(x, y);
    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Max(F32.R(x), F32.R(y), F32.W(d));
        else TensorPrimitives.Max(x, y, d);
    }
    public static void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.Max(x, y, d);
    public static void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.Max(y, x, d);
}

internal struct MinOp : IBinaryOp
{
    public static T Apply<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => T.Min(x, y);
    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Min(F32.R(x), F32.R(y), F32.W(d));
        else TensorPrimitives.Min(x, y, d);
    }
    public static void Apply<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.Min(x, y, d);
    public static void Apply<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.Min(y, x, d);
}

internal struct NegOp : IUnaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Negate(F32.R(x), F32.W(d));
        else TensorPrimitives.Negate(x, d);
    }
}

internal struct ExpOp : IUnaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Exp(F32.R(x), F32.W(d));
        else TensorPrimitives.Exp(x, d);
    }
}

internal struct LogOp : IUnaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Log(F32.R(x), F32.W(d));
        else TensorPrimitives.Log(x, d);
    }
}

internal struct SqrtOp : IUnaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sqrt(x, d);
}

internal struct AbsOp : IUnaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Abs(F32.R(x), F32.W(d));
        else TensorPrimitives.Abs(x, d);
    }
}

/// <summary>sign(x): -1, 0 or +1 (the derivative of |x|, with 0 at 0 as in PyTorch).</summary>
internal struct SignOp : IUnaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) d[i] = T.IsNaN(x[i]) ? x[i] : T.CreateTruncating(T.Sign(x[i]));
    }
}

/// <summary>sigma(x) = 1 / (1 + e^-x).</summary>
internal struct SigmoidOp : IUnaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Sigmoid(F32.R(x), F32.W(d));
        else TensorPrimitives.Sigmoid(x, d);
    }
}

internal struct TanhOp : IUnaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>()) TensorPrimitives.Tanh(F32.R(x), F32.W(d));
        else TensorPrimitives.Tanh(x, d);
    }
}

/// <summary>ReLU = max(0, s).</summary>
internal struct ReluOp : IUnaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.Max(x, T.Zero, d);
}

/// <summary>ReLU's backward in one pass: g where x &gt; 0, else 0 (0 at 0 and for NaN, as in PyTorch).
/// Branch-free: on real activations the sign is a coin toss a branch would mispredict half the time.</summary>
internal struct ReluGradOp : IBinaryOp
{
    public static T Apply<T>(T x, T g) where T : unmanaged, IFloatingPointIeee754<T> => x > T.Zero ? g : T.Zero;

    public static void Apply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref T x0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
            ref T g0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(g);
            ref T d0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(d);
            if (g.Length < x.Length || d.Length < x.Length) throw new ArgumentException("ReluGrad: spans of different lengths");
            for (; i + Vector<T>.Count <= x.Length; i += Vector<T>.Count)
            {
                var positive = Vector.GreaterThan(Vector.LoadUnsafe(ref x0, (nuint)i), Vector<T>.Zero);
                Vector.ConditionalSelect(positive, Vector.LoadUnsafe(ref g0, (nuint)i), Vector<T>.Zero).StoreUnsafe(ref d0, (nuint)i);
            }
        }
        for (; i < x.Length; i++) d[i] = Apply(x[i], g[i]);
    }

    public static void Apply<T>(ReadOnlySpan<T> x, T g, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) d[i] = Apply(x[i], g);
    }

    public static void Apply<T>(T x, ReadOnlySpan<T> g, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x > T.Zero) g.CopyTo(d);
        else d.Clear();
    }
}

/// <summary>GELU(x) = x·Φ(x), exact (with erf). The op, with its backward, is in Ops/Activations.cs.</summary>
internal struct GeluOp : IUnaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>())
        {
            GeluKernel.Forward(F32.R(x), F32.W(d)); // vectorised; the series below is for double
            return;
        }
        for (int i = 0; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            d[i] = T.CreateTruncating(0.5 * v * (1 + Erf.Compute(v / Math.Sqrt(2))));
        }
    }
}

/// <summary>d/dx x·Φ(x) = Φ(x) + x·φ(x).</summary>
internal struct GeluGradOp : IUnaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (F32.Is<T>())
        {
            GeluKernel.Gradient(F32.R(x), F32.W(d));
            return;
        }
        for (int i = 0; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            double cdf = 0.5 * (1 + Erf.Compute(v / Math.Sqrt(2)));
            double pdf = Math.Exp(-0.5 * v * v) / Math.Sqrt(2 * Math.PI);
            d[i] = T.CreateTruncating(cdf + v * pdf);
        }
    }
}

/// <summary>GPT-2's tanh approximation of GELU: 0.5x(1 + tanh(sqrt(2/π)(x + 0.044715x³))).</summary>
internal struct GeluTanhOp : IUnaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double c = Math.Sqrt(2 / Math.PI);
        for (int i = 0; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            d[i] = T.CreateTruncating(0.5 * v * (1 + Math.Tanh(c * (v + 0.044715 * v * v * v))));
        }
    }
}

/// <summary>The derivative of <see cref="GeluTanhOp"/>.</summary>
internal struct GeluTanhGradOp : IUnaryOp
{
    public static void Apply<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double c = Math.Sqrt(2 / Math.PI);
        for (int i = 0; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            double t = Math.Tanh(c * (v + 0.044715 * v * v * v));
            d[i] = T.CreateTruncating(0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v));
        }
    }
}
