using Hebb.NN;
using Hebb.Tests.Semantics;

namespace Hebb.Tests.NN;

public class EmbeddingTests
{
    [Fact]
    public void LooksUpRowsForIdsOfAnyShape()
    {
        var emb = new Embedding(5, 3, new Generator(0));
        var ids = Tensor.FromArray(new[] { 4, 0, 4, 2, 1, 1 }, 2, 3);
        var y = emb.Forward(ids);
        Check.Shape(y, 2, 3, 3);
        var w = emb.Weight.ToArray<float>();
        var got = y.ToArray<float>();
        int[] flat = [4, 0, 4, 2, 1, 1];
        for (int i = 0; i < flat.Length; i++)
            for (int j = 0; j < 3; j++) Assert.Equal(w[flat[i] * 3 + j], got[i * 3 + j]);
    }

    [Fact]
    public void GradientAddsIntoLookedUpRowsOnly()
    {
        var emb = new Embedding(4, 2, new Generator(1));
        var ids = Tensor.FromArray(new[] { 3, 1, 3 }, 3);
        var upstream = Tensor.FromArray(new float[] { 1, 2, 10, 20, 100, 200 }, 3, 2);
        (emb.Forward(ids) * upstream).Sum().Backward();
        Assert.Equal(new float[] { 0, 0, 10, 20, 0, 0, 101, 202 }, emb.Weight.Grad!.ToArray<float>());
    }

    [Fact]
    public void GradcheckThroughTheTable()
    {
        var g = new Generator(2);
        var ids = Tensor.FromArray(new[] { 0, 2, 2, 1, 0, 2 }, 2, 3);
        Autograd.GradCheck.Check(t => t[0].IndexSelect(0, ids.Reshape(-1)).Reshape(2, 3, 4), Autograd.GradCheck.Leaf(g, 3, 4));
    }

    [Fact]
    public void BadIdsAreRefusedWithTheirValue()
    {
        var emb = new Embedding(4, 2, new Generator(1));
        var e = Assert.ThrowsAny<Exception>(() => emb.Forward(Tensor.FromArray(new[] { 1, 4 }, 2)));
        Assert.Contains("4", e.Message);
        var f = Assert.Throws<ArgumentException>(() => emb.Forward(Tensor.Zeros(2)));
        Assert.Contains("int32", f.Message);
    }
}
