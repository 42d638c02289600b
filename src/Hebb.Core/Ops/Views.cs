using System.Diagnostics.CodeAnalysis;
using Hebb.Autograd;
using Hebb.Kernels;
using Hebb.Ops;

namespace Hebb
{
    /// <summary>Views share storage and only change shape, strides and offset; copies happen only in
    /// Contiguous/Clone (and Reshape when the layout demands one).</summary>
    public static class ViewOps
    {
        extension([NotNull] Tensor self)
        {
            /// <summary>Same data, new shape; one dimension may be -1 (inferred). Needs a contiguous tensor.</summary>
            public Tensor View(params int[] shape)
            {
                var newShape = self.InferShape(shape, "View");
                if (!self.IsContiguous)
                    throw new InvalidOperationException(
                        $"View: tensor of shape {ShapeUtil.Format(self.Shape)} is not contiguous; " +
                        "use Reshape (which copies) or Contiguous() first");
                var y = new Tensor(self.Storage, newShape, ShapeUtil.ContiguousStrides(newShape), self.Offset);
                if (GradMode.ShouldRecord(self)) y.GradFn = new ReshapeBackward(self);
                return y;
            }

            /// <summary>Like View, but copies first when the tensor is not contiguous.</summary>
            public Tensor Reshape(params int[] shape) => self.IsContiguous ? self.View(shape) : self.Contiguous().View(shape);

            /// <summary>Flattens dimensions startDim..endDim into one.</summary>
            public Tensor Flatten(int startDim = 0, int endDim = -1)
            {
                if (self.Rank == 0) return self.Reshape(1);
                int s = ShapeUtil.NormalizeAxis(startDim, self.Rank, "Flatten");
                int e = ShapeUtil.NormalizeAxis(endDim, self.Rank, "Flatten");
                if (s > e) throw new ArgumentException($"Flatten: startDim {startDim} comes after endDim {endDim}");
                var shape = new List<int>(self.ShapeArray[..s]) { -1 };
                shape.AddRange(self.ShapeArray[(e + 1)..]);
                if (self.Numel == 0) shape[s] = self.ShapeArray[s..(e + 1)].Aggregate(1, (a, b) => a * b);
                return self.Reshape([.. shape]);
            }

            /// <summary>Reorders dimensions: result dim i is input dim dims[i].</summary>
            public Tensor Permute(params int[] dims)
            {
                if (dims.Length != self.Rank)
                    throw new ArgumentException($"Permute: {dims.Length} dims given for a tensor of rank {self.Rank}");
                var seen = new bool[self.Rank];
                var shape = new int[self.Rank];
                var strides = new int[self.Rank];
                for (int i = 0; i < self.Rank; i++)
                {
                    int d = ShapeUtil.NormalizeAxis(dims[i], self.Rank, "Permute");
                    if (seen[d]) throw new ArgumentException($"Permute: dimension {d} repeated in {ShapeUtil.Format(dims)}");
                    seen[d] = true;
                    shape[i] = self.ShapeArray[d];
                    strides[i] = self.StrideArray[d];
                }
                var y = new Tensor(self.Storage, shape, strides, self.Offset);
                if (GradMode.ShouldRecord(self))
                    y.GradFn = new PermuteBackward(self, dims.Select(d => d < 0 ? d + self.Rank : d).ToArray());
                return y;
            }

            /// <summary>A view with dims <paramref name="dim0"/> and <paramref name="dim1"/> swapped (negative dims count
            /// from the end), e.g. Transpose(-2, -1) on (batch, m, n) gives (batch, n, m); no data is copied.
            /// As torch.transpose.</summary>
            /// <exception cref="ArgumentOutOfRangeException">A dim is out of range.</exception>
            public Tensor Transpose(int dim0, int dim1)
            {
                var dims = Enumerable.Range(0, self.Rank).ToArray();
                int a = ShapeUtil.NormalizeAxis(dim0, self.Rank, "Transpose");
                int b = ShapeUtil.NormalizeAxis(dim1, self.Rank, "Transpose");
                (dims[a], dims[b]) = (dims[b], dims[a]);
                return self.Permute(dims);
            }

