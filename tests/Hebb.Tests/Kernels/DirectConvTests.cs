using Hebb.Kernels;
using Hebb.Ops;

namespace Hebb.Tests.Kernels;

/// <summary>
/// The float32 implicit-GEMM convolution (stride 1, dilation 1, one group) against the float64 path,
/// which is im2col and is what gradcheck verifies: forward, weight, bias and input gradients, on every
/// SIMD path this CPU has, for sizes that leave partial row blocks, partial column blocks and odd planes.
/// </summary>
public class DirectConvTests
{
    public static IEnumerable<object[]> SupportedPaths() => GemmTests.SupportedPaths();

    // (images, C_in, C_out, H, W, kh, kw, padH, padW)
    private static readonly (int N, int CIn, int COut, int H, int W, int Kh, int Kw, int Ph, int Pw)[] Cases =
    [
        (2, 1, 6, 28, 28, 5, 5, 2, 2),   // LeNet's first layer
        (3, 6, 16, 14, 14, 5, 5, 0, 0),  // and its second
        (1, 1, 1, 1, 1, 1, 1, 0, 0),     // one pixel, one tap
        (5, 3, 17, 9, 7, 3, 2, 1, 0),    // 17 rows: three blocks; odd widths; rectangular kernel
        (9, 2, 9, 5, 11, 2, 3, 1, 2),    // more images than chunks; padding on one side bigger
        (2, 4, 3, 6, 6, 1, 1, 0, 0),     // 1x1 kernel
        (2, 2, 5, 8, 8, 3, 3, 3, 3),     // padding ≥ kernel: the input gradient takes the im2col path
        (0, 2, 3, 5, 5, 3, 3, 1, 1),     // no images
    ];

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void MatchesTheFloat64PathForwardAndBackward(SimdPath path)
    {
        using (ComputeSettings.Use(simdPath: path))
        {
            var g = new Generator(21);
            foreach (var c in Cases)
            {
                var options = new Conv2dOp.Options(1, 1, c.Ph, c.Pw, 1, 1, 1);
                var x = Tensor.Randn(g, c.N, c.CIn, c.H, c.W);
                var w = Tensor.Randn(g, c.COut, c.CIn, c.Kh, c.Kw);
                var b = Tensor.Randn(g, c.COut);
                var (y32, gx32, gw32, gb32) = Run(x, w, b, options, new Generator(22));
                var (y64, gx64, gw64, gb64) =
                    Run(x.To(DType.Float64), w.To(DType.Float64), b.To(DType.Float64), options, new Generator(22));
                string where = $"{path} {c}";
                AssertClose(y64, y32, where + " y");
                AssertClose(gx64, gx32, where + " dx");
                AssertClose(gw64, gw32, where + " dw");
                AssertClose(gb64, gb32, where + " db");
            }
        }
    }

    [Fact]
    public void ReadsPastTheImageNeverLeakIntoResults()
    {
        // NaN right after the input in its storage: the flat layout's overrun must only ever read the zeroed slack.
        var g = new Generator(23);
        var storage = Tensor.Randn(g, 2 * 3 * 7 * 7 + 64);
        var data = storage.Data<float>();
        for (int i = 2 * 3 * 7 * 7; i < data.Length; i++) data[i] = float.NaN;
        var x = storage.Narrow(0, 0, 2 * 3 * 7 * 7).View(2, 3, 7, 7).RequireGrad();
        var w = Tensor.Randn(g, 4, 3, 3, 3).RequireGrad();
        var y = Conv2dOp.Forward(x, w, null, new Conv2dOp.Options(1, 1, 1, 1, 1, 1, 1));
        y.Sum().Backward();
        Assert.All(y.ToArray<float>(), v => Assert.True(float.IsFinite(v)));
        Assert.All(x.Grad!.ToArray<float>(), v => Assert.True(float.IsFinite(v)));
        Assert.All(w.Grad!.ToArray<float>(), v => Assert.True(float.IsFinite(v)));
    }

    private static (double[] Y, double[] Gx, double[] Gw, double[] Gb) Run(Tensor x, Tensor w, Tensor b, Conv2dOp.Options o, Generator g)
    {
        (x, w, b) = (x.Detach().RequireGrad(), w.Detach().RequireGrad(), b.Detach().RequireGrad());
        var y = Conv2dOp.Forward(x, w, b, o);
        var upstream = Tensor.Randn(g, y.ShapeArray).To(x.DType);
        y.Mul(upstream).Sum().Backward();
        return (Doubles(y), Doubles(x.Grad), Doubles(w.Grad), Doubles(b.Grad));
    }

    private static double[] Doubles(Tensor? t) => t is null ? [] : t.To(DType.Float64).ToArray<double>();

    /// <summary>float32 sums of up to a few hundred products of N(0,1) values: relative to the size of the terms.</summary>
    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        double scale = expected.Length == 0 ? 1 : Math.Max(1, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-5 * scale, $"{what}[{i}]: {actual[i]} vs {expected[i]}");
    }
}
