using Hebb.Autograd;
using Hebb.Kernels;
using Hebb.Ops;

namespace Hebb
{
    /// <summary>Views share storage and only change shape, strides and offset; copies happen only in
    /// Contiguous/Clone (and Reshape when the layout demands one).</summary>
    public sealed partial class Tensor
    {
        /// <summary>Same data, new shape; one dimension may be -1 (inferred). Needs a contiguous tensor.</summary>
        public Tensor View(params int[] shape)
        {
            var newShape = InferShape(shape, "View");
            if (!IsContiguous)
                throw new InvalidOperationException($"View: tensor of shape {ShapeUtil.Format(Shape)} is not contiguous; use Reshape (which copies) or Contiguous() first");
            var y = new Tensor(Storage, newShape, ShapeUtil.ContiguousStrides(newShape), Offset);
            if (GradMode.ShouldRecord(this)) y.GradFn = new ReshapeBackward(this);
            return y;
        }

        /// <summary>Like View, but copies first when the tensor is not contiguous.</summary>
        public Tensor Reshape(params int[] shape) => IsContiguous ? View(shape) : Contiguous().View(shape);

        /// <summary>Flattens dimensions startDim..endDim into one.</summary>
        public Tensor Flatten(int startDim = 0, int endDim = -1)
        {
            if (Rank == 0) return Reshape(1);
            int s = ShapeUtil.NormalizeAxis(startDim, Rank, "Flatten"), e = ShapeUtil.NormalizeAxis(endDim, Rank, "Flatten");
            if (s > e) throw new ArgumentException($"Flatten: startDim {startDim} comes after endDim {endDim}");
            var shape = new List<int>(ShapeArray[..s]) { -1 };
            shape.AddRange(ShapeArray[(e + 1)..]);
            if (Numel == 0) shape[s] = ShapeArray[s..(e + 1)].Aggregate(1, (a, b) => a * b);
            return Reshape([.. shape]);
        }

        /// <summary>Reorders dimensions: result dim i is input dim dims[i].</summary>
        public Tensor Permute(params int[] dims)
        {
            if (dims.Length != Rank) throw new ArgumentException($"Permute: {dims.Length} dims given for a tensor of rank {Rank}");
            var seen = new bool[Rank];
            var shape = new int[Rank];
            var strides = new int[Rank];
            for (int i = 0; i < Rank; i++)
            {
                int d = ShapeUtil.NormalizeAxis(dims[i], Rank, "Permute");
                if (seen[d]) throw new ArgumentException($"Permute: dimension {d} repeated in {ShapeUtil.Format(dims)}");
                seen[d] = true;
                shape[i] = ShapeArray[d];
                strides[i] = StrideArray[d];
            }
            var y = new Tensor(Storage, shape, strides, Offset);
            if (GradMode.ShouldRecord(this)) y.GradFn = new PermuteBackward(this, dims.Select(d => d < 0 ? d + Rank : d).ToArray());
            return y;
        }

        public Tensor Transpose(int dim0, int dim1)
        {
            var dims = Enumerable.Range(0, Rank).ToArray();
            int a = ShapeUtil.NormalizeAxis(dim0, Rank, "Transpose"), b = ShapeUtil.NormalizeAxis(dim1, Rank, "Transpose");
            (dims[a], dims[b]) = (dims[b], dims[a]);
            return Permute(dims);
        }

        /// <summary>The transpose of a matrix (rank 2 only; use Transpose(-2, -1) for batches).</summary>
        public Tensor T => Rank == 2 ? Transpose(0, 1) : throw new InvalidOperationException($"T: needs a 2-D tensor, got shape {ShapeUtil.Format(Shape)}; use Transpose(-2, -1)");

        /// <summary>Elements start, start+step, ... below end along one dim (negative start/end count from the end).</summary>
        public Tensor Slice(int dim, int start, int end, int step = 1)
        {
            int d = ShapeUtil.NormalizeAxis(dim, Rank, "Slice");
            int size = ShapeArray[d];
            if (step <= 0) throw new ArgumentException($"Slice: step must be positive, got {step}");
            if (start < 0) start += size;
            if (end < 0) end += size;
            start = Math.Clamp(start, 0, size);
            end = Math.Clamp(end, start, size);
            var shape = (int[])ShapeArray.Clone();
            var strides = (int[])StrideArray.Clone();
            shape[d] = (end - start + step - 1) / step;
            strides[d] = StrideArray[d] * step;
            var y = new Tensor(Storage, shape, strides, Offset + start * StrideArray[d]);
            if (GradMode.ShouldRecord(this)) y.GradFn = new SliceBackward(this, d, start, step);
            return y;
        }

