using Hebb.Kernels;

namespace Hebb.Tests.Kernels;

/// <summary>Large element-wise ops are split among the threads in 64-element-aligned ranges: every element
/// is computed once, by the same scalar formula, whatever the thread count.</summary>
public class ParallelElementwiseTests
{
    [Theory]
    [InlineData(ParallelElementwise.MinElements - 1, 2)]  // below the threshold: one range
    [InlineData(200_003, 2)]                            // odd length: the last range is short
    [InlineData(200_003, 3)]
    public void RangesCoverEveryElementOnce(int n, int parts)
    {
        int covered = 0, expectedStart = 0;
        for (int p = 0; p < parts; p++)
        {
            var (start, length) = ParallelElementwise.Range(n, p, parts);
            Assert.Equal(expectedStart, start);
            Assert.True(start % 64 == 0 || length == 0, $"part {p} starts at {start}");
            expectedStart = start + length;
            covered += length;
        }
        Assert.Equal(n, covered);
    }

    [Fact]
    public void UnaryAndBinaryOpsGiveTheSameResultOnOneAndTwoThreads()
    {
        var g = new Generator(5);
        var x = Tensor.Randn(g, 3, 70_001);
        var y = Tensor.Randn(g, 3, 70_001);
        (float[], float[], float[]) Run(int threads) =>
            Threads.With(threads, () => (x.Relu().ToArray<float>(), x.Mul(y).ToArray<float>(), x.Exp().Sub(y).ToArray<float>()));
        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Item1, two.Item1);
        Assert.Equal(one.Item2, two.Item2);
        Assert.Equal(one.Item3, two.Item3);
        var xs = x.ToArray<float>();
        var ys = y.ToArray<float>();
        for (int i = 0; i < xs.Length; i += 997)
        {
            Assert.Equal(Math.Max(xs[i], 0f), two.Item1[i]);
            Assert.Equal(xs[i] * ys[i], two.Item2[i]);
        }
    }
}
