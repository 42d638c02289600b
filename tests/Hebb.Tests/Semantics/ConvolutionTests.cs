using Hebb.Models;
using Hebb.NN;

namespace Hebb.Tests.Semantics;

/// <summary>Convolution and pooling layers: sizes, parameter counts and hand-computed values.</summary>
public class ConvolutionTests
{
    [Theory]
    [InlineData(28, 5, 0, 1, 24)] // floor((H - M + 2P)/S) + 1
    [InlineData(28, 5, 2, 1, 28)]
    [InlineData(14, 5, 0, 1, 10)]
    [InlineData(7, 3, 1, 2, 4)]
    public void OutputSizeFollowsTheSeedFormula(int h, int m, int p, int s, int expected)
    {
        var conv = new Conv2d(1, 2, m, new Generator(0), stride: s, padding: p);
        using var _ = Hebb.Autograd.GradMode.NoGrad();
        var y = conv.Forward(Tensor.Zeros(1, 1, h, h));
        Assert.Equal(new[] { 1, 2, expected, expected }, y.ShapeArray);
    }

    [Fact]
    public void ParameterCountIsKernelTimesChannelsPlusBiasTimesOutputs()
    {
        Assert.Equal((5 * 5 * 1 + 1) * 6, new Conv2d(1, 6, 5, new Generator(0)).ParameterCount);
        Assert.Equal((5 * 5 * 6 + 1) * 16, new Conv2d(6, 16, 5, new Generator(0)).ParameterCount);
        Assert.Equal(5 * 5 * 6 * 16, new Conv2d(6, 16, 5, new Generator(0), bias: false).ParameterCount);
    }

