using Hebb.Optim;

namespace Hebb.Tests.Semantics;

public class OptimizerTests
{
    private static Tensor Param(params float[] v) => Tensor.FromArray(v).RequireGrad();

    private static void SetGrad(Tensor p, params float[] g) => p.Grad = Tensor.FromArray(g);

    [Fact]
    public void SgdStepIsWMinusLrTimesGrad()
    {
        var w = Param(1, -2, 3);
        var opt = new SGD([w], learningRate: 0.1);
        SetGrad(w, 0.5f, 1, -4);
        opt.Step();
        Check.Values(w, [0.95f, -2.1f, 3.4f]);
        Assert.Equal(1, opt.StepCount);
        Assert.True(w.IsLeaf && w.RequiresGrad);
    }

    [Fact]
    public void SgdStepFromARealBackward()
    {
        var w = Param(1, 2);
        var opt = new SGD([w], learningRate: 0.25);
        (w * w).Sum().Backward();      // grad = 2w = [2, 4]
        opt.Step();
        Check.Values(w, [0.5f, 1]);
        Check.Values(w.Grad!, [2, 4]);  // Step does not clear the gradient
        var grad = w.Grad!;
        opt.ZeroGrad();                  // zero-filled in place: the buffer is reused by the next backward
        Assert.Same(grad, w.Grad);
        Check.Values(w.Grad!, [0, 0]);
        opt.ZeroGrad(setToNone: true);
        Assert.Null(w.Grad);
    }

    [Fact]
    public void SgdMomentumTwoStepsByHand()
    {
        var w = Param(1, 1);
        var opt = new SGD([w], learningRate: 0.1, momentum: 0.9);
        SetGrad(w, 1, -2);
        opt.Step();                     // v = g1 = [1, -2]; w = [0.9, 1.2]
        Check.Values(w, [0.9f, 1.2f]);
        SetGrad(w, 0.5f, 0.5f);
        opt.Step();                     // v = 0.9 v + g2 = [1.4, -1.3]; w = [0.76, 1.33]
        Check.Values(w, [0.76f, 1.33f], 1e-6);
    }

    [Fact]
    public void SgdWeightDecayAddsLambdaW()
    {
        var w = Param(2, -4);
        var opt = new SGD([w], learningRate: 0.5, weightDecay: 0.1);
        SetGrad(w, 1, 0);
        opt.Step();                     // g = [1 + 0.2, 0 - 0.4]; w = [2 - 0.6, -4 + 0.2]
        Check.Values(w, [1.4f, -3.8f], 1e-6);
    }

    [Fact]
    public void SgdMomentumWithWeightDecay()
    {
        var w = Param(1);
        var opt = new SGD([w], learningRate: 0.1, momentum: 0.5, weightDecay: 1.0);
        SetGrad(w, 0);
        opt.Step();                     // g = 1, v = 1, w = 0.9
        Check.Values(w, [0.9f]);
        opt.Step();                     // g = 0.9, v = 0.5 + 0.9 = 1.4, w = 0.76
        Check.Values(w, [0.76f], 1e-6);
    }

    [Fact]
    public void SgdKeepsSeparateMomentumPerParameter()
    {
        var a = Param(0);
        var b = Param(0);
        var opt = new SGD([a, b], learningRate: 1, momentum: 1);
        SetGrad(a, 1);
        SetGrad(b, 10);
        opt.Step();
        opt.Step();                     // a: v = 1, 2 → -3; b: v = 10, 20 → -30
        Check.Values(a, [-3]);
        Check.Values(b, [-30]);
    }

