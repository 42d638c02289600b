using System.Numerics;
using System.Numerics.Tensors;

namespace Hebb.Kernels;

/// <summary>Row-wise softmax and log-softmax over dense rows, stabilised by subtracting the row maximum.</summary>
internal static class SoftmaxKernel
{
    /// <summary>d = e^((x - max)/T) / sum e^((x - max)/T), which equals e^(x/T) / sum e^(x/T).</summary>
    public static void Softmax<T>(ReadOnlySpan<T> x, Span<T> d, int rowLength, T temperature) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int start = 0; start < x.Length; start += rowLength)
        {
            var row = x.Slice(start, rowLength);
            var outRow = d.Slice(start, rowLength);
            T max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, outRow);
            if (temperature != T.One) TensorPrimitives.Divide(outRow, temperature, outRow);
            TensorPrimitives.Exp(outRow, outRow);
            T sum = TensorPrimitives.Sum<T>(outRow);
            TensorPrimitives.Divide(outRow, sum, outRow);
        }
    }

    /// <summary>d = (x - max) - log(sum e^(x - max)).</summary>
    public static void LogSoftmax<T>(ReadOnlySpan<T> x, Span<T> d, int rowLength) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int start = 0; start < x.Length; start += rowLength)
        {
            var row = x.Slice(start, rowLength);
            var outRow = d.Slice(start, rowLength);
            T max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, outRow);
            T sum = T.Zero;
            foreach (var v in outRow) sum += T.Exp(v);
            TensorPrimitives.Subtract(outRow, T.Log(sum), outRow);
        }
    }
}
