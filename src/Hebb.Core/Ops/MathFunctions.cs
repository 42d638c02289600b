using System.Diagnostics.CodeAnalysis;
using Hebb.Autograd;
using Hebb.Kernels;
using Hebb.Ops;

namespace Hebb
{
    /// <summary>exp, log, sqrt, pow, abs, clamp, maximum and minimum.</summary>
    public static class MathOps
    {
        extension([NotNull] Tensor self)
        {
            /// <summary>e^x element-wise, for a float tensor. As torch.exp.</summary>
            /// <exception cref="ArgumentException">The tensor is not float.</exception>
            public Tensor Exp()
            {
                var y = Pointwise.Unary<ExpOp>(self, "Exp");
                if (GradMode.ShouldRecord(self)) y.GradFn = new ExpBackward(self, y);
                return y;
            }

            /// <summary>Natural logarithm.</summary>
            public Tensor Log()
            {
                var y = Pointwise.Unary<LogOp>(self, "Log");
                if (GradMode.ShouldRecord(self)) y.GradFn = new LogBackward(self);
                return y;
            }

            /// <summary>The square root element-wise, for a float tensor (NaN for negative values). As torch.sqrt.</summary>
            /// <exception cref="ArgumentException">The tensor is not float.</exception>
            public Tensor Sqrt()
            {
                var y = Pointwise.Unary<SqrtOp>(self, "Sqrt");
                if (GradMode.ShouldRecord(self)) y.GradFn = new SqrtBackward(self, y);
                return y;
            }

            /// <summary>|x| element-wise, for a float tensor. As torch.abs.</summary>
            /// <exception cref="ArgumentException">The tensor is not float.</exception>
            public Tensor Abs()
            {
                var y = Pointwise.Unary<AbsOp>(self, "Abs");
                if (GradMode.ShouldRecord(self)) y.GradFn = new AbsBackward(self);
                return y;
            }

            /// <summary>Element-wise x^exponent.</summary>
            public Tensor Pow(double exponent)
            {
                var y = Pointwise.Binary<PowOp>(self, Pointwise.ScalarLike(exponent, self), "Pow");
                if (GradMode.ShouldRecord(self)) y.GradFn = new PowScalarBackward(self, exponent);
                return y;
            }

            /// <summary>Element-wise x^exponent with a broadcast tensor exponent.</summary>
            public Tensor Pow(Tensor exponent)
            {
                var y = Pointwise.Binary<PowOp>(self, exponent, "Pow");
                if (GradMode.ShouldRecord(self, exponent)) y.GradFn = new PowBackward(self, exponent, y);
                return y;
            }

            /// <summary>Element-wise maximum of two broadcast tensors (on ties the gradient is shared equally, as in
            /// PyTorch).</summary>
            public Tensor Maximum(Tensor other)
            {
                var y = Pointwise.Binary<MaxOp>(self, other, "Maximum");
                if (GradMode.ShouldRecord(self, other)) y.GradFn = new MinMaxBackward(self, other, y);
                return y;
            }

            /// <summary>Element-wise minimum of two broadcast tensors of the same float dtype (on ties the gradient is
            /// shared equally, as in PyTorch). As torch.minimum.</summary>
            /// <exception cref="ArgumentException">The dtypes differ, are not float, or the shapes do not broadcast.</exception>
            public Tensor Minimum(Tensor other)
            {
                var y = Pointwise.Binary<MinOp>(self, other, "Minimum");
                if (GradMode.ShouldRecord(self, other)) y.GradFn = new MinMaxBackward(self, other, y);
                return y;
            }

