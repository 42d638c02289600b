using System.Numerics;
using System.Numerics.Tensors;

namespace Hebb.Kernels;

/// <summary>The index of the largest (or smallest) value of each dense row: the row search behind max/min/argmax
/// along a dim (Ops/Reductions.cs moves that dim last first). The first index wins ties; NaN wins, as in PyTorch.</summary>
internal static class ArgExtremeKernel
{
    /// <summary>indices[r] = arg max (or arg min) of values[r·n .. r·n + n) for every r &lt; indices.Length.</summary>
    public static void Rows<T>(ReadOnlySpan<T> values, int n, Span<int> indices, bool max) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < indices.Length; r++)
        {
            var row = values.Slice(r * n, n);
            indices[r] = max ? TensorPrimitives.IndexOfMax(row) : TensorPrimitives.IndexOfMin(row);
        }
    }
}
