using System.Diagnostics.CodeAnalysis;
using Hebb.Autograd;
using Hebb.Kernels;
using Hebb.Ops;

namespace Hebb
{
    /// <summary>sum, mean, var, max/min (values and indices) along one or more axes, with keepdim.</summary>
    public static class ReductionOps
    {
        extension([NotNull] Tensor self)
        {
            /// <summary>Sum over the given dims (all dims when none are given). Int32 tensors sum to int32 (not
            /// differentiable).</summary>
            public Tensor Sum(int[]? dims = null, bool keepDim = false)
            {
                // Integer sums (e.g. counting correct predictions) go through float64, exact below 2^53.
                if (self.DType == DType.Int32) return self.To(DType.Float64).Sum(dims, keepDim).To(DType.Int32);
                var axes = ShapeUtil.NormalizeAxes(dims, self.Rank, "Sum");
                var keptShape = (int[])self.ShapeArray.Clone();
                foreach (int a in axes) keptShape[a] = 1;
                var y = Tensor.Empty(self.DType, keptShape);
                // Accumulate every input element into its output slot: the output is walked with stride 0
                // along the reduced dims, so whole rows are added at once when the last dim is kept.
                var outStrides = Pointwise.BroadcastStrides(y, self.Shape);
                if (self.DType == DType.Float32)
                    Elementwise.AddInto(
                        y.Data<float>(), 0, outStrides, self.Data<float>(), self.Offset, self.Strides, self.Shape);
                else
                    Elementwise.AddInto(
                        y.Data<double>(), 0, outStrides, self.Data<double>(), self.Offset, self.Strides, self.Shape);
                if (GradMode.ShouldRecord(self)) y.GradFn = new SumBackward(self, keptShape);
                return keepDim ? y : y.DropDims(axes);
            }

            /// <summary>Sum over one dim (negative counts from the end), which is dropped unless
            /// <paramref name="keepDim"/>, e.g. (batch, classes).Sum(1) gives (batch). As torch.sum(x, dim).</summary>
            /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range.</exception>
            public Tensor Sum(int dim, bool keepDim = false) => self.Sum([dim], keepDim);

            /// <summary>Mean over the given dims (all dims when none are given, giving a scalar), of a float tensor.
            /// As torch.mean.</summary>
            /// <exception cref="ArgumentException">The tensor is not float, or a dim is repeated.</exception>
            /// <exception cref="ArgumentOutOfRangeException">A dim is out of range.</exception>
            public Tensor Mean(int[]? dims = null, bool keepDim = false)
            {
                var axes = ShapeUtil.NormalizeAxes(dims, self.Rank, "Mean");
                int count = axes.Aggregate(1, (n, a) => n * self.ShapeArray[a]);
                return self.Sum(axes, keepDim).Div(count);
            }

            /// <summary>Mean over one dim of a float tensor, which is dropped unless <paramref name="keepDim"/>.
            /// As torch.mean(x, dim).</summary>
            public Tensor Mean(int dim, bool keepDim = false) => self.Mean([dim], keepDim);

            /// <summary>Variance with Bessel's correction by default (correction = 1, as torch.var).</summary>
            public Tensor Var(int[]? dims = null, bool keepDim = false, int correction = 1)
            {
                var axes = ShapeUtil.NormalizeAxes(dims, self.Rank, "Var");
                int count = axes.Aggregate(1, (n, a) => n * self.ShapeArray[a]);
                var centred = self.Sub(self.Mean(axes, keepDim: true));
                return centred.Mul(centred).Sum(axes, keepDim).Div(Math.Max(count - correction, 0));
            }

            /// <summary>Variance over one dim of a float tensor: Σ(x - mean)² / (n - <paramref name="correction"/>), so 1
            /// (the default) is the unbiased estimate and 0 the population variance. As torch.var(x, dim).</summary>
            public Tensor Var(int dim, bool keepDim = false, int correction = 1) => self.Var([dim], keepDim, correction);

            /// <summary>Largest value along dim and its index (the first one on ties; NaN wins, as in PyTorch).</summary>
            public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false) =>
                Reduction.ArgExtreme(self, dim, keepDim, max: true);

            /// <summary>Smallest value along dim of a float tensor and its int32 index (the first one on ties; NaN
            /// wins, as in PyTorch). The gradient flows to the chosen elements. As torch.min(x, dim).</summary>
            /// <exception cref="ArgumentException">The tensor is not float, or the dim is empty.</exception>
            public (Tensor Values, Tensor Indices) Min(int dim, bool keepDim = false) =>
                Reduction.ArgExtreme(self, dim, keepDim, max: false);

            /// <summary>Largest values over several dims at once (values only; the gradient goes to the chosen
            /// elements).</summary>
            public Tensor Max(int[] dims, bool keepDim = false) => Reduction.OverAxes(self, dims, keepDim, max: true);

            /// <summary>Smallest values over several dims at once (values only; the gradient goes to the chosen
            /// elements). As torch.amin.</summary>
            public Tensor Min(int[] dims, bool keepDim = false) => Reduction.OverAxes(self, dims, keepDim, max: false);

