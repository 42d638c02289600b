using System.Diagnostics.CodeAnalysis;
using Hebb.Kernels;
using Hebb.Ops;

namespace Hebb
{
    /// <summary>Element-wise comparisons (broadcast, any dtypes) giving int32 0/1 masks, and dtype conversion.
    /// Hebb has no bool dtype: a mask is any tensor, non-zero meaning true.</summary>
    public static class ComparisonOps
    {
        extension([NotNull] Tensor self)
        {
            /// <summary>An int32 mask, 1 where this == other and 0 elsewhere, with the shapes broadcast; the dtypes
            /// may differ (values are compared as double). As torch.eq.</summary>
            /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
            public Tensor Eq(Tensor other) => Comparison.Compare(self, other, "Eq", (a, b) => a == b);

            /// <summary>An int32 mask, 1 where this != other and 0 elsewhere, with the shapes broadcast; the dtypes
            /// may differ (values are compared as double). As torch.ne.</summary>
            /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
            public Tensor Ne(Tensor other) => Comparison.Compare(self, other, "Ne", (a, b) => a != b);

            /// <summary>An int32 mask, 1 where this &gt; other and 0 elsewhere, with the shapes broadcast; the dtypes
            /// may differ (values are compared as double). As torch.gt.</summary>
            /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
            public Tensor Gt(Tensor other) => Comparison.Compare(self, other, "Gt", (a, b) => a > b);

            /// <summary>An int32 mask, 1 where this ≥ other and 0 elsewhere, with the shapes broadcast; the dtypes
            /// may differ (values are compared as double). As torch.ge.</summary>
            /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
            public Tensor Ge(Tensor other) => Comparison.Compare(self, other, "Ge", (a, b) => a >= b);

            /// <summary>An int32 mask, 1 where this &lt; other and 0 elsewhere, with the shapes broadcast; the dtypes
            /// may differ (values are compared as double). As torch.lt.</summary>
            /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
            public Tensor Lt(Tensor other) => Comparison.Compare(self, other, "Lt", (a, b) => a < b);

            /// <summary>An int32 mask, 1 where this ≤ other and 0 elsewhere, with the shapes broadcast; the dtypes
            /// may differ (values are compared as double). As torch.le.</summary>
            /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
            public Tensor Le(Tensor other) => Comparison.Compare(self, other, "Le", (a, b) => a <= b);

            /// <summary>An int32 mask of this tensor's shape, 1 where the element equals <paramref name="value"/>.
            /// As torch.eq with a number.</summary>
            public Tensor Eq(double value) => self.Eq(Tensor.Scalar(value, DType.Float64));

            /// <summary>An int32 mask of this tensor's shape, 1 where the element is greater than <paramref name="value"/>.
            /// As torch.gt with a number.</summary>
            public Tensor Gt(double value) => self.Gt(Tensor.Scalar(value, DType.Float64));

            /// <summary>An int32 mask of this tensor's shape, 1 where the element is less than <paramref name="value"/>.
            /// As torch.lt with a number.</summary>
            public Tensor Lt(double value) => self.Lt(Tensor.Scalar(value, DType.Float64));

            /// <summary>Converts to another dtype (float to int truncates toward zero). Differentiable between float
            /// types.</summary>
            public Tensor To(DType dtype)
            {
                if (dtype == self.DType) return self;
                var y = Tensor.UninitializedLike(dtype, self);
                var src = Comparison.AsDoubles(self);
                switch (dtype)
                {
                    case DType.Float32: ComparisonKernel.ToFloats(src, y.Data<float>()); break;
                    case DType.Float64: src.CopyTo(y.Data<double>(), 0); break;
                    default: ComparisonKernel.ToInt32(src, y.Data<int>()); break;
                }
                if (self.DType.IsFloatingPoint() && dtype.IsFloatingPoint() && Autograd.GradMode.ShouldRecord(self))
                    y.GradFn = new ToBackward(self);
                return y;
            }
        }
    }
}

namespace Hebb.Ops
{
    internal static class Comparison
    {
        public static Tensor Compare(Tensor a, Tensor b, string op, Func<double, double, bool> predicate)
        {
            var shape = ShapeUtil.Broadcast(a.Shape, b.Shape, op);
            var x = AsDoubles(a.Expand(shape));
            var y = AsDoubles(b.Expand(shape));
            var result = new int[x.Length];
            ComparisonKernel.Compare(x, y, predicate, result);
            return Tensor.Wrap(result, shape);
        }

        /// <summary>The elements in row-major order as doubles (exact for all three dtypes).</summary>
        public static double[] AsDoubles(Tensor t)
        {
            using var _ = Autograd.GradMode.NoGrad();
            var c = t.Contiguous();
            var result = new double[t.Numel];
            switch (t.DType)
            {
                case DType.Float32: ComparisonKernel.ToDoubles(c.Data<float>(), c.Offset, result); break;
                case DType.Float64: Array.Copy(c.Data<double>(), c.Offset, result, 0, result.Length); break;
                default: ComparisonKernel.ToDoubles(c.Data<int>(), c.Offset, result); break;
            }
            return result;
        }
    }

    internal sealed class ToBackward(Tensor x) : Autograd.Node(x)
    {
        public override Tensor?[] Backward(Tensor g) => [g.To(Input(0).DType)];
    }
}
