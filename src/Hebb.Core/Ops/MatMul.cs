using System.Diagnostics.CodeAnalysis;
using Hebb.Autograd;
using Hebb.Kernels;
using Hebb.Ops;

namespace Hebb
{
    /// <summary>Matrix product: 2-D, and batched over any leading dims with broadcasting (like torch.matmul).
    /// A 1-D operand is treated as a row (left) or column (right) vector and that dim is dropped.</summary>
    public static class MatMulOp
    {
        extension([NotNull] Tensor self)
        {
            /// <summary>The matrix product: (m, k) · (k, n) gives (m, n); (..., m, k) · (..., k, n) gives (..., m, n) with
            /// the leading (batch) dims broadcast. Both tensors must have the same float dtype. As torch.matmul.</summary>
            /// <exception cref="ArgumentException">The dtypes differ or are not float, an operand is a scalar, the inner
            /// sizes differ, or the batch dims do not broadcast.</exception>
            public Tensor MatMul(Tensor other)
            {
                Pointwise.CheckSameFloat(self, other, "MatMul");
                if (self.Rank == 0 || other.Rank == 0)
                    throw new ArgumentException(
                        $"MatMul: both operands need at least one dimension, got {ShapeUtil.Format(self.Shape)} " +
                        $"and {ShapeUtil.Format(other.Shape)}");
                if (self.Rank == 1) return self.Unsqueeze(0).MatMul(other).Squeeze(-2);
                if (other.Rank == 1) return self.MatMul(other.Unsqueeze(1)).Squeeze(-1);

                int m = self.ShapeArray[^2], k = self.ShapeArray[^1], k2 = other.ShapeArray[^2], n = other.ShapeArray[^1];
                if (k != k2)
                    throw new ArgumentException(
                        $"MatMul: shapes {ShapeUtil.Format(self.Shape)} and {ShapeUtil.Format(other.Shape)} " +
                        $"do not chain ({k} columns vs {k2} rows)");
                Tensor a = self, b = other, y;
                if (self.Rank == 2 && other.Rank == 2)
                {
                    y = Tensor.Uninitialized(self.DType, [m, n]);
                }
                else
                {
                    var batch = ShapeUtil.Broadcast(self.ShapeArray[..^2], other.ShapeArray[..^2], "MatMul");
                    using (GradMode.NoGrad())
                    {
                        a = self.Expand([.. batch, m, k]);
                        b = other.Expand([.. batch, k, n]);
                    }
                    y = Tensor.Uninitialized(self.DType, [.. batch, m, n]);
                }
                MatMulOps.Batched(a, b, y, m, k, n);
                if (GradMode.ShouldRecord(self, other)) y.GradFn = new MatMulBackward(self, other);
                return y;
            }
        }
    }
}

namespace Hebb.Ops
{
    internal static class MatMulOps
    {
        /// <summary>y[i] = a[i] · b[i] for every batch index i; a and b are already broadcast views.</summary>
        public static void Batched(Tensor a, Tensor b, Tensor y, int m, int k, int n)
        {
            if (y.DType == DType.Float32)
                Gemm.MultiplyBatched(
                    a.Data<float>(), a.Offset, a.StrideArray, b.Data<float>(), b.Offset, b.StrideArray, y.Data<float>(), y.ShapeArray,
                    m, k, n);
            else
                Gemm.MultiplyBatched(
                    a.Data<double>(), a.Offset, a.StrideArray, b.Data<double>(), b.Offset, b.StrideArray, y.Data<double>(), y.ShapeArray,
                    m, k, n);
        }
    }

    /// <summary>For C = A·B: dA = dC·Bᵀ and dB = Aᵀ·dC, summed over broadcast batch dims.</summary>
    internal sealed class MatMulBackward(Tensor a, Tensor b) : Node(a, b)
    {
        public override Tensor?[] Backward(Tensor g)
        {
            var (a, b) = (Input(0), Input(1));
            var ga = NeedsGrad(0) ? g.MatMul(b.Transpose(-2, -1)).SumTo(a.Shape) : null;
            var gb = NeedsGrad(1) ? a.Transpose(-2, -1).MatMul(g).SumTo(b.Shape) : null;
            return [ga, gb];
        }
    }
}