    /// <summary>Every option combination against torch.optim.SGD's update written out per element in float
    /// arithmetic, over several steps and two parameters of different lengths: bit for bit, so a change in
    /// the order of the float operations shows here (the seed network's W1 runs compare bitwise).</summary>
    [Theory]
    [InlineData(0.0, 0.0, false)]
    [InlineData(0.0, 0.01, false)]
    [InlineData(0.9, 0.0, false)]
    [InlineData(0.9, 0.01, false)]
    [InlineData(0.9, 0.0, true)]
    [InlineData(0.9, 0.01, true)]
    public void SgdMatchesTorchsUpdateBitForBit(double momentum, double weightDecay, bool nesterov)
    {
        const double lr = 0.05;
        var rng = new Random(7);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var start = new[] { Values(37), Values(5) }; // 37: vector body plus a tail
        var grads = Enumerable.Range(0, 4).Select(_ => new[] { Values(37), Values(5) }).ToArray();

        var ps = start.Select(v => Param((float[])v.Clone())).ToArray();
        var opt = new SGD(ps, lr, momentum, weightDecay, nesterov);
        var expected = start.Select(v => (float[])v.Clone()).ToArray();
        var velocity = new float[]?[2];
        float mu = (float)momentum, wd = (float)weightDecay, minusLr = (float)-lr;
        foreach (var stepGrads in grads)
        {
            for (int k = 0; k < 2; k++)
            {
                SetGrad(ps[k], stepGrads[k]);
                var w = expected[k];
                bool first = velocity[k] is null;
                var v = velocity[k] ??= new float[w.Length];
                for (int i = 0; i < w.Length; i++)
                {
                    float g = weightDecay != 0 ? w[i] * wd + stepGrads[k][i] : stepGrads[k][i];
                    float d = g;
                    if (momentum != 0)
                    {
                        v[i] = first ? g : v[i] * mu + g;
                        d = nesterov ? v[i] * mu + g : v[i];
                    }
                    w[i] = d * minusLr + w[i];
                }
            }
            opt.Step();
            for (int k = 0; k < 2; k++) Assert.Equal(expected[k], ps[k].ToArray<float>());
        }
    }

    [Fact]
    public void AdamFirstStepMovesEachWeightByAboutLr()
    {
        var w = Param(1, 1, 1, 1);
        var opt = new Adam([w], learningRate: 0.01);
        SetGrad(w, 1000, -0.001f, 3, -7);
        opt.Step();
        // m̂ = g, v̂ = g², so the step is lr·g/(|g| + eps) ≈ lr·sign(g) whatever the scale of g.
        Check.Values(w, [0.99f, 1.01f, 0.99f, 1.01f], 1e-5);
    }

    [Fact]
    public void AdamSecondStepByHand()
    {
        var w = Param(0);
        var opt = new Adam([w], learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 0);
        SetGrad(w, 1);
        opt.Step();                     // w = -0.1
        SetGrad(w, -1);
        opt.Step();
        // m = 0.9·0.1 - 0.1 = -0.01, m̂ = -0.01/0.19; v = 0.001·0.999 + 0.001 = 0.001999, v̂ = 0.001999/(1 - 0.999²)
        double mHat = -0.01 / (1 - 0.81), vHat = 0.001999 / (1 - 0.999 * 0.999);
        double expected = -0.1 - 0.1 * mHat / Math.Sqrt(vHat);
        Assert.Equal(expected, w.Item(), 5);
    }

    [Fact]
    public void AdamWDecaysWeightsEvenWithZeroGradient()
    {
        var w = Param(2);
        var opt = new AdamW([w], learningRate: 0.1, weightDecay: 0.5);
        SetGrad(w, 0);
        opt.Step();                     // w -= lr·wd·w = 2 - 0.1; Adam step of zero gradient is 0
        Check.Values(w, [1.9f], 1e-6);
    }

    [Fact]
    public void ParametersWithoutGradAreLeftUnchanged()
    {
        var a = Param(1, 2);
        var b = Param(3, 4);
        foreach (Optimizer opt in new Optimizer[]
            { new SGD([a, b], 0.1, momentum: 0.9, weightDecay: 0.1), new Adam([a, b], 0.1, weightDecay: 0.1) })
        {
            a.ZeroGrad();
            SetGrad(a, 1, 1);
            b.ZeroGrad();
            var before = b.ToArray<float>();
            opt.Step();
            Assert.Equal(before, b.ToArray<float>());
            Assert.NotEqual(new float[] { 1, 2 }, a.ToArray<float>());
        }
    }

