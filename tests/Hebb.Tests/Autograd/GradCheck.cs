using Hebb.Autograd;

namespace Hebb.Tests.Autograd;

/// <summary>
/// Checks analytic gradients against central finite differences, in float64 (as PyTorch's gradcheck
/// does): the op is run on float64 copies through exactly the same code path as float32.
/// The scalar probed is L = sum(f(x) ⊙ w) with fixed random w, so every output element counts.
/// Tolerances: with eps = 1e-6 the central difference has truncation error ~eps²·|f'''| ≈ 1e-12 and
/// rounding error ~1e-16·|L|/eps ≈ 1e-10·|L|; |L| stays below ~1e2 for these small inputs, so
/// |analytic - numeric| ≤ 1e-7 + 1e-5·|numeric| leaves a margin of 100x while any wrong formula
/// (off by a factor, a sign, a transpose, a missed broadcast sum) misses by orders of magnitude.
/// The same function is also run in float32 and must agree with float64 to float32 precision.
/// </summary>
public static class GradCheck
{
    private const double Eps = 1e-6, Atol = 1e-7, Rtol = 1e-5;

    public static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        foreach (var x in inputs)
        {
            Assert.Equal(DType.Float64, x.DType);
            Assert.True(x.IsLeaf);
        }
        var output = f(inputs);
        var w = Tensor.Randn(new Generator(99), DType.Float64, output.ShapeArray);
        foreach (var x in inputs) x.ZeroGrad();
        output.Mul(w).Sum().Backward();

        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            if (!x.RequiresGrad) continue;
            Assert.NotNull(x.Grad);
            var analytic = x.Grad!.ToArray<double>();
            var numeric = Numeric(f, inputs, x, w);
            for (int j = 0; j < numeric.Length; j++)
            {
                double diff = Math.Abs(analytic[j] - numeric[j]);
                Assert.True(diff <= Atol + Rtol * Math.Abs(numeric[j]),
                    $"input {i} element {j}: analytic {analytic[j]:G10} vs numeric {numeric[j]:G10} " +
                    $"(output shape {string.Join("x", output.ShapeArray)})");
            }
        }

        CheckFloat32Agrees(f, inputs);
    }

    private static double[] Numeric(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor x, Tensor w)
    {
        var data = x.Data<double>();
        var result = new double[x.Numel];
        using var _ = GradMode.NoGrad();
        for (int j = 0; j < x.Numel; j++)
        {
            int offset = StorageOffset(x, j);
            double orig = data[offset];
            data[offset] = orig + Eps;
            double plus = f(inputs).Mul(w).Sum().ItemAsDouble();
            data[offset] = orig - Eps;
            double minus = f(inputs).Mul(w).Sum().ItemAsDouble();
            data[offset] = orig;
            result[j] = (plus - minus) / (2 * Eps);
        }
        return result;
    }

    /// <summary>Where the j-th element (row-major) of a possibly strided tensor lives in its storage.</summary>
    public static int StorageOffset(Tensor x, int j)
    {
        int offset = x.Offset;
        for (int d = x.Rank - 1; d >= 0; d--)
        {
            int size = x.ShapeArray[d];
            offset += j % size * x.StrideArray[d];
            j /= size;
        }
        return offset;
    }

    /// <summary>Float32 forward and gradients must match float64 to float32 rounding.</summary>
    private static void CheckFloat32Agrees(Func<Tensor[], Tensor> f, Tensor[] inputs)
    {
        var inputs32 = inputs.Select(x => x.Detach().To(DType.Float32).RequireGrad(x.RequiresGrad)).ToArray();
        var out64 = f(inputs).ToArray<double>();
        var out32T = f(inputs32);
        var out32 = out32T.ToArray<float>();
        AssertClose(out64, out32, "forward");
        out32T.Mul(Tensor.Randn(new Generator(99), DType.Float64, out32T.ShapeArray).To(DType.Float32)).Sum().Backward();
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i].RequiresGrad)
                AssertClose(inputs[i].Grad!.ToArray<double>(), inputs32[i].Grad!.ToArray<float>(), $"gradient of input {i}");
    }

    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        double scale = expected.Length == 0 ? 1 : Math.Max(1, expected.Max(Math.Abs));
        for (int j = 0; j < expected.Length; j++)
            Assert.True(Math.Abs(expected[j] - actual[j]) <= 1e-4 * scale,
                $"float32 {what} element {j}: {actual[j]:G9} vs float64 {expected[j]:G12}");
    }

    // Input factories: all float64 leaves that require grad.

    public static Tensor Leaf(Generator g, params int[] shape) => Tensor.Randn(g, DType.Float64, shape).RequireGrad();

    /// <summary>A leaf with the given shape whose memory is not row-major (a transposed or strided view).</summary>
    public static Tensor NonContiguousLeaf(Generator g, params int[] shape)
    {
        Tensor view;
        if (shape.Length >= 2)
        {
            var swapped = (int[])shape.Clone();
            (swapped[^1], swapped[^2]) = (swapped[^2], swapped[^1]);
            view = Tensor.Randn(g, DType.Float64, swapped).Transpose(-1, -2);
        }
        else
        {
            var doubled = (int[])shape.Clone();
            if (doubled.Length == 1) doubled[0] *= 2;
            view = Tensor.Randn(g, DType.Float64, doubled);
            if (doubled.Length == 1) view = view.Slice(0, 0, doubled[0], 2);
        }
        var leaf = view.Detach().RequireGrad();
        if (shape.Length >= 1 && shape.Any(s => s > 1))
            Assert.False(leaf.IsContiguous && shape.Length >= 2 && shape[^1] > 1 && shape[^2] > 1);
        return leaf;
    }

    /// <summary>Positive inputs, for log, sqrt, pow and division.</summary>
    public static Tensor PositiveLeaf(Generator g, params int[] shape) =>
        Tensor.Uniform(g, 0.5, 2.0, DType.Float64, shape).RequireGrad();
}
