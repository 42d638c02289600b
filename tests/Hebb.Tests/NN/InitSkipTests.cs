using Hebb.NN;

namespace Hebb.Tests.NN;

/// <summary>Init.SkipRandom: a network built to be filled from a file draws no random values, and the scope ends cleanly.</summary>
public class InitSkipTests
{
    [Fact]
    public void InsideTheScopeLayersDrawNothingAndOutsideTheyDoAsBefore()
    {
        var g = new Generator(3);
        var before = g.GetState();
        Linear skipped;
        using (Init.SkipRandom())
        {
            Assert.True(Init.IsSkippingRandom);
            skipped = new Linear(4, 3, g);
        }
        Assert.False(Init.IsSkippingRandom);
        Assert.Equal(before, g.GetState()); // nothing was drawn
        Assert.All(skipped.Weight.ToArray<float>(), v => Assert.Equal(0f, v));

        var drawn = new Linear(4, 3, new Generator(3));
        Assert.Equal(new Linear(4, 3, g).Weight.ToArray<float>(), drawn.Weight.ToArray<float>()); // the same as without a scope
        Assert.Contains(drawn.Weight.ToArray<float>(), v => v != 0);
    }

    [Fact]
    public void ConstantsAreStillWritten()
    {
        using var _ = Init.SkipRandom();
        var norm = new LayerNorm(5);
        Assert.All(norm.Weight!.ToArray<float>(), v => Assert.Equal(1f, v));
    }
}
