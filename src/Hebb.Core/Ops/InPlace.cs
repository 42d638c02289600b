using System.Diagnostics.CodeAnalysis;
using Hebb.Autograd;
using Hebb.Kernels;
using Hebb.Ops;

namespace Hebb;

/// <summary>In-place writes. They are not recorded by autograd, so they refuse to touch a tensor that
/// is part of a recorded graph while grad mode is on (optimisers run them under NoGrad).</summary>
public static class InPlaceOps
{
    extension([NotNull] Tensor self)
    {
        /// <summary>Copies values from <paramref name="source"/> (broadcast to this shape, any dtype) into this
        /// tensor or view.</summary>
        public Tensor CopyFrom(Tensor source)
        {
            self.CheckInPlace("CopyFrom");
            // A source that shares memory with this view is copied first, so overlapping reads never see
            // half-written values.
            var src = source.To(self.DType).Expand(self.ShapeArray);
            src = ReferenceEquals(src.Storage, self.Storage) ? src.Clone() : src.Contiguous();
            switch (self.DType)
            {
                case DType.Float32:
                    Copy.FromContiguous<float>(
                        src.Data<float>().AsSpan(src.Offset, self.Numel),
                        self.Data<float>(), self.Offset, self.Shape, self.Strides);
                    break;
                case DType.Float64:
                    Copy.FromContiguous<double>(
                        src.Data<double>().AsSpan(src.Offset, self.Numel),
                        self.Data<double>(), self.Offset, self.Shape, self.Strides);
                    break;
                default:
                    Copy.FromContiguous<int>(
                        src.Data<int>().AsSpan(src.Offset, self.Numel),
                        self.Data<int>(), self.Offset, self.Shape, self.Strides);
                    break;
            }
            return self;
        }

        /// <summary>this += other (other broadcast to this shape).</summary>
        public Tensor AddInPlace(Tensor other)
        {
            self.CheckInPlace("AddInPlace");
            Pointwise.CheckSameFloat(self, other, "AddInPlace");
            if (ReferenceEquals(other.Storage, self.Storage)) other = other.Clone();
            int[] strides;
            if (ShapeUtil.SameShape(other.Shape, self.Shape))
            {
                strides = other.StrideArray; // the common case (gradient accumulation) needs no broadcasting arrays
            }
            else
            {
                if (!ShapeUtil.SameShape(ShapeUtil.Broadcast(self.Shape, other.Shape, "AddInPlace"), self.Shape))
                    throw new ArgumentException(
                        $"AddInPlace: cannot add shape {ShapeUtil.Format(other.Shape)} into {ShapeUtil.Format(self.Shape)}");
                strides = Pointwise.BroadcastStrides(other, self.Shape);
            }
            if (self.DType == DType.Float32)
                Elementwise.AddInto(
                    self.Data<float>(), self.Offset, self.Strides, other.Data<float>(), other.Offset, strides, self.Shape);
            else
                Elementwise.AddInto(
                    self.Data<double>(), self.Offset, self.Strides, other.Data<double>(), other.Offset, strides, self.Shape);
            return self;
        }

        /// <summary>Sets every element of this tensor or view to <paramref name="value"/> (converted to its dtype) and
        /// returns it. As torch.Tensor.fill_.</summary>
        /// <exception cref="InvalidOperationException">The tensor is an Expand view, or requires grad while grad mode
        /// is on.</exception>
        /// <exception cref="OverflowException">An int32 tensor is given a value outside the int range.</exception>
        public Tensor FillInPlace(double value)
        {
            self.CheckInPlace("FillInPlace");
            if (self.IsContiguous)
            {
                switch (self.DType)
                {
                    case DType.Float32: self.Data<float>().AsSpan(self.Offset, self.Numel).Fill((float)value); break;
                    case DType.Float64: self.Data<double>().AsSpan(self.Offset, self.Numel).Fill(value); break;
                    default: self.Data<int>().AsSpan(self.Offset, self.Numel).Fill(checked((int)value)); break;
                }
                return self;
            }
            return self.CopyFrom(Tensor.Scalar(value, self.DType));
        }

        private void CheckInPlace(string op)
        {
            for (int i = 0; i < self.Rank; i++)
                if (self.StrideArray[i] == 0 && self.ShapeArray[i] > 1)
                    throw new InvalidOperationException(
                        $"{op}: several elements of this tensor (shape {ShapeUtil.Format(self.Shape)}) share one memory " +
                        "location (an Expand view); write into a Contiguous() copy instead");
            if (GradMode.IsEnabled && self.RequiresGrad)
                throw new InvalidOperationException(
                    $"{op}: in-place change of a tensor that requires grad would corrupt the recorded graph; " +
                    "do it inside GradMode.NoGrad()");
        }
    }
}
