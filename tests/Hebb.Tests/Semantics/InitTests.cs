using Hebb.Models;
using Hebb.NN;
using Hebb.Optim;

namespace Hebb.Tests.Semantics;

public class InitTests
{
    // (out, in) = (400, 500): fan_in 500, fan_out 400, 200k samples, so the sample std is within ~0.5% of the truth.
    private const int Out = 400, In = 500;

    private static void AssertStd(Tensor t, double expectedStd, double relTol = 0.03)
    {
        var (mean, std) = Check.Stats(t);
        Assert.True(Math.Abs(std - expectedStd) <= relTol * expectedStd, $"std {std:G5}, expected {expectedStd:G5}");
        Assert.True(Math.Abs(mean) <= 0.02 * expectedStd + 1e-4, $"mean {mean:G5} should be ~0");
    }

    [Fact]
    public void FansOfLinearAndConvShapedWeights()
    {
        Assert.Equal((500, 400), Init.Fans(Tensor.Zeros(Out, In)));
        Assert.Equal((3 * 5 * 5, 8 * 5 * 5), Init.Fans(Tensor.Zeros(8, 3, 5, 5)));
        Assert.Throws<ArgumentException>(() => Init.Fans(Tensor.Zeros(7)));
    }

    [Fact]
    public void KaimingNormalStd()
    {
        var w = Init.KaimingNormal(Tensor.Zeros(Out, In), new Generator(1));
        AssertStd(w, Math.Sqrt(2.0 / In));
    }

    [Fact]
    public void XavierSeedStd()
    {
        var w = Init.Xavier(Tensor.Zeros(Out, In), new Generator(2));
        AssertStd(w, Math.Sqrt(1.0 / In));
    }

    [Fact]
    public void GlorotNormalStd()
    {
        var w = Init.GlorotNormal(Tensor.Zeros(Out, In), new Generator(3));
        AssertStd(w, Math.Sqrt(2.0 / (In + Out)));
    }

    [Fact]
    public void GlorotUniformRespectsItsBound()
    {
        double bound = Math.Sqrt(6.0 / (In + Out));
        var v = Init.GlorotUniform(Tensor.Zeros(Out, In), new Generator(4)).ToArray<float>();
        Assert.All(v, x => Assert.True(Math.Abs(x) <= bound, $"{x} outside ±{bound}"));
        Assert.True(v.Max() > 0.99 * bound && v.Min() < -0.99 * bound, "samples should reach close to both bounds");
        AssertStd(Tensor.FromArray(v), bound / Math.Sqrt(3));
    }

    [Fact]
    public void KaimingUniformRespectsItsBoundAndMatchesKaimingNormalVariance()
    {
        double bound = Math.Sqrt(6.0 / In);
        var v = Init.KaimingUniform(Tensor.Zeros(Out, In), new Generator(5)).ToArray<float>();
        Assert.All(v, x => Assert.True(Math.Abs(x) <= bound, $"{x} outside ±{bound}"));
        Assert.True(v.Max() > 0.99 * bound && v.Min() < -0.99 * bound);
        AssertStd(Tensor.FromArray(v), Math.Sqrt(2.0 / In));
    }

    [Fact]
    public void LinearDefaultBound()
    {
        double bound = 1 / Math.Sqrt(In);
        var lin = new Linear(In, Out, new Generator(6));
        var w = lin.Weight.ToArray<float>();
        var b = lin.Bias!.ToArray<float>();
        Assert.All(w, x => Assert.True(Math.Abs(x) <= bound));
        Assert.All(b, x => Assert.True(Math.Abs(x) <= bound));
        Assert.True(w.Max() > 0.99 * bound && w.Min() < -0.99 * bound);
        Assert.Contains(b, x => x != 0);
        AssertStd(lin.Weight, bound / Math.Sqrt(3));
    }

    [Fact]
    public void ZerosAndConstant()
    {
        var t = Tensor.Randn(new Generator(7), 3, 4).RequireGrad();
        Init.Zeros(t);                              // works on a parameter (runs under NoGrad)
        Assert.All(t.ToArray<float>(), x => Assert.Equal(0f, x));
        Init.Constant(t, 0.25);
        Assert.All(t.ToArray<float>(), x => Assert.Equal(0.25f, x));
        Assert.True(t.RequiresGrad);
    }

