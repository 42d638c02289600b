using Hebb.Optim;

namespace Hebb.Tests.Semantics;

/// <summary>Nesterov momentum, gradient clipping and learning-rate schedules, checked by hand.</summary>
public class TrainingToolkitTests
{
    private static Tensor Param(params float[] values) => Tensor.FromArray(values).RequireGrad();

    [Fact]
    public void NesterovStepsByHand()
    {
        // v1 = g; w -= lr (g + mu v1). v2 = mu v1 + g; w -= lr (g + mu v2). Gradient of sum(w·c) is c.
        var w = Param(1f, 2f);
        var c = Tensor.FromArray(new float[] { 0.5f, -1f });
        var sgd = new SGD([w], learningRate: 0.1, momentum: 0.9, nesterov: true);
        for (int step = 0; step < 2; step++)
        {
            sgd.ZeroGrad();
            w.Mul(c).Sum().Backward();
            sgd.Step();
        }
        // step 1: v = c, update c + 0.9c = 1.9c; step 2: v = 1.9c, update c + 0.9·1.9c = 2.71c; total 4.61c·0.1
        Assert.Equal(1f - 0.1f * 4.61f * 0.5f, w.ToArray<float>()[0], 5);
        Assert.Equal(2f + 0.1f * 4.61f, w.ToArray<float>()[1], 5);
        Assert.Throws<ArgumentException>(() => new SGD([w], 0.1, momentum: 0, nesterov: true));
    }

    [Fact]
    public void ClipGradNormScalesOnlyAboveTheLimit()
    {
        var a = Param(0, 0);
        var b = Param(0);
        a.Grad = Tensor.FromArray(new float[] { 3, 0 });
        b.Grad = Tensor.FromArray(new float[] { 4 });
        Assert.Equal(5.0, GradientClipping.ClipGradNorm([a, b], 10), 6);  // below the limit: untouched
        Assert.Equal(new float[] { 3, 0 }, a.Grad.ToArray<float>());
        Assert.Equal(5.0, GradientClipping.ClipGradNorm([a, b], 1), 6);   // global norm 5 -> 1
        Assert.Equal(0.6f, a.Grad!.ToArray<float>()[0], 4);
        Assert.Equal(0.8f, b.Grad!.ToArray<float>()[0], 4);
    }

    [Fact]
    public void Schedules()
    {
        var step = new StepSchedule(1.0, stepSize: 10, gamma: 0.5);
        Assert.Equal(1.0, step.At(9));
        Assert.Equal(0.5, step.At(10));
        Assert.Equal(0.25, step.At(25));

        // nanoGPT's: warm-up 100 steps to 1e-3, cosine to 1e-4 at 2000.
        var cosine = new CosineWithWarmupSchedule(1e-3, 1e-4, 100, 2000);
        Assert.Equal(1e-5, cosine.At(0), 12);
        Assert.Equal(1e-3, cosine.At(99), 12);
        Assert.Equal(1e-3, cosine.At(100), 12);
        Assert.Equal(5.5e-4, cosine.At(1050), 12);  // halfway: the mean of max and min
        Assert.Equal(1e-4, cosine.At(2000), 12);
        Assert.True(cosine.At(500) > cosine.At(1500));

        var w = Param(1f);
        var sgd = new SGD([w], 0.1);
        new CosineWithWarmupSchedule(1.0, 0.0, 0, 10).Apply(sgd, 10);
        Assert.Equal(0.0, sgd.LearningRate);
    }
}
