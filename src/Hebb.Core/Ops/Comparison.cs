using System.Diagnostics.CodeAnalysis;
using Hebb.Ops;

namespace Hebb
{
    /// <summary>Element-wise comparisons (broadcast, any dtypes) giving int32 0/1 masks, and dtype conversion.
    /// Hebb has no bool dtype: a mask is any tensor, non-zero meaning true.</summary>
    public static class ComparisonOps
    {
        extension([NotNull] Tensor self)
        {
            public Tensor Eq(Tensor other) => Comparison.Compare(self, other, "Eq", (a, b) => a == b);
            public Tensor Ne(Tensor other) => Comparison.Compare(self, other, "Ne", (a, b) => a != b);
            public Tensor Gt(Tensor other) => Comparison.Compare(self, other, "Gt", (a, b) => a > b);
            public Tensor Ge(Tensor other) => Comparison.Compare(self, other, "Ge", (a, b) => a >= b);
            public Tensor Lt(Tensor other) => Comparison.Compare(self, other, "Lt", (a, b) => a < b);
            public Tensor Le(Tensor other) => Comparison.Compare(self, other, "Le", (a, b) => a <= b);
            public Tensor Eq(double value) => self.Eq(Tensor.Scalar(value, DType.Float64));
            public Tensor Gt(double value) => self.Gt(Tensor.Scalar(value, DType.Float64));
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
                    case DType.Float32:
                        var floats = y.Data<float>();
                        for (int i = 0; i < src.Length; i++) floats[i] = (float)src[i];
                        break;
                    case DType.Float64: src.CopyTo(y.Data<double>(), 0); break;
                    default:
                        var ints = y.Data<int>();
                        for (int i = 0; i < src.Length; i++)
                        {
                            if (double.IsNaN(src[i]) || Math.Abs(src[i]) > int.MaxValue)
                                throw new OverflowException(
                                    $"To(int32): value {src[i]} at flat index {i} does not fit in int32");
                            ints[i] = (int)src[i];
                        }
                        break;
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
            for (int i = 0; i < x.Length; i++) result[i] = predicate(x[i], y[i]) ? 1 : 0;
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
                case DType.Float32: for (int i = 0; i < result.Length; i++) result[i] = c.Data<float>()[c.Offset + i]; break;
                case DType.Float64: Array.Copy(c.Data<double>(), c.Offset, result, 0, result.Length); break;
                default: for (int i = 0; i < result.Length; i++) result[i] = c.Data<int>()[c.Offset + i]; break;
            }
            return result;
        }
    }

    internal sealed class ToBackward(Tensor x) : Autograd.Node(x)
    {
        public override Tensor?[] Backward(Tensor g) => [g.To(Input(0).DType)];
    }
}
