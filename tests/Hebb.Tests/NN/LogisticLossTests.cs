using Hebb.NN;
using static Hebb.Tests.Autograd.GradCheck;

namespace Hebb.Tests.NN;

/// <summary>The seed's logistic-regression loss mean ln(1 + e^(-y·s)) with y in {-1, +1}.</summary>
public class LogisticLossTests
{
    private readonly Generator _g = new(11);

    [Fact]
    public void MatchesAHandComputation()
    {
        var s = Tensor.FromArray(new float[] { 2f, -1f, 0.5f, 0f });
        var y = Tensor.FromArray(new[] { 1, 1, -1, -1 });
        double expected = (Math.Log(1 + Math.Exp(-2)) + Math.Log(1 + Math.Exp(1)) + Math.Log(1 + Math.Exp(0.5)) + Math.Log(2)) / 4;
        Assert.Equal(expected, Losses.Logistic(s, y).ItemAsDouble(), 6);
        // Float labels work the same.
        Assert.Equal(expected, Losses.Logistic(s, Tensor.FromArray(new float[] { 1, 1, -1, -1 })).ItemAsDouble(), 6);
    }

    [Fact]
    public void GradientIsMinusYSigmoidOfMinusMarginOverN()
    {
        var s = Tensor.FromArray(new double[] { 2, -1, 0.5 }).RequireGrad();
        var y = Tensor.FromArray(new double[] { 1, 1, -1 });
        Losses.Logistic(s, y).Backward();
        double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        var grad = s.Grad!.ToArray<double>();
        Assert.Equal(-Sigmoid(-2) / 3, grad[0], 12);
        Assert.Equal(-Sigmoid(1) / 3, grad[1], 12);
        Assert.Equal(Sigmoid(0.5) / 3, grad[2], 12);
    }

    [Fact]
    public void LargeMarginsNeitherOverflowNorLoseTheTail()
    {
        var s = Tensor.FromArray(new double[] { 800, -800, 40 }).RequireGrad();
        var y = Tensor.FromArray(new double[] { -1, -1, 1 });
        var loss = Losses.Logistic(s, y);
        // ln(1 + e^800) = 800 (plus e^-800); ln(1 + e^-800) = e^-800 ≈ 0; ln(1 + e^-40) ≈ e^-40.
        Assert.Equal((800 + 0 + Math.Exp(-40)) / 3, loss.ItemAsDouble(), 12);
        loss.Backward();
        Assert.All(s.Grad!.ToArray<double>(), v => Assert.True(double.IsFinite(v)));
        Assert.Equal(1.0 / 3, s.Grad!.ToArray<double>()[0], 12);
    }

    [Fact]
    public void EqualsBinaryCrossEntropyWithTargetsOneHalfOfYPlusOne()
    {
        var s = Tensor.Randn(_g, DType.Float64, 20);
        var y = Losses.PlusMinusOne(Tensor.FromArray(Enumerable.Range(0, 20).Select(i => i % 3).ToArray()), 0).To(DType.Float64);
        Assert.Equal(Losses.BinaryCrossEntropyWithLogits(s, y.Add(1).Div(2)).ItemAsDouble(), Losses.Logistic(s, y).ItemAsDouble(), 12);
    }

    [Fact]
    public void Gradcheck()
    {
        Tensor Labels(params int[] shape) => Tensor.Rand(_g, DType.Float64, shape).Gt(0.5).To(DType.Float64).Mul(2).Sub(1);
        var y34 = Labels(3, 4);
        Check(x => Losses.Logistic(x[0], y34), Leaf(_g, 3, 4));
        Check(x => Losses.Logistic(x[0], y34), NonContiguousLeaf(_g, 3, 4));
        var y232 = Labels(2, 3, 2).To(DType.Int32);
        Check(x => Losses.Logistic(x[0], y232), Leaf(_g, 2, 3, 2));
        // Scores from a linear model, as in logistic regression: the gradient reaches w through the matmul.
        var y5 = Labels(5);
        Check(x => Losses.Logistic(x[1].MatMul(x[0]).Reshape(-1), y5), Leaf(_g, 3, 1), Leaf(_g, 5, 3));
    }

    [Fact]
    public void PlusMinusOneMarksTheChosenClass()
    {
        var y = Losses.PlusMinusOne(Tensor.FromArray(new[] { 0, 3, 0, 9 }), 0);
        Assert.Equal(DType.Float32, y.DType);
        Assert.Equal(new float[] { 1, -1, 1, -1 }, y.ToArray<float>());
        Assert.Throws<ArgumentException>(() => Losses.PlusMinusOne(Tensor.FromArray(new float[] { 0 }), 0));
    }

    [Fact]
    public void BadLabelsAndShapesAreRefused()
    {
        var s = Tensor.FromArray(new float[] { 1, 2 });
        Assert.Contains("-1 or +1", Assert.Throws<ArgumentException>(() => Losses.Logistic(s, Tensor.FromArray(new[] { 1, 0 }))).Message);
        Assert.Contains("same shape",
            Assert.Throws<ArgumentException>(() => Losses.Logistic(s, Tensor.FromArray(new[] { 1, -1, 1 }))).Message);
        Assert.Throws<ArgumentException>(() => Losses.Logistic(Tensor.FromArray(new[] { 1, 2 }), Tensor.FromArray(new[] { 1, -1 })));
        Assert.Throws<ArgumentException>(() => Losses.Logistic(Tensor.Zeros(0), Tensor.Zeros(0)));
    }
}
