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
            T max = F32.Max(row);
            SubOp.Apply(row, max, outRow);
            if (temperature != T.One) DivOp.Apply(outRow, temperature, outRow);
            ExpOp.Apply<T>(outRow, outRow);
            T sum = F32.Sum<T>(outRow);
            DivOp.Apply(outRow, sum, outRow);
        }
    }

    /// <summary>d = (x - max) - log(sum e^(x - max)).</summary>
    public static void LogSoftmax<T>(ReadOnlySpan<T> x, Span<T> d, int rowLength) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int start = 0; start < x.Length; start += rowLength)
        {
            var row = x.Slice(start, rowLength);
            var outRow = d.Slice(start, rowLength);
            T max = F32.Max(row);
            SubOp.Apply(row, max, outRow);
            T sum = T.Zero;
            foreach (var v in outRow) sum += T.Exp(v);
            SubOp.Apply(outRow, T.Log(sum), outRow);
        }
    }
}