        /// <summary>length elements from start along dim (torch.narrow); errors instead of clipping.</summary>
        public Tensor Narrow(int dim, int start, int length)
        {
            int d = ShapeUtil.NormalizeAxis(dim, Rank, "Narrow");
            if (start < 0 || length < 0 || start + length > ShapeArray[d])
                throw new ArgumentOutOfRangeException(nameof(start), $"Narrow: [{start}, {start + length}) is outside dimension {d} of size {ShapeArray[d]}");
            return Slice(d, start, start + length);
        }

        /// <summary>Drops one size-1 dimension, or all of them when dim is null.</summary>
        public Tensor Squeeze(int? dim = null)
        {
            var keep = new List<int>();
            int only = dim is int dd ? ShapeUtil.NormalizeAxis(dd, Rank, "Squeeze") : -1;
            for (int i = 0; i < Rank; i++)
                if (!(ShapeArray[i] == 1 && (only < 0 || only == i))) keep.Add(i);
            return Restride(keep.Select(i => ShapeArray[i]).ToArray(), keep.Select(i => StrideArray[i]).ToArray());
        }

        /// <summary>Inserts a size-1 dimension at dim (-1 appends).</summary>
        public Tensor Unsqueeze(int dim)
        {
            int d = ShapeUtil.NormalizeAxis(dim, Rank + 1, "Unsqueeze");
            var shape = new List<int>(ShapeArray);
            var strides = new List<int>(StrideArray);
            shape.Insert(d, 1);
            strides.Insert(d, d < Rank ? StrideArray[d] * ShapeArray[d] : 1);
            return Restride([.. shape], [.. strides]);
        }

        /// <summary>Repeats size-1 dimensions (and adds leading ones) without copying; -1 keeps a size.</summary>
        public Tensor Expand(params int[] shape)
        {
            if (shape.Length < Rank) throw new ArgumentException($"Expand: target {ShapeUtil.Format(shape)} has fewer dims than {ShapeUtil.Format(Shape)}");
            int lead = shape.Length - Rank;
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
                int own = ShapeArray[i - lead];
                int want = shape[i] == -1 ? own : shape[i];
                if (want != own && own != 1)
                    throw new ArgumentException($"Expand: cannot expand shape {ShapeUtil.Format(Shape)} to {ShapeUtil.Format(shape)} (dim {i}: {own} to {want})");
                newShape[i] = want;
                strides[i] = want != own ? 0 : StrideArray[i - lead];
            }
            var y = new Tensor(Storage, newShape, strides, Offset);
            if (GradMode.ShouldRecord(this)) y.GradFn = new ExpandBackward(this);
            return y;
        }

        /// <summary>This tensor if already contiguous, else a dense copy.</summary>
        public Tensor Contiguous() => IsContiguous ? this : Clone();

        /// <summary>A dense copy with its own storage (differentiable).</summary>
        public Tensor Clone()
        {
            var y = UninitializedLike(DType, this);
            switch (DType)
            {
                case DType.Float32: Copy.ToContiguous(Data<float>(), Offset, Shape, Strides, y.Data<float>()); break;
                case DType.Float64: Copy.ToContiguous(Data<double>(), Offset, Shape, Strides, y.Data<double>()); break;
                default: Copy.ToContiguous(Data<int>(), Offset, Shape, Strides, y.Data<int>()); break;
            }
            if (GradMode.ShouldRecord(this)) y.GradFn = new CloneBackward(this);
            return y;
        }

        private Tensor Restride(int[] shape, int[] strides)
        {
            var y = new Tensor(Storage, shape, strides, Offset);
            if (GradMode.ShouldRecord(this)) y.GradFn = new ReshapeBackward(this);
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
                    if (infer >= 0) throw new ArgumentException($"{op}: only one dimension can be -1 in {ShapeUtil.Format(shape)}");
                    infer = i;
                }
                else if (result[i] < 0) throw new ArgumentException($"{op}: invalid dimension {result[i]} in {ShapeUtil.Format(shape)}");
                else known *= result[i];
            }
            if (infer >= 0)
            {
                if (known == 0 || Numel % known != 0)
                    throw new ArgumentException($"{op}: cannot view a tensor of shape {ShapeUtil.Format(Shape)} ({Numel} elements) as {ShapeUtil.Format(shape)}");
                result[infer] = (int)(Numel / known);
            }
            else if (known != Numel)
            {
                throw new ArgumentException($"{op}: cannot view a tensor of shape {ShapeUtil.Format(Shape)} ({Numel} elements) as {ShapeUtil.Format(shape)} ({known} elements)");
            }
            return result;
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
