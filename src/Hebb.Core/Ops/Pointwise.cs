using Hebb.Kernels;

namespace Hebb.Ops;

/// <summary>Dispatch from tensors to the element-wise kernels: checks dtypes, broadcasts shapes,
/// allocates the result. The op files call these and add their backward.</summary>
internal static class Pointwise
{
    public static Tensor Unary<TOp>(Tensor x, string op) where TOp : IUnaryOp
    {
        x.RequireFloat(op);
        var c = x.Contiguous();
        var y = Tensor.UninitializedLike(x.DType, c);
        if (x.DType == DType.Float32) ParallelElementwise.Unary<TOp, float>(c.Data<float>(), c.Offset, y.Data<float>(), c.Numel);
        else ParallelElementwise.Unary<TOp, double>(c.Data<double>(), c.Offset, y.Data<double>(), c.Numel);
        return y;
    }

    public static Tensor Binary<TOp>(Tensor a, Tensor b, string op) where TOp : IBinaryOp
    {
        CheckSameFloat(a, b, op);
        Tensor y;
        int[] aStrides, bStrides;
        if (ShapeUtil.SameShape(a.Shape, b.Shape))
        {
            // The common case needs no broadcasting arrays at all.
            (aStrides, bStrides) = (a.StrideArray, b.StrideArray);
            y = Tensor.UninitializedLike(a.DType, a.IsContiguous ? a : b);
        }
        else
        {
            var shape = ShapeUtil.Broadcast(a.Shape, b.Shape, op);
            aStrides = BroadcastStrides(a, shape);
            bStrides = BroadcastStrides(b, shape);
            y = Tensor.Uninitialized(a.DType, shape);
        }
        var shapeOut = y.ShapeArray;
        if (a.IsContiguous && b.IsContiguous && ShapeUtil.SameShape(a.Shape, b.Shape))
        {
            // Dense and the same shape: one flat pass, split among the threads when large.
            if (a.DType == DType.Float32)
                ParallelElementwise.Binary<TOp, float>(a.Data<float>(), a.Offset, b.Data<float>(), b.Offset, y.Data<float>(), y.Numel);
            else
                ParallelElementwise.Binary<TOp, double>(a.Data<double>(), a.Offset, b.Data<double>(), b.Offset, y.Data<double>(), y.Numel);
            return y;
        }
        if (a.DType == DType.Float32)
            Elementwise.Binary<TOp, float>(
                a.Data<float>(), a.Offset, aStrides, b.Data<float>(), b.Offset, bStrides, y.Data<float>(), shapeOut, y.StrideArray);
        else
            Elementwise.Binary<TOp, double>(
                a.Data<double>(), a.Offset, aStrides, b.Data<double>(), b.Offset, bStrides, y.Data<double>(), shapeOut, y.StrideArray);
        return y;
    }

    public static void CheckSameFloat(Tensor a, Tensor b, string op)
    {
        if (a.DType != b.DType)
            throw new ArgumentException(
                $"{op}: dtypes differ ({a.DType.Name()} {ShapeUtil.Format(a.Shape)} and " +
                $"{b.DType.Name()} {ShapeUtil.Format(b.Shape)}); convert one with To()");
        a.RequireFloat(op);
    }

    /// <summary>Strides that walk <paramref name="t"/> as if it had the (broadcast) shape: 0 where it repeats.</summary>
    public static int[] BroadcastStrides(Tensor t, ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int lead = shape.Length - t.Rank;
        for (int i = 0; i < t.Rank; i++)
            strides[lead + i] = t.ShapeArray[i] == 1 && shape[lead + i] != 1 ? 0 : t.StrideArray[i];
        return strides;
    }

    [ThreadStatic] private static Dictionary<(double, DType), Tensor>? _scalars;

    /// <summary>A scalar of the same dtype as <paramref name="like"/>, for mixing tensors with numbers.
    /// Cached per thread (ops never write into their inputs), so constants in formulas cost nothing.</summary>
    public static Tensor ScalarLike(double value, Tensor like)
    {
        var key = (value, like.DType);
        _scalars ??= [];
        if (_scalars.TryGetValue(key, out var scalar)) return scalar;
        if (_scalars.Count > 256) _scalars.Clear();
        using var _ = TensorScope.Suspend(); // the cached tensor must outlive any step scope
        return _scalars[key] = Tensor.Scalar(value, like.DType);
    }
}
