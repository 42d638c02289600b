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
            /// <summary>The element-wise sum, with the shapes broadcast against each other (NumPy rules). Both
            /// tensors must have the same float dtype. As torch.add; also the <c>+</c> operator.</summary>
            /// <exception cref="ArgumentException">The dtypes differ, are not float, or the shapes do not broadcast.</exception>
            public Tensor Add(Tensor other)
            {
                var y = Pointwise.Binary<AddOp>(self, other, "Add");
                if (GradMode.ShouldRecord(self, other)) y.GradFn = new AddBackward(self, other);
                return y;
            }

            /// <summary>The element-wise difference this - other, with the shapes broadcast against each other (NumPy rules). Both
            /// tensors must have the same float dtype. As torch.sub; also the <c>-</c> operator.</summary>
            /// <exception cref="ArgumentException">The dtypes differ, are not float, or the shapes do not broadcast.</exception>
            public Tensor Sub(Tensor other)
            {
                var y = Pointwise.Binary<SubOp>(self, other, "Sub");
                if (GradMode.ShouldRecord(self, other)) y.GradFn = new SubBackward(self, other);
                return y;
            }

            /// <summary>The element-wise product, with the shapes broadcast against each other (NumPy rules). Both
            /// tensors must have the same float dtype. As torch.mul; also the <c>*</c> operator.</summary>
            /// <exception cref="ArgumentException">The dtypes differ, are not float, or the shapes do not broadcast.</exception>
            public Tensor Mul(Tensor other)
            {
                var y = Pointwise.Binary<MulOp>(self, other, "Mul");
                if (GradMode.ShouldRecord(self, other)) y.GradFn = new MulBackward(self, other);
                return y;
            }

            /// <summary>The element-wise quotient this / other, with the shapes broadcast against each other (NumPy rules). Both
            /// tensors must have the same float dtype. As torch.div; also the <c>/</c> operator.</summary>
            /// <exception cref="ArgumentException">The dtypes differ, are not float, or the shapes do not broadcast.</exception>
            public Tensor Div(Tensor other)
            {
                var y = Pointwise.Binary<DivOp>(self, other, "Div");
                if (GradMode.ShouldRecord(self, other)) y.GradFn = new DivBackward(self, other);
                return y;
            }

            /// <summary>-x element-wise, for a float tensor. As torch.neg; also unary <c>-</c>.</summary>
            /// <exception cref="ArgumentException">The tensor is not float.</exception>
            public Tensor Neg()
            {
                var y = Pointwise.Unary<NegOp>(self, "Neg");
                if (GradMode.ShouldRecord(self)) y.GradFn = new NegBackward(self);
                return y;
            }

            /// <summary>Adds <paramref name="value"/> to every element of a float tensor. As torch.add with a number.</summary>
            /// <exception cref="ArgumentException">The tensor is not float.</exception>
            public Tensor Add(double value) => self.Add(Pointwise.ScalarLike(value, self));

            /// <summary>Subtracts <paramref name="value"/> from every element of a float tensor. As torch.sub with a
            /// number.</summary>
            /// <exception cref="ArgumentException">The tensor is not float.</exception>
            public Tensor Sub(double value) => self.Sub(Pointwise.ScalarLike(value, self));

            /// <summary>Multiplies every element of a float tensor by <paramref name="value"/>. As torch.mul with a
            /// number.</summary>
            /// <exception cref="ArgumentException">The tensor is not float.</exception>
            public Tensor Mul(double value) => self.Mul(Pointwise.ScalarLike(value, self));

            /// <summary>Divides every element of a float tensor by <paramref name="value"/>. As torch.div with a
            /// number.</summary>
            /// <exception cref="ArgumentException">The tensor is not float.</exception>
            public Tensor Div(double value) => self.Div(Pointwise.ScalarLike(value, self));
        }

        extension(Tensor)
        {
            /// <summary>Element-wise sum with broadcasting: <c>a.Add(b)</c>.</summary>
            public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);

            /// <summary>Element-wise difference with broadcasting: <c>a.Sub(b)</c>.</summary>
            public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);

            /// <summary>Element-wise (Hadamard) product with broadcasting: <c>a.Mul(b)</c>. For the matrix product use
            /// MatMul.</summary>
            public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);

            /// <summary>Element-wise quotient with broadcasting: <c>a.Div(b)</c>.</summary>
            public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);

            /// <summary>Element-wise negation: <c>a.Neg()</c>.</summary>
            public static Tensor operator -(Tensor a) => a.Neg();

            /// <summary>Adds the number to every element: <c>a.Add(b)</c>.</summary>
            public static Tensor operator +(Tensor a, double b) => a.Add(b);

            /// <summary>Subtracts the number from every element: <c>a.Sub(b)</c>.</summary>
            public static Tensor operator -(Tensor a, double b) => a.Sub(b);

            /// <summary>Multiplies every element by the number: <c>a.Mul(b)</c>.</summary>
            public static Tensor operator *(Tensor a, double b) => a.Mul(b);

            /// <summary>Divides every element by the number: <c>a.Div(b)</c>.</summary>
            public static Tensor operator /(Tensor a, double b) => a.Div(b);

            /// <summary>The number plus each element of the float tensor <paramref name="b"/>.</summary>
            public static Tensor operator +(double a, Tensor b) => Pointwise.ScalarLike(a, b).Add(b);

            /// <summary>The number minus each element of the float tensor <paramref name="b"/>, e.g. <c>1 - p</c>.</summary>
            public static Tensor operator -(double a, Tensor b) => Pointwise.ScalarLike(a, b).Sub(b);

            /// <summary>The number times each element of the float tensor <paramref name="b"/>.</summary>
            public static Tensor operator *(double a, Tensor b) => Pointwise.ScalarLike(a, b).Mul(b);

            /// <summary>The number divided by each element of the float tensor <paramref name="b"/>, e.g. <c>1 / x</c>.</summary>
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