    [Fact]
    public void StepWorksWhileGradModeIsOnAndRecordsNothing()
    {
        var w = Param(1);
        var opt = new SGD([w], 0.1);
        SetGrad(w, 1);
        Assert.True(Hebb.Autograd.GradMode.IsEnabled);
        opt.Step();
        Assert.True(w.IsLeaf);
        Assert.True(Hebb.Autograd.GradMode.IsEnabled);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void InvalidLearningRateThrows(double lr)
    {
        var w = Param(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SGD([w], lr));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([w], lr));
        var opt = new SGD([w], 0.1);
        if (lr == 0)
        {
            opt.LearningRate = lr; // a schedule may end at 0; only the constructor insists on a positive rate
            return;
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => opt.LearningRate = lr);
        Assert.Equal(0.1, opt.LearningRate);
    }

    [Fact]
    public void LearningRateCanBeChangedBetweenSteps()
    {
        var w = Param(0);
        var opt = new SGD([w], 1.0);
        SetGrad(w, 1);
        opt.Step();
        opt.LearningRate = 0.5;
        opt.Step();
        Check.Values(w, [-1.5f]);
    }

    [Fact]
    public void InvalidHyperparametersAndParametersThrow()
    {
        var w = Param(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SGD([w], 0.1, momentum: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SGD([w], 0.1, weightDecay: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([w], 0.1, beta1: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([w], 0.1, beta2: -0.1));
        Assert.Throws<ArgumentException>(() => new SGD([], 0.1));
        Assert.Throws<ArgumentException>(() => new SGD([Tensor.Ones(2)], 0.1));                              // no RequiresGrad
        Assert.Throws<ArgumentException>(() => new SGD([w * 2.0], 0.1));                                     // not a leaf
        Assert.Throws<ArgumentException>(() => new SGD([Tensor.Ones(DType.Float64, 2).RequireGrad()], 0.1)); // float64
    }

    [Fact]
    public void OptimizerZeroGradClearsAllParameters()
    {
        var a = Param(1);
        var b = Param(2);
        var opt = new SGD([a, b], 0.1);
        (a * b).Sum().Backward();
        Assert.NotNull(a.Grad);
        opt.ZeroGrad();
        Assert.All(a.Grad!.ToArray<float>().Concat(b.Grad!.ToArray<float>()), v => Assert.Equal(0f, v));
        (a * b).Sum().Backward();        // accumulates into the zeroed buffers: grad of a is b
        Assert.Equal(b.ToArray<float>().Sum(), a.Grad!.ToArray<float>().Sum());
        opt.ZeroGrad(setToNone: true);
        Assert.Null(a.Grad);
        Assert.Null(b.Grad);
    }

    [Fact]
    public void SgdReducesALossOnAModel()
    {
        var lin = new Hebb.NN.Linear(3, 1, new Generator(0));
        var x = Tensor.Randn(new Generator(1), 16, 3);
        var y = x.MatMul(Tensor.FromArray(new float[] { 1, -2, 0.5f }, 3, 1)).Add(0.3);
        var opt = new SGD(lin.Parameters(), 0.1);
        float first = 0, last = 0;
        for (int i = 0; i < 100; i++)
        {
            opt.ZeroGrad();
            var loss = Hebb.NN.Losses.Mse(lin.Forward(x), y);
            loss.Backward();
            opt.Step();
            if (i == 0) first = loss.Item();
            last = loss.Item();
        }
        Assert.True(last < first * 1e-3, $"loss went from {first} to {last}");
        Check.Values(lin.Weight, [1, -2, 0.5f], 1e-2);
    }
}