            /// <summary>The largest element overall.</summary>
            public Tensor Max() => self.Reshape(-1).Max(0).Values;

            /// <summary>The smallest element overall, as a scalar tensor. As torch.min(x).</summary>
            public Tensor Min() => self.Reshape(-1).Min(0).Values;

            /// <summary>The int32 index of the largest value along dim (the first on ties), e.g. the predicted class of
            /// logits (batch, classes) with dim 1. Not differentiable. As torch.argmax.</summary>
            /// <exception cref="ArgumentException">The tensor is not float, or the dim is empty.</exception>
            public Tensor Argmax(int dim, bool keepDim = false) => self.Max(dim, keepDim).Indices;

            /// <summary>Sums a broadcast result back down to <paramref name="shape"/>: the reverse of broadcasting.</summary>
            public Tensor SumTo(ReadOnlySpan<int> shape)
            {
                if (ShapeUtil.SameShape(self.Shape, shape)) return self;
                int lead = self.Rank - shape.Length;
                if (lead < 0)
                    throw new ArgumentException(
                        $"SumTo: cannot reduce shape {ShapeUtil.Format(self.Shape)} to the larger {ShapeUtil.Format(shape)}");
                var axes = new List<int>();
                for (int i = 0; i < self.Rank; i++)
                {
                    if (i < lead) { axes.Add(i); continue; }
                    int want = shape[i - lead];
                    if (want == 1 && self.ShapeArray[i] != 1) axes.Add(i);
                    else if (want != self.ShapeArray[i])
                        throw new ArgumentException(
                            $"SumTo: shape {ShapeUtil.Format(self.Shape)} does not broadcast from {ShapeUtil.Format(shape)}");
                }
                var summed = axes.Count > 0 ? self.Sum([.. axes], keepDim: true) : self;
                return summed.Reshape(shape.ToArray());
            }

            /// <summary>Removes the given size-1 dims (keepDim = false after a reduction).</summary>
            internal Tensor DropDims(int[] axes)
            {
                var shape = new List<int>();
                for (int i = 0; i < self.Rank; i++) if (Array.IndexOf(axes, i) < 0) shape.Add(self.ShapeArray[i]);
                return self.Reshape([.. shape]);
            }
        }
    }
}

namespace Hebb.Ops
{
    /// <summary>Every input element received the gradient of its output slot.</summary>
    internal sealed class SumBackward(Tensor x, int[] keptShape) : Node(x)
    {
        public override Tensor?[] Backward(Tensor g) => [g.Reshape(keptShape).Expand(Input(0).ShapeArray)];
    }

    internal static class Reduction
    {
        /// <summary>Moves the reduced dims last, flattens them into one, and reduces that one.</summary>
        public static Tensor OverAxes(Tensor x, int[] dims, bool keepDim, bool max)
        {
            var axes = ShapeUtil.NormalizeAxes(dims, x.Rank, max ? "Max" : "Min");
            var kept = Enumerable.Range(0, x.Rank).Where(d => Array.IndexOf(axes, d) < 0).ToArray();
            var keptSizes = kept.Select(d => x.ShapeArray[d]).ToArray();
            var flat = x.Permute([.. kept, .. axes]).Reshape([.. keptSizes, -1]);
            var values = ArgExtreme(flat, -1, keepDim: false, max).Values;
            if (!keepDim) return values;
            var keptShape = (int[])x.ShapeArray.Clone();
            foreach (int a in axes) keptShape[a] = 1;
            return values.Reshape(keptShape);
        }

        /// <summary>Finds the indices with a row kernel, then takes the values with Gather so that the
        /// gradient (which flows only to the chosen element) comes from Gather's backward.</summary>
        public static (Tensor Values, Tensor Indices) ArgExtreme(Tensor x, int dim, bool keepDim, bool max)
        {
            string op = max ? "Max" : "Min";
            x.RequireFloat(op);
            int d = ShapeUtil.NormalizeAxis(dim, x.Rank, op);
            if (x.ShapeArray[d] == 0) throw new ArgumentException($"{op}: dimension {d} is empty");
            var moved = x.Detach().Transpose(d, x.Rank - 1).Contiguous();
            int n = x.ShapeArray[d], rows = moved.Numel / n;
            var idx = new int[rows];
            if (x.DType == DType.Float32) ArgExtremeKernel.Rows<float>(moved.Data<float>().AsSpan(moved.Offset, rows * n), n, idx, max);
            else ArgExtremeKernel.Rows<double>(moved.Data<double>().AsSpan(moved.Offset, rows * n), n, idx, max);
            var movedShape = (int[])moved.ShapeArray.Clone();
            movedShape[^1] = 1;
            var indices = Tensor.Wrap(idx, movedShape).Transpose(d, x.Rank - 1).Contiguous();
            var values = x.Gather(d, indices);
            return keepDim ? (values, indices) : (values.Squeeze(d), indices.Squeeze(d));
        }
    }
}
