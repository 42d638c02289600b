using Hebb.NN;

namespace Hebb.Tests.Semantics;

/// <summary>Batch normalisation: batch statistics in training, running statistics in eval.</summary>
public class BatchNormTests
{
    [Fact]
    public void TrainingNormalisesEachChannelAndUpdatesRunningStatistics()
    {
        var bn = new BatchNorm2d(3);
        var x = Tensor.Randn(new Generator(2), 4, 3, 5, 5).Mul(3.0).Add(7.0);
        var y = bn.Forward(x);
        var mean = y.Mean([0, 2, 3]).ToArray<float>();
        var variance = y.Var([0, 2, 3], correction: 0).ToArray<float>();
        Assert.All(mean, m => Assert.Equal(0f, m, 4));
        Assert.All(variance, v => Assert.Equal(1f, v, 3));

        // running := 0.9 running + 0.1 batch (unbiased variance), from mean 0 / var 1.
        var batchMean = x.Mean([0, 2, 3]).ToArray<float>();
        var batchVar = x.Var([0, 2, 3]).ToArray<float>();
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(0.1f * batchMean[c], bn.RunningMean.ToArray<float>()[c], 4);
            Assert.Equal(0.9f + 0.1f * batchVar[c], bn.RunningVar.ToArray<float>()[c], 3);
        }
        Assert.Equal(new[] { "weight", "bias", "running_mean", "running_var" }, bn.StateDict().Select(kv => kv.Key));
    }

    [Fact]
    public void EvalUsesRunningStatisticsAndGradientsFlow()
    {
        var bn = new BatchNorm1d(2);
        using (Hebb.Autograd.GradMode.NoGrad())
        {
            bn.RunningMean.CopyFrom(Tensor.FromArray(new float[] { 1, -1 }));
            bn.RunningVar.CopyFrom(Tensor.FromArray(new float[] { 4, 0.25f }));
        }
        bn.Eval();
        var y = bn.Forward(Tensor.FromArray(new float[] { 3, 0, 1, -1 }, 2, 2)).ToArray<float>();
        Assert.Equal(2 / MathF.Sqrt(4 + 1e-5f), y[0], 5);
        Assert.Equal(1 / MathF.Sqrt(0.25f + 1e-5f), y[1], 5);
        Assert.Equal(0f, y[2], 5);

        bn.Train();
        var x = Tensor.Randn(new Generator(1), 6, 2, 3).RequireGrad();
        bn.Forward(x).Pow(2).Sum().Backward();
        Assert.NotNull(x.Grad);
        Assert.NotNull(bn.Weight.Grad);
        Assert.Throws<ArgumentException>(() => bn.Forward(Tensor.Zeros(1, 2)));   // one value per channel
        Assert.Throws<ArgumentException>(() => bn.Forward(Tensor.Zeros(4, 3)));   // wrong channel count
    }
}
