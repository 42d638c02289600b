using Hebb.Autograd;

namespace Hebb.Tests.Semantics;

/// <summary>In-place writes whose source overlaps the destination, or whose destination repeats memory.</summary>
public class InPlaceOverlapTests
{
    [Fact]
    public void CopyFromItsOwnTransposeReadsTheOriginalValues()
    {
        var m = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        m.T.CopyFrom(m);
        Assert.Equal(new float[] { 1, 3, 2, 4 }, m.ToArray<float>());
    }

    [Fact]
    public void AddInPlaceWithAnOverlappingOperand()
    {
        var m = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        m.T.AddInPlace(m);
        Assert.Equal(new float[] { 2, 5, 5, 8 }, m.ToArray<float>());

        var x = Tensor.Arange(5);
        x.Slice(0, 1, 5).AddInPlace(x.Slice(0, 0, 4));
        Assert.Equal(new float[] { 0, 1, 3, 5, 7 }, x.ToArray<float>());
    }

    [Fact]
    public void WritingIntoAnExpandedViewIsRefused()
    {
        var e = Tensor.Zeros(1).Expand(3);
        var error = Assert.Throws<InvalidOperationException>(() => e.AddInPlace(Tensor.Ones(3)));
        Assert.Contains("share one memory location", error.Message);
        Assert.Throws<InvalidOperationException>(() => e.FillInPlace(2));
        Assert.Equal(0f, Tensor.Zeros(1).Expand(3).Sum().Item());
    }

    [Fact]
    public void RandomFactoriesRefuseIntegerDtypes()
    {
        var g = new Generator(0);
        Assert.Contains("float dtype", Assert.Throws<ArgumentException>(() => Tensor.Rand(g, DType.Int32, 4)).Message);
        Assert.Contains("float dtype", Assert.Throws<ArgumentException>(() => Tensor.Randn(g, DType.Int32, 4)).Message);
    }
}
