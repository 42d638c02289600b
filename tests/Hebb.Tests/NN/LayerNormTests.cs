using Hebb.NN;
using static Hebb.Tests.Autograd.GradCheck;

namespace Hebb.Tests.NN;

public class LayerNormTests
{
    private readonly Generator _g = new(21);

    [Fact]
    public void GradcheckWithWeightAndBias() =>
        Check(x => Functional.LayerNorm(x[0], [5], x[1], x[2]), Leaf(_g, 3, 5), Leaf(_g, 5), Leaf(_g, 5));

    [Fact]
    public void GradcheckNonContiguousAndWithoutAffine()
    {
        Check(x => Functional.LayerNorm(x[0], [4], x[1], x[2]), NonContiguousLeaf(_g, 3, 4), Leaf(_g, 4), Leaf(_g, 4));
        Check(x => Functional.LayerNorm(x[0], [4]), Leaf(_g, 2, 3, 4));
        Check(x => Functional.LayerNorm(x[0], [4], weight: x[1]), Leaf(_g, 3, 4), Leaf(_g, 4));
        Check(x => Functional.LayerNorm(x[0], [4], bias: x[1]), Leaf(_g, 3, 4), Leaf(_g, 4));
    }

    [Fact]
    public void GradcheckOverSeveralTrailingDims() =>
        Check(x => Functional.LayerNorm(x[0], [2, 3], x[1], x[2]), Leaf(_g, 2, 2, 3), Leaf(_g, 2, 3), Leaf(_g, 2, 3));

    [Fact]
    public void MatchesTheComposedFormula()
    {
        var x = Tensor.Randn(_g, 4, 7).Mul(3).Add(1);
        var ln = new LayerNorm(7);
        using (Hebb.Autograd.GradMode.NoGrad())
        {
            ln.Weight!.CopyFrom(Tensor.Randn(_g, 7));
            ln.Bias!.CopyFrom(Tensor.Randn(_g, 7));
        }
        var mean = x.Mean(-1, keepDim: true);
        var var = x.Var(-1, keepDim: true, correction: 0);
        var expected = x.Sub(mean).Div(var.Add(1e-5).Sqrt()).Mul(ln.Weight!).Add(ln.Bias!);
        Semantics.Check.Values(ln.Forward(x), expected.ToFloatArray(), 1e-5);
    }

    [Fact]
    public void EachRowComesOutWithMeanZeroAndVarianceOne()
    {
        var y = new LayerNorm(16).Forward(Tensor.Randn(_g, 5, 16).Mul(10).Add(4));
        var rows = y.ToFloatArray().Chunk(16).ToArray();
        foreach (var r in rows)
        {
            Assert.Equal(0, r.Average(), 5);
            Assert.Equal(1, r.Select(v => (double)v * v).Average(), 3);
        }
    }

    [Fact]
    public void ParametersAndBadShapes()
    {
        Assert.Equal(["weight", "bias"], new LayerNorm(8).NamedParameters().Select(p => p.Key));
        Assert.Equal(["weight"], new LayerNorm(8, bias: false).NamedParameters().Select(p => p.Key));
        Assert.Empty(new LayerNorm(8, elementwiseAffine: false).NamedParameters());
        var e = Assert.Throws<ArgumentException>(() => new LayerNorm(8).Forward(Tensor.Zeros(2, 7)));
        Assert.Contains("[8]", e.Message);
    }
}