            /// <summary>Limits values to [min, max]; either bound may be omitted. The gradient passes where
            /// min ≤ x ≤ max.</summary>
            public Tensor Clamp(double? min = null, double? max = null)
            {
                if (min is null && max is null) throw new ArgumentException("Clamp: give at least one of min and max");
                if (min > max) throw new ArgumentException($"Clamp: min ({min}) is greater than max ({max})");
                var y = self;
                using (GradMode.NoGrad())
                {
                    if (min is double lo) y = Pointwise.Binary<MaxOp>(y, Pointwise.ScalarLike(lo, self), "Clamp");
                    if (max is double hi) y = Pointwise.Binary<MinOp>(y, Pointwise.ScalarLike(hi, self), "Clamp");
                }
                if (ReferenceEquals(y, self)) y = self.Clone();
                if (GradMode.ShouldRecord(self)) y.GradFn = new ClampBackward(self, min, max);
                return y;
            }
        }
    }
}

namespace Hebb.Ops
{
    internal sealed class ExpBackward(Tensor x, Tensor y) : Node([x], saveForBackward: y)
    {
        public override Tensor?[] Backward(Tensor g) => [g.Mul(Saved(0))];
    }

    internal sealed class LogBackward(Tensor x) : Node(x)
    {
        public override Tensor?[] Backward(Tensor g) => [g.Div(Input(0))];
    }

    /// <summary>d sqrt(x) = 1 / (2 sqrt(x)).</summary>
    internal sealed class SqrtBackward(Tensor x, Tensor y) : Node([x], saveForBackward: y)
    {
        public override Tensor?[] Backward(Tensor g) => [g.Div(Saved(0).Mul(2.0))];
    }

    internal sealed class AbsBackward(Tensor x) : Node(x)
    {
        public override Tensor?[] Backward(Tensor g) => [g.Mul(Pointwise.Unary<SignOp>(Input(0), "Abs"))];
    }

    /// <summary>d x^p = p x^(p-1).</summary>
    internal sealed class PowScalarBackward(Tensor x, double p) : Node(x)
    {
        public override Tensor?[] Backward(Tensor g) => [g.Mul(Input(0).Pow(p - 1).Mul(p))];
    }

    /// <summary>d a^b / da = b a^(b-1); d a^b / db = a^b ln a.</summary>
    internal sealed class PowBackward(Tensor a, Tensor b, Tensor y) : Node([a, b], saveForBackward: y)
    {

        public override Tensor?[] Backward(Tensor g)
        {
            var (a, b) = (Input(0), Input(1));
            var ga = NeedsGrad(0) ? g.Mul(b).Mul(a.Pow(b.Sub(1.0))).SumTo(a.Shape) : null;
            var gb = NeedsGrad(1) ? g.Mul(Saved(0)).Mul(a.Log()).SumTo(b.Shape) : null;
            return [ga, gb];
        }
    }

    /// <summary>The gradient goes to whichever input was chosen; half to each on a tie.</summary>
    internal sealed class MinMaxBackward(Tensor a, Tensor b, Tensor y) : Node([a, b], saveForBackward: y)
    {

        public override Tensor?[] Backward(Tensor g)
        {
            var (a, b) = (Input(0), Input(1));
            var y = Saved(0);
            var tie = a.Eq(b).To(g.DType);
            var half = g.Mul(tie).Mul(0.5);
            var ga = NeedsGrad(0) ? g.Mul(a.Eq(y).To(g.DType).Sub(tie)).Add(half).SumTo(a.Shape) : null;
            var gb = NeedsGrad(1) ? g.Mul(b.Eq(y).To(g.DType).Sub(tie)).Add(half).SumTo(b.Shape) : null;
            return [ga, gb];
        }
    }

    internal sealed class ClampBackward(Tensor x, double? min, double? max) : Node(x)
    {
        public override Tensor?[] Backward(Tensor g)
        {
            var x = Input(0);
            var mask = Tensor.OnesLike(x);
            if (min is double lo) mask = mask.Mul(x.Ge(Pointwise.ScalarLike(lo, x)).To(x.DType));
            if (max is double hi) mask = mask.Mul(x.Le(Pointwise.ScalarLike(hi, x)).To(x.DType));
            return [g.Mul(mask)];
        }
    }
}
