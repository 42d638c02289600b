using Hebb.Autograd;
using Hebb.Kernels;
using Hebb.Ops;

namespace Hebb;

/// <summary>In-place writes. They are not recorded by autograd, so they refuse to touch a tensor that
/// is part of a recorded graph while grad mode is on (optimisers run them under NoGrad).</summary>
public sealed partial class Tensor
{
    /// <summary>Copies values from <paramref name="source"/> (broadcast to this shape, any dtype) into this tensor or view.</summary>
    public Tensor CopyFrom(Tensor source)
    {
        CheckInPlace("CopyFrom");
        // A source that shares memory with this view is copied first, so overlapping reads never see half-written values.
        var src = source.To(DType).Expand(ShapeArray);
        src = ReferenceEquals(src.Storage, Storage) ? src.Clone() : src.Contiguous();
        switch (DType)
        {
            case DType.Float32: Copy.FromContiguous<float>(src.Data<float>().AsSpan(src.Offset, Numel), Data<float>(), Offset, Shape, Strides); break;
            case DType.Float64: Copy.FromContiguous<double>(src.Data<double>().AsSpan(src.Offset, Numel), Data<double>(), Offset, Shape, Strides); break;
            default: Copy.FromContiguous<int>(src.Data<int>().AsSpan(src.Offset, Numel), Data<int>(), Offset, Shape, Strides); break;
        }
        return this;
    }

    /// <summary>this += other (other broadcast to this shape).</summary>
    public Tensor AddInPlace(Tensor other)
    {
        CheckInPlace("AddInPlace");
        Pointwise.CheckSameFloat(this, other, "AddInPlace");
        if (ReferenceEquals(other.Storage, Storage)) other = other.Clone();
        int[] strides;
        if (ShapeUtil.SameShape(other.Shape, Shape))
        {
            strides = other.StrideArray; // the common case (gradient accumulation) needs no broadcasting arrays
        }
        else
        {
            if (!ShapeUtil.SameShape(ShapeUtil.Broadcast(Shape, other.Shape, "AddInPlace"), Shape))
                throw new ArgumentException($"AddInPlace: cannot add shape {ShapeUtil.Format(other.Shape)} into {ShapeUtil.Format(Shape)}");
            strides = Pointwise.BroadcastStrides(other, Shape);
        }
        if (DType == DType.Float32) Elementwise.AddInto(Data<float>(), Offset, Strides, other.Data<float>(), other.Offset, strides, Shape);
        else Elementwise.AddInto(Data<double>(), Offset, Strides, other.Data<double>(), other.Offset, strides, Shape);
        return this;
    }

    public Tensor FillInPlace(double value)
    {
        CheckInPlace("FillInPlace");
        if (IsContiguous)
        {
            switch (DType)
            {
                case DType.Float32: Data<float>().AsSpan(Offset, Numel).Fill((float)value); break;
                case DType.Float64: Data<double>().AsSpan(Offset, Numel).Fill(value); break;
                default: Data<int>().AsSpan(Offset, Numel).Fill(checked((int)value)); break;
            }
            return this;
        }
        return CopyFrom(Scalar(value, DType));
    }

    private void CheckInPlace(string op)
    {
        for (int i = 0; i < Rank; i++)
            if (StrideArray[i] == 0 && ShapeArray[i] > 1)
                throw new InvalidOperationException($"{op}: several elements of this tensor (shape {ShapeUtil.Format(Shape)}) share one memory location (an Expand view); write into a Contiguous() copy instead");
        if (GradMode.IsEnabled && RequiresGrad)
            throw new InvalidOperationException($"{op}: in-place change of a tensor that requires grad would corrupt the recorded graph; do it inside GradMode.NoGrad()");
    }
}
