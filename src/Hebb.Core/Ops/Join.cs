using System.Diagnostics.CodeAnalysis;
using Hebb.Autograd;
using Hebb.Ops;

namespace Hebb
{
    /// <summary>concat, stack, split and chunk.</summary>
    public static class JoinOps
    {
        extension(Tensor)
        {
            /// <summary>Joins tensors along an existing dim; all other dims must match.</summary>
            public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
            {
                if (tensors.Count == 0) throw new ArgumentException("Cat: needs at least one tensor");
                var first = tensors[0];
                int d = ShapeUtil.NormalizeAxis(dim, first.Rank, "Cat");
                int total = 0;
                foreach (var t in tensors)
                {
                    if (t.DType != first.DType)
                        throw new ArgumentException($"Cat: dtypes differ ({first.DType.Name()} and {t.DType.Name()})");
                    bool ok = t.Rank == first.Rank;
                    for (int i = 0; ok && i < t.Rank; i++) ok = i == d || t.ShapeArray[i] == first.ShapeArray[i];
                    if (!ok)
                        throw new ArgumentException(
                            $"Cat: shapes {ShapeUtil.Format(first.Shape)} and {ShapeUtil.Format(t.Shape)} " +
                            $"differ outside dimension {d}");
                    total += t.ShapeArray[d];
                }
                var shape = (int[])first.ShapeArray.Clone();
                shape[d] = total;
                var y = Tensor.Uninitialized(first.DType, shape);
                var sizes = new int[tensors.Count];
                using (GradMode.NoGrad())
                {
                    int offset = 0;
                    for (int i = 0; i < tensors.Count; i++)
                    {
                        sizes[i] = tensors[i].ShapeArray[d];
                        y.Narrow(d, offset, sizes[i]).CopyFrom(tensors[i]);
                        offset += sizes[i];
                    }
                }
                if (GradMode.ShouldRecord([.. tensors])) y.GradFn = new CatBackward([.. tensors], d, sizes);
                return y;
            }

            /// <summary>Joins same-shaped tensors along a new dim.</summary>
            public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
            {
                if (tensors.Count == 0) throw new ArgumentException("Stack: needs at least one tensor");
                foreach (var t in tensors)
                    if (!ShapeUtil.SameShape(t.Shape, tensors[0].Shape))
                        throw new ArgumentException(
                            $"Stack: shapes {ShapeUtil.Format(tensors[0].Shape)} and {ShapeUtil.Format(t.Shape)} differ");
                int d = ShapeUtil.NormalizeAxis(dim, tensors[0].Rank + 1, "Stack");
                return Tensor.Cat(tensors.Select(t => t.Unsqueeze(d)).ToArray(), d);
            }
        }

        extension([NotNull] Tensor self)
        {
            /// <summary>Views of consecutive pieces of the given sizes along dim.</summary>
            public Tensor[] Split(int[] sizes, int dim = 0)
            {
                int d = ShapeUtil.NormalizeAxis(dim, self.Rank, "Split");
                if (sizes.Any(s => s < 0) || sizes.Sum() != self.ShapeArray[d])
                    throw new ArgumentException(
                        $"Split: sizes {ShapeUtil.Format(sizes)} do not add up to dimension {d} of size {self.ShapeArray[d]}");
                var parts = new Tensor[sizes.Length];
                for (int i = 0, start = 0; i < sizes.Length; start += sizes[i], i++) parts[i] = self.Narrow(d, start, sizes[i]);
                return parts;
            }

            /// <summary>Splits into pieces of splitSize (the last may be smaller), like torch.split with an int.</summary>
            public Tensor[] Split(int splitSize, int dim = 0)
            {
                if (splitSize <= 0) throw new ArgumentException($"Split: size must be positive, got {splitSize}");
                int n = self.Size(dim);
                var sizes = new List<int>();
                for (int s = 0; s < n; s += splitSize) sizes.Add(Math.Min(splitSize, n - s));
                return self.Split([.. sizes], dim);
            }

            /// <summary>Splits into the given number of nearly equal pieces (torch.chunk).</summary>
            public Tensor[] Chunk(int chunks, int dim = 0)
            {
                if (chunks <= 0) throw new ArgumentException($"Chunk: chunks must be positive, got {chunks}");
                int n = self.Size(dim);
                return self.Split(Math.Max(1, (n + chunks - 1) / chunks), dim);
            }
        }
    }
}

namespace Hebb.Ops
{
    internal sealed class CatBackward(Tensor[] inputs, int dim, int[] sizes) : Node(inputs)
    {
        public override Tensor?[] Backward(Tensor g)
        {
            var grads = new Tensor?[sizes.Length];
            for (int i = 0, start = 0; i < sizes.Length; start += sizes[i], i++)
                grads[i] = NeedsGrad(i) ? g.Narrow(dim, start, sizes[i]) : null;
            return grads;
        }
    }
}
