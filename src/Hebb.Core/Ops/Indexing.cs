using System.Diagnostics.CodeAnalysis;
using Hebb.Autograd;
using Hebb.Kernels;
using Hebb.Ops;

namespace Hebb
{
    /// <summary>gather, index_select, where and masked_fill. Indices are int32 tensors.</summary>
    public static class IndexingOps
    {
        extension([NotNull] Tensor self)
        {
            /// <summary>out[i][j][k] = x[i][index[i][j][k]][k] for dim = 1 (torch.gather): picks, e.g., each
            /// row's target-class score. index has this tensor's rank; its sizes may be smaller on other dims.</summary>
            public Tensor Gather(int dim, Tensor index)
            {
                self.RequireFloat("Gather");
                int d = ShapeUtil.NormalizeAxis(dim, self.Rank, "Gather");
                var offsets = IndexOps.GatherOffsets(self, d, index, self.StrideArray, self.Offset);
                var y = Tensor.UninitializedLike(self.DType, index);
                if (self.DType == DType.Float32) IndexingKernel.Take(self.Data<float>(), offsets, y.Data<float>());
                else IndexingKernel.Take(self.Data<double>(), offsets, y.Data<double>());
                if (GradMode.ShouldRecord(self)) y.GradFn = new GatherBackward(self, d, index);
                return y;
            }

            /// <summary>Selects whole slices along dim by a 1-D index (torch.index_select; an embedding lookup is
            /// IndexSelect(0, ids)).</summary>
            public Tensor IndexSelect(int dim, Tensor index)
            {
                self.RequireFloat("IndexSelect");
                int d = ShapeUtil.NormalizeAxis(dim, self.Rank, "IndexSelect");
                if (index.Rank != 1)
                    throw new ArgumentException($"IndexSelect: index must be 1-D, got shape {ShapeUtil.Format(index.Shape)}");
                var ids = IndexOps.CheckedIndices(index, self.ShapeArray[d], "IndexSelect");
                Tensor y;
                using (GradMode.NoGrad())
                {
                    var src = self.Transpose(d, 0).Contiguous();
                    int row = src.Numel / Math.Max(self.ShapeArray[d], 1);
                    var shape = (int[])src.ShapeArray.Clone();
                    shape[0] = ids.Length;
                    var moved = Tensor.Uninitialized(self.DType, shape);
                    if (self.DType == DType.Float32) IndexingKernel.TakeRows(src.Data<float>(), src.Offset, ids, row, moved.Data<float>());
                    else IndexingKernel.TakeRows(src.Data<double>(), src.Offset, ids, row, moved.Data<double>());
                    y = d == 0 ? moved : moved.Transpose(d, 0).Contiguous();
                }
                if (GradMode.ShouldRecord(self)) y.GradFn = new IndexSelectBackward(self, d, ids);
                return y;
            }

            /// <summary>value where mask is non-zero, this tensor elsewhere (e.g. -inf above the diagonal for a
            /// causal mask).</summary>
            public Tensor MaskedFill(Tensor mask, double value)
            {
                var y = Tensor.Where(mask, Tensor.Scalar(value, self.DType), self);
                if (!ShapeUtil.SameShape(y.Shape, self.Shape))
                    throw new ArgumentException(
                        $"MaskedFill: mask of shape {ShapeUtil.Format(mask.Shape)} does not broadcast to the tensor's " +
                        $"shape {ShapeUtil.Format(self.Shape)}");
                return y;
            }
        }

        extension(Tensor)
        {
            /// <summary>Elementwise choice: a where condition is non-zero, else b (all three broadcast).</summary>
            public static Tensor Where(Tensor condition, Tensor a, Tensor b)
            {
                Pointwise.CheckSameFloat(a, b, "Where");
                var shape = ShapeUtil.Broadcast(ShapeUtil.Broadcast(condition.Shape, a.Shape, "Where"), b.Shape, "Where");
                var mask = IndexOps.Mask(condition, shape);
                Tensor y;
                using (GradMode.NoGrad())
                {
                    var ac = a.Expand(shape).Contiguous();
                    var bc = b.Expand(shape).Contiguous();
                    y = Tensor.Uninitialized(a.DType, shape);
                    if (a.DType == DType.Float32)
                        IndexingKernel.Select(mask, ac.Data<float>(), ac.Offset, bc.Data<float>(), bc.Offset, y.Data<float>());
                    else
                        IndexingKernel.Select(mask, ac.Data<double>(), ac.Offset, bc.Data<double>(), bc.Offset, y.Data<double>());
                }
                if (GradMode.ShouldRecord(a, b)) y.GradFn = new WhereBackward(a, b, condition);
                return y;
            }
        }
    }
}

