using System.Numerics;
using System.Numerics.Tensors;

namespace Hebb.Kernels;

/// <summary>
/// The data movement of gather, index_select and where, and of their backwards (scatter-add, index_add),
/// on arrays and validated indices. The ops, which check the indices and shapes, are in Ops/Indexing.cs.
/// </summary>
internal static class IndexingKernel
{
    /// <summary>For every element of an index of the given shape (row-major), where its value points in a tensor
    /// laid out with the given strides from offset: dimension <paramref name="dim"/> takes the index value, the
    /// others the element's own position.</summary>
    public static void GatherOffsets(ReadOnlySpan<int> ids, ReadOnlySpan<int> indexShape, ReadOnlySpan<int> strides, int offset,
        int dim, Span<int> offsets)
    {
        int rank = indexShape.Length;
        var counter = new int[rank];
        for (int flat = 0; flat < ids.Length; flat++)
        {
            int o = offset;
            for (int i = 0; i < rank; i++) o += (i == dim ? ids[flat] : counter[i]) * strides[i];
            offsets[flat] = o;
            for (int i = rank - 1; i >= 0; i--)
            {
                if (++counter[i] < indexShape[i]) break;
                counter[i] = 0;
            }
        }
    }

    /// <summary>dst[i] = src[offsets[i]] (gather).</summary>
    public static void Take<T>(T[] src, int[] offsets, T[] dst) where T : unmanaged
    {
        for (int i = 0; i < offsets.Length; i++) dst[i] = src[offsets[i]];
    }

    /// <summary>dst[offsets[i]] += g[gOff + i] (gather's backward; a place the index repeats gets several gradients).</summary>
    public static void ScatterAdd<T>(T[] g, int gOff, int[] offsets, T[] dst) where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < offsets.Length; i++) dst[offsets[i]] += g[gOff + i];
    }

    /// <summary>Row i of dst = row ids[i] of src, rows of <paramref name="row"/> values (index_select along dim 0).</summary>
    public static void TakeRows<T>(T[] src, int srcOff, int[] ids, int row, T[] dst) where T : unmanaged
    {
        for (int i = 0; i < ids.Length; i++) Array.Copy(src, srcOff + ids[i] * row, dst, i * row, row);
    }

    /// <summary>Row ids[i] of dst += row i of g (index_select's backward, index_add).</summary>
    public static void AddRows<T>(T[] g, int gOff, int[] ids, int row, T[] dst) where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < ids.Length; i++)
        {
            var target = dst.AsSpan(ids[i] * row, row);
            TensorPrimitives.Add(target, g.AsSpan(gOff + i * row, row), target);
        }
    }

    /// <summary>mask[i] = values[i] != 0.</summary>
    public static void NonZero(ReadOnlySpan<double> values, Span<bool> mask)
    {
        for (int i = 0; i < mask.Length; i++) mask[i] = values[i] != 0;
    }

    /// <summary>dst[i] = mask[i] ? a[aOff + i] : b[bOff + i] (where).</summary>
    public static void Select<T>(bool[] mask, T[] a, int aOff, T[] b, int bOff, T[] dst) where T : unmanaged
    {
        for (int i = 0; i < mask.Length; i++) dst[i] = mask[i] ? a[aOff + i] : b[bOff + i];
    }
}