            /// <summary>The transpose of a matrix (rank 2 only; use Transpose(-2, -1) for batches).</summary>
            public Tensor T => self.Rank == 2
                ? self.Transpose(0, 1)
                : throw new InvalidOperationException(
                    $"T: needs a 2-D tensor, got shape {ShapeUtil.Format(self.Shape)}; use Transpose(-2, -1)");

            /// <summary>Elements start, start+step, ... below end along one dim (negative start/end count from the
            /// end).</summary>
            public Tensor Slice(int dim, int start, int end, int step = 1)
            {
                int d = ShapeUtil.NormalizeAxis(dim, self.Rank, "Slice");
                int size = self.ShapeArray[d];
                if (step <= 0) throw new ArgumentException($"Slice: step must be positive, got {step}");
                if (start < 0) start += size;
                if (end < 0) end += size;
                start = Math.Clamp(start, 0, size);
                end = Math.Clamp(end, start, size);
                var shape = (int[])self.ShapeArray.Clone();
                var strides = (int[])self.StrideArray.Clone();
                shape[d] = (end - start + step - 1) / step;
                strides[d] = self.StrideArray[d] * step;
                var y = new Tensor(self.Storage, shape, strides, self.Offset + start * self.StrideArray[d]);
                if (GradMode.ShouldRecord(self)) y.GradFn = new SliceBackward(self, d, start, step);
                return y;
            }

            /// <summary>length elements from start along dim (torch.narrow); errors instead of clipping.</summary>
            public Tensor Narrow(int dim, int start, int length)
            {
                int d = ShapeUtil.NormalizeAxis(dim, self.Rank, "Narrow");
                if (start < 0 || length < 0 || start + length > self.ShapeArray[d])
                    throw new ArgumentOutOfRangeException(
                        nameof(start),
                        $"Narrow: [{start}, {start + length}) is outside dimension {d} of size {self.ShapeArray[d]}");
                return self.Slice(d, start, start + length);
            }

            /// <summary>Drops one size-1 dimension, or all of them when dim is null.</summary>
            public Tensor Squeeze(int? dim = null)
            {
                var keep = new List<int>();
                int only = dim is int dd ? ShapeUtil.NormalizeAxis(dd, self.Rank, "Squeeze") : -1;
                for (int i = 0; i < self.Rank; i++)
                    if (!(self.ShapeArray[i] == 1 && (only < 0 || only == i))) keep.Add(i);
                return self.Restride(
                    keep.Select(i => self.ShapeArray[i]).ToArray(), keep.Select(i => self.StrideArray[i]).ToArray());
            }

            /// <summary>Inserts a size-1 dimension at dim (-1 appends).</summary>
            public Tensor Unsqueeze(int dim)
            {
                int d = ShapeUtil.NormalizeAxis(dim, self.Rank + 1, "Unsqueeze");
                var shape = new List<int>(self.ShapeArray);
                var strides = new List<int>(self.StrideArray);
                shape.Insert(d, 1);
                strides.Insert(d, d < self.Rank ? self.StrideArray[d] * self.ShapeArray[d] : 1);
                return self.Restride([.. shape], [.. strides]);
            }

            /// <summary>Repeats size-1 dimensions (and adds leading ones) without copying; -1 keeps a size.</summary>
            public Tensor Expand(params int[] shape)
            {
                if (shape.Length < self.Rank)
                    throw new ArgumentException(
                        $"Expand: target {ShapeUtil.Format(shape)} has fewer dims than {ShapeUtil.Format(self.Shape)}");
                int lead = shape.Length - self.Rank;
                var newShape = new int[shape.Length];
                var strides = new int[shape.Length];
                for (int i = 0; i < shape.Length; i++)
                {
                    if (i < lead)
                    {
                        if (shape[i] < 0) throw new ArgumentException($"Expand: -1 not allowed for new leading dim {i}");
                        newShape[i] = shape[i];
                        continue;
                    }
                    int own = self.ShapeArray[i - lead];
                    int want = shape[i] == -1 ? own : shape[i];
                    if (want != own && own != 1)
                        throw new ArgumentException(
                            $"Expand: cannot expand shape {ShapeUtil.Format(self.Shape)} to {ShapeUtil.Format(shape)} " +
                            $"(dim {i}: {own} to {want})");
                    newShape[i] = want;
                    strides[i] = want != own ? 0 : self.StrideArray[i - lead];
                }
                var y = new Tensor(self.Storage, newShape, strides, self.Offset);
                if (GradMode.ShouldRecord(self)) y.GradFn = new ExpandBackward(self);
                return y;
            }

