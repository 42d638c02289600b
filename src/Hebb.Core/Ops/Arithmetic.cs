using Hebb.Autograd;
using Hebb.Kernels;
using Hebb.Ops;

namespace Hebb
{
    /// <summary>add, sub, mul, div, neg with NumPy broadcasting, and the C# operators for them.</summary>
    public sealed partial class Tensor
    {
        public Tensor Add(Tensor other)
        {
            var y = Pointwise.Binary<AddOp>(this, other, "Add");
            if (GradMode.ShouldRecord(this, other)) y.GradFn = new AddBackward(this, other);
            return y;
        }

        public Tensor Sub(Tensor other)
        {
            var y = Pointwise.Binary<SubOp>(this, other, "Sub");
            if (GradMode.ShouldRecord(this, other)) y.GradFn = new SubBackward(this, other);
            return y;
        }

        public Tensor Mul(Tensor other)
        {
            var y = Pointwise.Binary<MulOp>(this, other, "Mul");
            if (GradMode.ShouldRecord(this, other)) y.GradFn = new MulBackward(this, other);
            return y;
        }

        public Tensor Div(Tensor other)
        {
            var y = Pointwise.Binary<DivOp>(this, other, "Div");
            if (GradMode.ShouldRecord(this, other)) y.GradFn = new DivBackward(this, other);
            return y;
        }

        public Tensor Neg()
        {
            var y = Pointwise.Unary<NegOp>(this, "Neg");
            if (GradMode.ShouldRecord(this)) y.GradFn = new NegBackward(this);
            return y;
        }

        public Tensor Add(double value) => Add(Pointwise.ScalarLike(value, this));
        public Tensor Sub(double value) => Sub(Pointwise.ScalarLike(value, this));
        public Tensor Mul(double value) => Mul(Pointwise.ScalarLike(value, this));
        public Tensor Div(double value) => Div(Pointwise.ScalarLike(value, this));

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
