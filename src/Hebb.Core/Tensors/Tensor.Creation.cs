namespace Hebb;

/// <summary>Factory methods. Random ones always take an explicit <see cref="Generator"/>.</summary>
public sealed partial class Tensor
{
    /// <summary>A float32 tensor of the given shape filled with 0, e.g. <c>Tensor.Zeros(64, 10)</c>; no shape gives a
    /// scalar. As torch.zeros.</summary>
    public static Tensor Zeros(params int[] shape) => Empty(DType.Float32, (int[])shape.Clone());

    /// <summary>A tensor of the given dtype and shape filled with 0. As torch.zeros(..., dtype=...).</summary>
    public static Tensor Zeros(DType dtype, params int[] shape) => Empty(dtype, (int[])shape.Clone());

    /// <summary>A float32 tensor of the given shape filled with 1. As torch.ones.</summary>
    public static Tensor Ones(params int[] shape) => Full(1.0, DType.Float32, shape);

    /// <summary>A tensor of the given dtype and shape filled with 1. As torch.ones(..., dtype=...).</summary>
    public static Tensor Ones(DType dtype, params int[] shape) => Full(1.0, dtype, shape);

    /// <summary>A float32 tensor of the given shape with every element <paramref name="value"/>. As torch.full.</summary>
    public static Tensor Full(double value, params int[] shape) => Full(value, DType.Float32, shape);

    /// <summary>A tensor of the given dtype and shape with every element <paramref name="value"/> (converted to the
    /// dtype). As torch.full(..., dtype=...).</summary>
    /// <exception cref="OverflowException">An int32 tensor is given a value outside the int range.</exception>
    public static Tensor Full(double value, DType dtype, params int[] shape)
    {
        var t = Empty(dtype, (int[])shape.Clone());
        t.FillInPlace(value);
        return t;
    }

    /// <summary>A new contiguous tensor of zeros with <paramref name="t"/>'s shape and dtype (not requiring grad).
    /// As torch.zeros_like.</summary>
    public static Tensor ZerosLike(Tensor t) => Empty(t.DType, (int[])t.ShapeArray.Clone());

    /// <summary>A new contiguous tensor of ones with <paramref name="t"/>'s shape and dtype (not requiring grad).
    /// As torch.ones_like.</summary>
    public static Tensor OnesLike(Tensor t) => Full(1.0, t.DType, t.ShapeArray);

    /// <summary>A rank-0 tensor.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full(value, dtype);

    /// <summary>start, start+step, ... below end (like torch.arange).</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Float32)
    {
        if (step == 0) throw new ArgumentException("Arange: step must not be zero");
        long n = (long)Math.Ceiling((end - start) / step);
        if (n < 0) n = 0;
        if (n > int.MaxValue) throw new ArgumentException("Arange: too many elements");
        var t = Empty(dtype, [(int)n]);
        for (int i = 0; i < n; i++) t.SetFlat(i, start + i * step);
        return t;
    }

    /// <summary>The 1-D tensor 0, 1, ..., end-1 (empty when end ≤ 0). As torch.arange(end).</summary>
    public static Tensor Arange(int end, DType dtype = DType.Float32) => Arange(0, end, 1, dtype);

    /// <summary>Copies the values into a new tensor of the given shape (all of it if no shape is given).</summary>
    public static Tensor FromArray(float[] data, params int[] shape) => Wrap((float[])data.Clone(), ShapeOrLength(shape, data.Length));
    /// <summary>Copies the values into a new float64 tensor of the given shape (1-D if no shape is given).</summary>
    /// <exception cref="ArgumentException">The shape does not hold exactly data.Length elements.</exception>
    public static Tensor FromArray(double[] data, params int[] shape) => Wrap((double[])data.Clone(), ShapeOrLength(shape, data.Length));
    /// <summary>Copies the values into a new int32 tensor of the given shape (1-D if no shape is given), e.g. class
    /// labels.</summary>
    /// <exception cref="ArgumentException">The shape does not hold exactly data.Length elements.</exception>
    public static Tensor FromArray(int[] data, params int[] shape) => Wrap((int[])data.Clone(), ShapeOrLength(shape, data.Length));

