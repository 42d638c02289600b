namespace Hebb.Tests.Kernels;

/// <summary>The vectorised float GELU (an erfc fit) against the double-precision series, over both
/// tails and the middle: values and derivatives must agree to float precision.</summary>
public class GeluKernelTests
{
    [Fact]
    public void FloatGeluAndItsDerivativeMatchTheDoublePath()
    {
        var xs = Enumerable.Range(-2000, 4001).Select(i => i / 150.0).Append(0).Append(-0.0).ToArray(); // [-13.3, 13.3]
        var x64 = Tensor.FromArray(xs, xs.Length).RequireGrad();
        var x32 = x64.Detach().To(DType.Float32).RequireGrad();
        var y64 = x64.Gelu();
        var y32 = x32.Gelu();
        y64.Sum().Backward();
        y32.Sum().Backward();
        var (e, a) = (y64.ToArray<double>(), y32.ToArray<float>());
        var (de, da) = (x64.Grad!.ToArray<double>(), x32.Grad!.ToArray<float>());
        for (int i = 0; i < xs.Length; i++)
        {
            // Φ is accurate to ~1e-7 relative (both tails), so x·Φ to a few float ulps of max(|x|, 1).
            double scale = Math.Max(1, Math.Abs(xs[i]));
            Assert.True(Math.Abs(e[i] - a[i]) <= 4e-7 * scale, $"gelu({xs[i]}): {a[i]} vs {e[i]}");
            Assert.True(Math.Abs(de[i] - da[i]) <= 4e-7 * scale, $"gelu'({xs[i]}): {da[i]} vs {de[i]}");
        }
        // Inference (no graph) takes the path that does not keep Φ: same numbers.
        using (Hebb.Autograd.GradMode.NoGrad()) Assert.Equal(a, x32.Gelu().ToArray<float>());
        // Far left tail: tiny negative values, not 0 or noise of the wrong sign.
        Assert.True(a[0] <= 0 && a[0] > -1e-30);
    }
}
