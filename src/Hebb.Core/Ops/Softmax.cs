using System.Diagnostics.CodeAnalysis;
using Hebb.Autograd;
using Hebb.Kernels;
using Hebb.Ops;

namespace Hebb
{
    /// <summary>softmax (with temperature) and log-softmax along any axis.</summary>
    public static class SoftmaxOps
    {
        extension([NotNull] Tensor self)
        {
            /// <summary>softmax_i = e^(x_i / T) / sum_j e^(x_j / T) along dim. T → 0 approaches argmax,
            /// large T flattens the distribution; T must be positive (greedy decoding is the sampler's job).</summary>
            public Tensor Softmax(int dim, double temperature = 1.0)
            {
                if (!(temperature > 0) || double.IsInfinity(temperature))
                    throw new ArgumentOutOfRangeException(
                        nameof(temperature), $"Softmax: temperature must be a positive finite number, got {temperature}");
                var y = RowWise(self, dim, "Softmax", (x, d, n) =>
                {
                    if (x.DType == DType.Float32)
                        SoftmaxKernel.Softmax<float>(
                            x.Data<float>().AsSpan(x.Offset, x.Numel), d.Data<float>(), n, (float)temperature);
                    else
                        SoftmaxKernel.Softmax<double>(x.Data<double>().AsSpan(x.Offset, x.Numel), d.Data<double>(), n, temperature);
                });
                if (GradMode.ShouldRecord(self)) y.GradFn = new SoftmaxBackward(self, y, dim, temperature);
                return y;
            }

            /// <summary>log softmax, computed as (x - max) - log sum e^(x - max) so it never overflows.</summary>
            public Tensor LogSoftmax(int dim)
            {
                var y = RowWise(self, dim, "LogSoftmax", (x, d, n) =>
                {
                    if (x.DType == DType.Float32)
                        SoftmaxKernel.LogSoftmax<float>(x.Data<float>().AsSpan(x.Offset, x.Numel), d.Data<float>(), n);
                    else
                        SoftmaxKernel.LogSoftmax<double>(x.Data<double>().AsSpan(x.Offset, x.Numel), d.Data<double>(), n);
                });
                if (GradMode.ShouldRecord(self)) y.GradFn = new LogSoftmaxBackward(self, y, dim);
                return y;
            }
        }

        /// <summary>Moves dim last (copying only if needed), runs the row kernel, moves it back.</summary>
        internal static Tensor RowWise(Tensor x, int dim, string op, Action<Tensor, Tensor, int> kernel)
        {
            x.RequireFloat(op);
            int d = ShapeUtil.NormalizeAxis(dim, Math.Max(x.Rank, 1), op);
            using var _ = GradMode.NoGrad();
            var src = x.Rank == 0 ? x.Reshape(1) : x;
            bool last = d == src.Rank - 1;
            var moved = (last ? src : src.Transpose(d, -1)).Contiguous();
            var y = Tensor.UninitializedLike(x.DType, moved);
            if (moved.Numel > 0) kernel(moved, y, moved.ShapeArray[^1]);
            var result = last ? y : y.Transpose(d, -1).Contiguous();
            return x.Rank == 0 ? result.Reshape() : result;
        }
    }
}

namespace Hebb.Ops
{
    /// <summary>With y = softmax(x/T): dx = y ⊙ (g - sum(g ⊙ y)) / T.</summary>
    internal sealed class SoftmaxBackward(Tensor x, Tensor y, int dim, double temperature) : Node([x], saveForBackward: y)
    {
        public override Tensor?[] Backward(Tensor g)
        {
            var y = Saved(0);
            var dot = g.Mul(y).Sum(dim, keepDim: true);
            var dx = y.Mul(g.Sub(dot));
            return [temperature == 1.0 ? dx : dx.Div(temperature)];
        }
    }

    /// <summary>With y = log softmax(x): dx = g - e^y · sum(g).</summary>
    internal sealed class LogSoftmaxBackward(Tensor x, Tensor y, int dim) : Node([x], saveForBackward: y)
    {
        public override Tensor?[] Backward(Tensor g) => [g.Sub(Saved(0).Exp().Mul(g.Sum(dim, keepDim: true)))];
    }
}