    [Fact]
    public void ConvolutionMatchesTheSeedSumByHand()
    {
        // O(i,j) = Σ_m Σ_n I(i+m, j+n) K(m,n) + b
        var input = Tensor.Arange(16).View(1, 1, 4, 4);
        var conv = new Conv2d(1, 1, 2, new Generator(0));
        using (Hebb.Autograd.GradMode.NoGrad())
        {
            conv.Weight.CopyFrom(Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 1, 1, 2, 2));
            conv.Bias!.FillInPlace(0.5);
        }
        var y = conv.Forward(input).ToArray<float>();
        var x = input.ToArray<float>();
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                float expected = x[i * 4 + j] * 1 + x[i * 4 + j + 1] * 2 + x[(i + 1) * 4 + j] * 3 + x[(i + 1) * 4 + j + 1] * 4 + 0.5f;
                Assert.Equal(expected, y[i * 3 + j]);
            }
    }

    [Fact]
    public void PoolingValues()
    {
        var x = Tensor.FromArray(new float[] { 1, 5, 2, 0, 3, 4, -1, 8, 0, 0, 0, 0, 9, 1, 1, 2 }, 1, 1, 4, 4);
        Assert.Equal(new float[] { 5, 8, 9, 2 }, new MaxPool2d(2).Forward(x).ToArray<float>());
        Assert.Equal(new float[] { 13 / 4f, 9 / 4f, 10 / 4f, 3 / 4f }, new AvgPool2d(2).Forward(x).ToArray<float>());
    }

    [Fact]
    public void BadShapesNameTheProblem()
    {
        var conv = new Conv2d(3, 4, 3, new Generator(0));
        Assert.Contains("(N, 3, H, W)", Assert.Throws<ArgumentException>(() => conv.Forward(Tensor.Zeros(1, 2, 8, 8))).Message);
        Assert.Contains("does not fit", Assert.Throws<ArgumentException>(() => conv.Forward(Tensor.Zeros(1, 3, 2, 2))).Message);
        Assert.Throws<ArgumentException>(() => new Conv2d(3, 4, 3, new Generator(0), groups: 2));
        Assert.Throws<ArgumentException>(() => new MaxPool2d(3).Forward(Tensor.Zeros(1, 1, 2, 2)));
    }

    [Fact]
    public void DropoutScalesKeptUnitsInTrainingAndIsIdentityInEval()
    {
        var dropout = new Dropout(0.25, new Generator(1));
        var x = Tensor.Ones(100_000);
        var y = dropout.Forward(x).ToArray<float>();
        int dropped = y.Count(v => v == 0);
        Assert.InRange(dropped / 100_000.0, 0.24, 0.26);
        Assert.All(y.Where(v => v != 0), v => Assert.Equal(1 / 0.75f, v, 5)); // N / (N - N_out)
        Assert.InRange(y.Average(), 0.98, 1.02);
        dropout.Eval();
        Assert.Same(x, dropout.Forward(x));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.0, new Generator(0)));
    }

    [Fact]
    public void LeNetShapedStackRunsForwardAndBackward()
    {
        var g = new Generator(0);
        var net = new Sequential(new Conv2d(1, 6, 5, g, padding: 2), new ReLU(), new MaxPool2d(2),
            new Conv2d(6, 16, 5, g), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(400, 120, g), new ReLU(), new Linear(120, 84, g), new ReLU(), new Linear(84, 10, g));
        Assert.Equal(61_706, net.ParameterCount);
        var rows = Summary.Of(net, 1, 28, 28);
        Assert.Equal(new[] { 1, 16, 5, 5 }, rows[5].OutputShape);
        var loss = Losses.CrossEntropy(net.Forward(Tensor.Rand(g, 4, 1, 28, 28)), Tensor.FromArray(new[] { 1, 2, 3, 4 }));
        loss.Backward();
        Assert.All(net.Parameters(), p => Assert.NotNull(p.Grad));
    }

    [Fact]
    public void ConvolutionIsBitwiseTheSameOnOneAndTwoThreads()
    {
        (float[] Y, float[] GX, float[] GW, float[] GB) Run(int threads) => Threads.With(threads, () =>
        {
            var g = new Generator(11);
            var conv = new Conv2d(3, 8, 5, g, padding: 1);
            var x = Tensor.Randn(g, 13, 3, 20, 20).RequireGrad();     // 13 images: chunks of unequal size
            var y = conv.Forward(x);
            y.Mul(Tensor.Randn(new Generator(12), y.ShapeArray)).Sum().Backward();
            return (y.ToArray<float>(), x.Grad!.ToArray<float>(), conv.Weight.Grad!.ToArray<float>(), conv.Bias!.Grad!.ToArray<float>());
        });
        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.GX, two.GX);
        Assert.Equal(one.GW, two.GW);
        Assert.Equal(one.GB, two.GB);
    }

    [Theory]
    [InlineData(3, 4, 28, 28)]
    [InlineData(2, 3, 29, 35)]    // odd sizes: the last row and column are dropped, vector tails
    [InlineData(1, 1, 2, 2)]
    [InlineData(64, 6, 28, 28)]   // big enough for two threads
    [InlineData(4, 16, 10, 10)]   // rows narrower than eight windows (LeNet's second pooling)
    [InlineData(3, 2, 6, 23)]     // eight windows and a short group of three per row
    public void FastTwoByTwoMaxPoolChoosesAsTheGeneralLoop(int n, int c, int h, int w)
    {
        // Values on a coarse grid so that windows have ties, and a few NaNs: the float 2x2 path must pick
        // the same element (value and gradient position) as the general loop, which float64 runs.
        var g = new Generator(n * 100 + w);
        var values = new float[n * c * h * w];
        for (int i = 0; i < values.Length; i++) values[i] = g.NextInt(5) - 2;
        for (int i = 0; i < values.Length; i += 97) values[i] = float.NaN;
        var x = Tensor.FromArray(values, n, c, h, w).RequireGrad();
        var x64 = Tensor.FromArray(values.Select(v => (double)v).ToArray(), n, c, h, w).RequireGrad();
        var pool = new MaxPool2d(2);
        var y = pool.Forward(x);
        var y64 = pool.Forward(x64);
        Assert.Equal(y64.ToArray<double>().Select(v => (float)v), y.ToArray<float>());
        var upstream = Tensor.Randn(new Generator(3), y.ShapeArray);
        y.Mul(upstream).Sum().Backward();
        y64.Mul(upstream.To(DType.Float64)).Sum().Backward();
        Assert.Equal(x64.Grad!.ToArray<double>().Select(v => (float)v), x.Grad!.ToArray<float>());
    }
}
