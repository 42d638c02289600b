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
        var y = Tensor.Uninitialized(x.DType, (int[])x.ShapeArray.Clone());
        if (x.DType == DType.Float32)
            TOp.Apply<float>(c.Data<float>().AsSpan(c.Offset, c.Numel), y.Data<float>());
        else
            TOp.Apply<double>(c.Data<double>().AsSpan(c.Offset, c.Numel), y.Data<double>());
        return y;
    }

    public static Tensor Binary<TOp>(Tensor a, Tensor b, string op) where TOp : IBinaryOp
    {
        CheckSameFloat(a, b, op);
        var shape = ShapeUtil.Broadcast(a.Shape, b.Shape, op);
        var aStrides = BroadcastStrides(a, shape);
        var bStrides = BroadcastStrides(b, shape);
        var y = Tensor.Uninitialized(a.DType, shape);
        if (a.DType == DType.Float32)
            Elementwise.Binary<TOp, float>(a.Data<float>(), a.Offset, aStrides, b.Data<float>(), b.Offset, bStrides, y.Data<float>(), shape);
        else
            Elementwise.Binary<TOp, double>(a.Data<double>(), a.Offset, aStrides, b.Data<double>(), b.Offset, bStrides, y.Data<double>(), shape);
        return y;
    }

    public static void CheckSameFloat(Tensor a, Tensor b, string op)
    {
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: dtypes differ ({a.DType.Name()} {ShapeUtil.Format(a.Shape)} and {b.DType.Name()} {ShapeUtil.Format(b.Shape)}); convert one with To()");
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

    /// <summary>A scalar of the same dtype as <paramref name="like"/>, for mixing tensors with numbers.</summary>
    public static Tensor ScalarLike(double value, Tensor like) => Tensor.Scalar(value, like.DType);
}