    /// <summary>A 2-D tensor from a jagged array of rows (handy in tests and examples).</summary>
    public static Tensor FromRows(float[][] rows)
    {
        int cols = rows.Length == 0 ? 0 : rows[0].Length;
        var data = new float[rows.Length * cols];
        for (int i = 0; i < rows.Length; i++)
        {
            if (rows[i].Length != cols) throw new ArgumentException($"FromRows: row {i} has {rows[i].Length} values, row 0 has {cols}");
            rows[i].CopyTo(data, i * cols);
        }
        return Wrap(data, [rows.Length, cols]);
    }

    private static int[] ShapeOrLength(int[] shape, int length) => shape.Length == 0 ? [length] : (int[])shape.Clone();

    /// <summary>Uniform in [0, 1).</summary>
    public static Tensor Rand(Generator generator, params int[] shape) => Uniform(generator, 0, 1, DType.Float32, shape);
    /// <summary>Uniform in [0, 1), of a float dtype. As torch.rand(..., generator=g, dtype=...).</summary>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a float dtype.</exception>
    public static Tensor Rand(Generator generator, DType dtype, params int[] shape) => Uniform(generator, 0, 1, dtype, shape);

    /// <summary>Standard normal.</summary>
    public static Tensor Randn(Generator generator, params int[] shape) => Normal(generator, 0, 1, DType.Float32, shape);
    /// <summary>Standard normal (mean 0, std 1), of a float dtype. As torch.randn(..., generator=g, dtype=...).</summary>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a float dtype.</exception>
    public static Tensor Randn(Generator generator, DType dtype, params int[] shape) => Normal(generator, 0, 1, dtype, shape);

    /// <summary>A float32 tensor of values uniform in [low, high), drawn from <paramref name="generator"/> in row-major
    /// order. As torch.empty(shape).uniform_(low, high, generator=g).</summary>
    /// <exception cref="ArgumentException"><paramref name="high"/> is less than <paramref name="low"/>.</exception>
    public static Tensor Uniform(Generator generator, double low, double high, params int[] shape) =>
        Uniform(generator, low, high, DType.Float32, shape);

    /// <summary>A tensor of values uniform in [low, high), of a float dtype, drawn from <paramref name="generator"/> in
    /// row-major order. As torch.empty(shape, dtype=...).uniform_(low, high, generator=g).</summary>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a float dtype, or <paramref name="high"/> is
    /// less than <paramref name="low"/>.</exception>
    public static Tensor Uniform(Generator generator, double low, double high, DType dtype, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"Uniform: random values need a float dtype, got {dtype.Name()}");
        if (!(high >= low)) throw new ArgumentException($"Uniform: high ({high}) must be >= low ({low})");
        var t = Empty(dtype, (int[])shape.Clone());
        for (int i = 0; i < t.Numel; i++) t.SetFlat(i, low + (high - low) * generator.NextDouble());
        return t;
    }

    /// <summary>A float32 tensor of normal values with the given mean and standard deviation, drawn from
    /// <paramref name="generator"/>. As torch.normal(mean, std, size, generator=g).</summary>
    /// <exception cref="ArgumentException"><paramref name="std"/> is negative or NaN.</exception>
    public static Tensor Normal(Generator generator, double mean, double std, params int[] shape) =>
        Normal(generator, mean, std, DType.Float32, shape);

    /// <summary>A tensor of normal values with the given mean and standard deviation, of a float dtype, drawn from
    /// <paramref name="generator"/>. As torch.normal(mean, std, size, generator=g, dtype=...).</summary>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a float dtype, or <paramref name="std"/> is
    /// negative or NaN.</exception>
    public static Tensor Normal(Generator generator, double mean, double std, DType dtype, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"Normal: random values need a float dtype, got {dtype.Name()}");
        if (!(std >= 0)) throw new ArgumentException($"Normal: std must be >= 0, got {std}");
        var t = Empty(dtype, (int[])shape.Clone());
        for (int i = 0; i < t.Numel; i++) t.SetFlat(i, mean + std * generator.NextNormal());
        return t;
    }

    /// <summary>Writes one element of a freshly made contiguous tensor (factory helper).</summary>
    private void SetFlat(int i, double value)
    {
        switch (DType)
        {
            case DType.Float32: Data<float>()[Offset + i] = (float)value; break;
            case DType.Float64: Data<double>()[Offset + i] = value; break;
            default: Data<int>()[Offset + i] = checked((int)value); break;
        }
    }
}