    [Fact]
    public void InitWritesIntoTheGivenTensorAndKeepsItsIdentity()
    {
        var t = Tensor.Zeros(10, 20).RequireGrad();
        var r = Init.KaimingNormal(t, new Generator(8));
        Assert.Same(t, r);
        Assert.Contains(t.ToArray<float>(), x => x != 0);
        Assert.True(t.IsLeaf);
        Assert.True(t.RequiresGrad);
    }

    [Fact]
    public void SameSeedSameWeightsDifferentSeedDifferent()
    {
        float[] Make(int seed, Func<Tensor, Generator, Tensor> init) => init(Tensor.Zeros(20, 30), new Generator(seed)).ToArray<float>();
        foreach (var init in new Func<Tensor, Generator, Tensor>[]
            { Init.KaimingNormal, Init.Xavier, Init.GlorotNormal, Init.GlorotUniform, Init.KaimingUniform })
        {
            Assert.Equal(Make(11, init), Make(11, init));
            Assert.NotEqual(Make(11, init), Make(12, init));
        }
    }

    [Theory]
    [InlineData(InitScheme.He, 2.0)]
    [InlineData(InitScheme.Xavier, 1.0)]
    public void SchemesThroughLinearUseTheRightStdAndZeroBias(InitScheme scheme, double numerator)
    {
        var lin = new Linear(In, Out, new Generator(9), init: scheme);
        AssertStd(lin.Weight, Math.Sqrt(numerator / In));
        Assert.All(lin.Bias!.ToArray<float>(), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void GlorotSchemeThroughLinear()
    {
        var lin = new Linear(In, Out, new Generator(10), init: InitScheme.Glorot);
        AssertStd(lin.Weight, Math.Sqrt(2.0 / (In + Out)));
        Assert.All(lin.Bias!.ToArray<float>(), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void ZerosSchemeZeroesWeightsAndBiases()
    {
        var lin = new Linear(5, 3, new Generator(0), init: InitScheme.Zeros);
        Assert.All(lin.Weight.ToArray<float>(), x => Assert.Equal(0f, x));
        Assert.All(lin.Bias!.ToArray<float>(), x => Assert.Equal(0f, x));
    }

    /// <summary>Trains a 4-3-2 sigmoid MLP a few SGD steps on the seed cost and returns the first layer's weight rows.</summary>
    private static float[][] TrainAndGetHiddenRows(InitScheme init)
    {
        var model = new MlpConfig([4, 3, 2], Activation.Sigmoid, Activation.Sigmoid, init).Build(new Generator(0));
        var data = new Generator(1);
        var opt = new SGD(model.Parameters(), learningRate: 1.0);
        for (int step = 0; step < 10; step++)
        {
            var x = Tensor.Randn(data, 8, 4);
            var target = Tensor.Rand(data, 8, 2);
            opt.ZeroGrad();
            Losses.SquaredErrorCost(model.Forward(x), target).Backward();
            opt.Step();
        }
        var w = ((Linear)model[0]).Weight.ToArray<float>();
        return Enumerable.Range(0, 3).Select(r => w[(r * 4)..(r * 4 + 4)]).ToArray();
    }

    [Fact]
    public void ZeroInitKeepsHiddenUnitsIdenticalWhileDefaultInitBreaksSymmetry()
    {
        var zeroRows = TrainAndGetHiddenRows(InitScheme.Zeros);
        // training did move the weights ...
        Assert.Contains(zeroRows[0], v => Math.Abs(v) > 1e-4);
        // ... but every hidden unit got the same update: the rows stay identical
        for (int r = 1; r < 3; r++)
            for (int c = 0; c < 4; c++)
                Assert.True(Math.Abs(zeroRows[r][c] - zeroRows[0][c]) <= 1e-6,
                    $"zero init: row {r} col {c}: {zeroRows[r][c]} vs {zeroRows[0][c]}");

        var defaultRows = TrainAndGetHiddenRows(InitScheme.Default);
        for (int r = 1; r < 3; r++)
        {
            double diff = Enumerable.Range(0, 4).Max(c => Math.Abs(defaultRows[r][c] - defaultRows[0][c]));
            Assert.True(diff > 1e-2, $"default init: rows 0 and {r} should differ, max diff {diff}");
        }
    }
}