namespace Hebb.Ops
{
    /// <summary>Index checks and the offsets of gather; the loops that move the data are <see cref="IndexingKernel"/>.</summary>
    internal static class IndexOps
    {
        /// <summary>Validated int32 indices as an array, each in [0, size).</summary>
        public static int[] CheckedIndices(Tensor index, int size, string op)
        {
            if (index.DType != DType.Int32)
                throw new ArgumentException($"{op}: index must be an int32 tensor, got {index.DType.Name()}");
            var ids = index.ToArray<int>();
            for (int i = 0; i < ids.Length; i++)
                if ((uint)ids[i] >= (uint)size)
                    throw new IndexOutOfRangeException(
                        $"{op}: index {ids[i]} at position {i} is out of range for a dimension of size {size}");
            return ids;
        }

        /// <summary>For every element of index (row-major), where its value points in a tensor laid out with the
        /// given strides.</summary>
        public static int[] GatherOffsets(Tensor x, int d, Tensor index, int[] strides, int offset)
        {
            if (index.Rank != x.Rank)
                throw new ArgumentException(
                    $"Gather: index has rank {index.Rank} but the input has rank {x.Rank} " +
                    $"(shapes {ShapeUtil.Format(index.Shape)} and {ShapeUtil.Format(x.Shape)})");
            for (int i = 0; i < x.Rank; i++)
                if (i != d && index.ShapeArray[i] > x.ShapeArray[i])
                    throw new ArgumentException(
                        $"Gather: index shape {ShapeUtil.Format(index.Shape)} is larger than input shape " +
                        $"{ShapeUtil.Format(x.Shape)} at dim {i}");
            var ids = CheckedIndices(index, x.ShapeArray[d], "Gather");
            var offsets = new int[ids.Length];
            IndexingKernel.GatherOffsets(ids, index.ShapeArray, strides, offset, d, offsets);
            return offsets;
        }

        /// <summary>The condition broadcast to shape, as booleans (non-zero is true).</summary>
        public static bool[] Mask(Tensor condition, int[] shape)
        {
            var values = Comparison.AsDoubles(condition.Expand(shape));
            var mask = new bool[values.Length];
            IndexingKernel.NonZero(values, mask);
            return mask;
        }
    }

    /// <summary>Scatter-add: each gathered element's gradient goes back to the place it came from
    /// (several times, if the index repeats a place).</summary>
    internal sealed class GatherBackward(Tensor x, int dim, Tensor index) : Node(x)
    {
        public override Tensor?[] Backward(Tensor g)
        {
            var x = Input(0);
            var gx = Tensor.ZerosLike(x);
            var offsets = IndexOps.GatherOffsets(x, dim, index, gx.StrideArray, 0);
            var gc = g.Contiguous();
            if (x.DType == DType.Float32) IndexingKernel.ScatterAdd(gc.Data<float>(), gc.Offset, offsets, gx.Data<float>());
            else IndexingKernel.ScatterAdd(gc.Data<double>(), gc.Offset, offsets, gx.Data<double>());
            return [gx];
        }
    }

    /// <summary>index_add: rows of the gradient are added back to the rows they were selected from.</summary>
    internal sealed class IndexSelectBackward(Tensor x, int dim, int[] ids) : Node(x)
    {
        public override Tensor?[] Backward(Tensor g)
        {
            var x = Input(0);
            var shape = (int[])x.ShapeArray.Clone();
            (shape[0], shape[dim]) = (shape[dim], shape[0]);
            var moved = Tensor.Empty(x.DType, shape);
            var gm = g.Transpose(dim, 0).Contiguous();
            int row = moved.Numel / Math.Max(shape[0], 1);
            if (x.DType == DType.Float32) IndexingKernel.AddRows(gm.Data<float>(), gm.Offset, ids, row, moved.Data<float>());
            else IndexingKernel.AddRows(gm.Data<double>(), gm.Offset, ids, row, moved.Data<double>());
            return [dim == 0 ? moved : moved.Transpose(dim, 0).Contiguous()];
        }
    }

    internal sealed class WhereBackward(Tensor a, Tensor b, Tensor condition) : Node(a, b)
    {
        public override Tensor?[] Backward(Tensor g)
        {
            var (a, b) = (Input(0), Input(1));
            var zero = Tensor.Scalar(0, g.DType);
            var ga = NeedsGrad(0) ? Tensor.Where(condition, g, zero).SumTo(a.Shape) : null;
            var gb = NeedsGrad(1) ? Tensor.Where(condition, zero, g).SumTo(b.Shape) : null;
            return [ga, gb];
        }
    }
}