            /// <summary>This tensor if already contiguous, else a dense copy.</summary>
            public Tensor Contiguous() => self.IsContiguous ? self : self.Clone();

            /// <summary>A dense copy with its own storage (differentiable).</summary>
            public Tensor Clone()
            {
                var y = Tensor.UninitializedLike(self.DType, self);
                switch (self.DType)
                {
                    case DType.Float32:
                        Copy.ToContiguous(self.Data<float>(), self.Offset, self.Shape, self.Strides, y.Data<float>());
                        break;
                    case DType.Float64:
                        Copy.ToContiguous(self.Data<double>(), self.Offset, self.Shape, self.Strides, y.Data<double>());
                        break;
                    default:
                        Copy.ToContiguous(self.Data<int>(), self.Offset, self.Shape, self.Strides, y.Data<int>());
                        break;
                }
                if (GradMode.ShouldRecord(self)) y.GradFn = new CloneBackward(self);
                return y;
            }

            private Tensor Restride(int[] shape, int[] strides)
            {
                var y = new Tensor(self.Storage, shape, strides, self.Offset);
                if (GradMode.ShouldRecord(self)) y.GradFn = new ReshapeBackward(self);
                return y;
            }

            private int[] InferShape(int[] shape, string op)
            {
                var result = (int[])shape.Clone();
                int infer = -1;
                long known = 1;
                for (int i = 0; i < result.Length; i++)
                {
                    if (result[i] == -1)
                    {
                        if (infer >= 0)
                            throw new ArgumentException($"{op}: only one dimension can be -1 in {ShapeUtil.Format(shape)}");
                        infer = i;
                    }
                    else if (result[i] < 0)
                        throw new ArgumentException($"{op}: invalid dimension {result[i]} in {ShapeUtil.Format(shape)}");
                    else known *= result[i];
                }
                if (infer >= 0)
                {
                    if (known == 0 || self.Numel % known != 0)
                        throw new ArgumentException(
                            $"{op}: cannot view a tensor of shape {ShapeUtil.Format(self.Shape)} ({self.Numel} elements) " +
                            $"as {ShapeUtil.Format(shape)}");
                    result[infer] = (int)(self.Numel / known);
                }
                else if (known != self.Numel)
                {
                    throw new ArgumentException(
                        $"{op}: cannot view a tensor of shape {ShapeUtil.Format(self.Shape)} ({self.Numel} elements) " +
                        $"as {ShapeUtil.Format(shape)} ({known} elements)");
                }
                return result;
            }
        }
    }
}

namespace Hebb.Ops
{
    internal sealed class ReshapeBackward(Tensor x) : Node(x)
    {
        public override Tensor?[] Backward(Tensor g) => [g.Reshape(Input(0).ShapeArray)];
    }

    internal sealed class PermuteBackward(Tensor x, int[] dims) : Node(x)
    {
        public override Tensor?[] Backward(Tensor g)
        {
            var inverse = new int[dims.Length];
            for (int i = 0; i < dims.Length; i++) inverse[dims[i]] = i;
            return [g.Permute(inverse)];
        }
    }

    /// <summary>The gradient of a slice is zero outside it.</summary>
    internal sealed class SliceBackward(Tensor x, int dim, int start, int step) : Node(x)
    {
        public override Tensor?[] Backward(Tensor g)
        {
            var full = Tensor.ZerosLike(Input(0));
            full.Slice(dim, start, start + (g.ShapeArray[dim] - 1) * step + 1, step).CopyFrom(g);
            return [full];
        }
    }

    internal sealed class ExpandBackward(Tensor x) : Node(x)
    {
        public override Tensor?[] Backward(Tensor g) => [g.SumTo(Input(0).Shape)];
    }

    internal sealed class CloneBackward(Tensor x) : Node(x)
    {
        public override Tensor?[] Backward(Tensor g) => [g];
    }
}
