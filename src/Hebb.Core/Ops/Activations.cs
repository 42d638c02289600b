using System.Diagnostics.CodeAnalysis;
using Hebb.Autograd;
using Hebb.Kernels;
using Hebb.Ops;

namespace Hebb
{
    /// <summary>sigmoid, tanh, ReLU and GELU with their derivatives.</summary>
    public static class ActivationOps
    {
        extension([NotNull] Tensor self)
        {
            /// <summary>sigma(x) = 1 / (1 + e^-x).</summary>
            public Tensor Sigmoid()
            {
                var y = Pointwise.Unary<SigmoidOp>(self, "Sigmoid");
                if (GradMode.ShouldRecord(self)) y.GradFn = new SigmoidBackward(self, y);
                return y;
            }

            /// <summary>tanh(x) element-wise, for a float tensor, in (-1, 1). As torch.tanh.</summary>
            /// <exception cref="ArgumentException">The tensor is not float.</exception>
            public Tensor Tanh()
            {
                var y = Pointwise.Unary<TanhOp>(self, "Tanh");
                if (GradMode.ShouldRecord(self)) y.GradFn = new TanhBackward(self, y);
                return y;
            }

            /// <summary>ReLU(s) = max(0, s).</summary>
            public Tensor Relu()
            {
                var y = Pointwise.Unary<ReluOp>(self, "Relu");
                if (GradMode.ShouldRecord(self)) y.GradFn = new ReluBackward(self);
                return y;
            }

            /// <summary>GELU(x) = x·Φ(x) (exact, with erf), or GPT-2's tanh approximation
            /// 0.5x(1 + tanh(sqrt(2/π)(x + 0.044715x³))) when <paramref name="tanhApproximation"/>.</summary>
            public Tensor Gelu(bool tanhApproximation = false)
            {
                if (!tanhApproximation && self.DType == DType.Float32 && GradMode.ShouldRecord(self))
                {
                    // Training in float: keep Φ(x) from the forward so the backward needs no second erfc.
                    var x = self.Contiguous();
                    var phi = Tensor.UninitializedLike(self.DType, x);
                    var yf = Tensor.UninitializedLike(self.DType, x);
                    GeluKernel.Forward(x.Data<float>().AsSpan(x.Offset, x.Numel), yf.Data<float>(), phi.Data<float>());
                    yf.GradFn = new GeluBackward(self, false, phi);
                    return yf;
                }
                var y = tanhApproximation
                    ? Pointwise.Unary<GeluTanhOp>(self, "Gelu")
                    : Pointwise.Unary<GeluOp>(self, "Gelu");
                if (GradMode.ShouldRecord(self)) y.GradFn = new GeluBackward(self, tanhApproximation, null);
                return y;
            }
        }
    }
}

namespace Hebb.Ops
{
    /// <summary>sigma' = sigma (1 - sigma).</summary>
    internal sealed class SigmoidBackward(Tensor x, Tensor y) : Node([x], saveForBackward: y)
    {
        public override Tensor?[] Backward(Tensor g) => [g.Mul(Saved(0)).Mul(1.0 - Saved(0))];
    }

    /// <summary>tanh' = 1 - tanh².</summary>
    internal sealed class TanhBackward(Tensor x, Tensor y) : Node([x], saveForBackward: y)
    {
        public override Tensor?[] Backward(Tensor g) => [g.Mul(1.0 - Saved(0).Mul(Saved(0)))];
    }

    internal sealed class ReluBackward(Tensor x) : Node(x)
    {
        public override Tensor?[] Backward(Tensor g) => [Pointwise.Binary<ReluGradOp>(Input(0), g, "Relu")];
    }

    /// <summary>phi, when kept by the float forward, is Φ(x): then dx = g·(Φ + x·φ(x)) in one fused pass.</summary>
    internal sealed class GeluBackward(Tensor x, bool tanhApproximation, Tensor? phi) : Node([x], saveForBackward: phi)
    {
        public override Tensor?[] Backward(Tensor g)
        {
            if (SavedOrNull(0) is { } phi)
            {
                var x = Input(0).Contiguous();
                var gc = g.Contiguous();
                var dx = Tensor.UninitializedLike(x.DType, x);
                GeluKernel.Backward(
                    x.Data<float>().AsSpan(x.Offset, x.Numel),
                    phi.Data<float>().AsSpan(0, x.Numel),
                    gc.Data<float>().AsSpan(gc.Offset, gc.Numel),
                    dx.Data<float>());
                return [dx];
            }
            return [g.Mul(tanhApproximation
                ? Pointwise.Unary<GeluTanhGradOp>(Input(0), "Gelu")
                : Pointwise.Unary<GeluGradOp>(Input(0), "Gelu"))];
        }
    }
}
