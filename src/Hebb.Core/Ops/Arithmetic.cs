using System.Diagnostics.CodeAnalysis;
using Hebb.Autograd;
using Hebb.Kernels;
using Hebb.Ops;

namespace Hebb
{
    /// <summary>add, sub, mul, div, neg with NumPy broadcasting, and the C# operators for them.</summary>
    public static class ArithmeticOps
    {
        extension([NotNull] Tensor self)
        {
            public Tensor Add(Tensor other)
            {
                var y = Pointwise.Binary<AddOp>(self, other, "Add");
                if (GradMode.ShouldRecord(self, other)) y.GradFn = new AddBackward(self, other);
                return y;
            }

            public Tensor Sub(Tensor other)
            {
                var y = Pointwise.Binary<SubOp>(self, other, "Sub");
                if (GradMode.ShouldRecord(self, other)) y.GradFn = new SubBackward(self, other);
                return y;
            }

            public Tensor Mul(Tensor other)
            {
                var y = Pointwise.Binary<MulOp>(self, other, "Mul");
                if (GradMode.ShouldRecord(self, other)) y.GradFn = new MulBackward(self, other);
                return y;
            }

            public Tensor Div(Tensor other)
            {
                var y = Pointwise.Binary<DivOp>(self, other, "Div");
                if (GradMode.ShouldRecord(self, other)) y.GradFn = new DivBackward(self, other);
                return y;
            }

            public Tensor Neg()
            {
                var y = Pointwise.Unary<NegOp>(self, "Neg");
                if (GradMode.ShouldRecord(self)) y.GradFn = new NegBackward(self);
                return y;
            }

            public Tensor Add(double value) => self.Add(Pointwise.ScalarLike(value, self));
            public Tensor Sub(double value) => self.Sub(Pointwise.ScalarLike(value, self));
            public Tensor Mul(double value) => self.Mul(Pointwise.ScalarLike(value, self));
            public Tensor Div(double value) => self.Div(Pointwise.ScalarLike(value, self));
        }

        extension(Tensor)
        {
            public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
            public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
            public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
            public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
            public static Tensor operator -(Tensor a) => a.Neg();
            public static Tensor operator +(Tensor a, double b) => a.Add(b);
            public static Tensor operator -(Tensor a, double b) => a.Sub(b);
            public static Tensor operator *(Tensor a, double b) => a.Mul(b);
            public static Tensor operator /(Tensor a, double b) => a.Div(b);
            public static Tensor operator +(double a, Tensor b) => Pointwise.ScalarLike(a, b).Add(b);
            public static Tensor operator -(double a, Tensor b) => Pointwise.ScalarLike(a, b).Sub(b);
            public static Tensor operator *(double a, Tensor b) => Pointwise.ScalarLike(a, b).Mul(b);
            public static Tensor operator /(double a, Tensor b) => Pointwise.ScalarLike(a, b).Div(b);
        }
    }
}

namespace Hebb.Ops
{
    // Gradients of broadcast inputs are summed back to the input's shape (SumTo).

    internal sealed class AddBackward(Tensor a, Tensor b) : Node(a, b)
    {
        public override Tensor?[] Backward(Tensor g) =>
            [NeedsGrad(0) ? g.SumTo(Input(0).Shape) : null, NeedsGrad(1) ? g.SumTo(Input(1).Shape) : null];
    }

    internal sealed class SubBackward(Tensor a, Tensor b) : Node(a, b)
    {
        public override Tensor?[] Backward(Tensor g) =>
            [NeedsGrad(0) ? g.SumTo(Input(0).Shape) : null, NeedsGrad(1) ? g.Neg().SumTo(Input(1).Shape) : null];
    }

    /// <summary>d(ab)/da = b, d(ab)/db = a.</summary>
    internal sealed class MulBackward(Tensor a, Tensor b) : Node(a, b)
    {
        public override Tensor?[] Backward(Tensor g)
        {
            var (a, b) = (Input(0), Input(1));
            return [NeedsGrad(0) ? g.Mul(b).SumTo(a.Shape) : null, NeedsGrad(1) ? g.Mul(a).SumTo(b.Shape) : null];
        }
    }

    /// <summary>d(a/b)/da = 1/b, d(a/b)/db = -a/b².</summary>
    internal sealed class DivBackward(Tensor a, Tensor b) : Node(a, b)
    {
        public override Tensor?[] Backward(Tensor g)
        {
            var (a, b) = (Input(0), Input(1));
            var ga = g.Div(b);
            return [NeedsGrad(0) ? ga.SumTo(a.Shape) : null, NeedsGrad(1) ? ga.Mul(a).Div(b).Neg().SumTo(b.Shape) : null];
        }
    }

    internal sealed class NegBackward(Tensor x) : Node(x)
    {
        public override Tensor?[] Backward(Tensor g) => [g.Neg()];
    }
}
