using Hebb.Autograd;

namespace Hebb.Tests.Semantics;

public class AutogradTests
{
    private static Tensor Leaf(params float[] values) => Tensor.FromArray(values).RequireGrad();

    [Fact]
    public void LeavesAndRecordedResults()
    {
        var x = Leaf(1, 2);
        Assert.True(x.IsLeaf);
        Assert.True(x.RequiresGrad);
        Assert.Null(x.Grad);
        var y = x * 2.0;
        Assert.False(y.IsLeaf);
        Assert.True(y.RequiresGrad);
        var c = Tensor.Ones(2);
        Assert.False((c * 2.0).RequiresGrad);
        Assert.True((c + x).RequiresGrad);
        Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);   // not a leaf
    }

    [Fact]
    public void SimpleGradientByHand()
    {
        var x = Leaf(1, 2, 3);
        var w = Leaf(4, 5, 6);
        (x * w).Sum().Backward();
        Check.Values(x.Grad!, [4, 5, 6]);
        Check.Values(w.Grad!, [1, 2, 3]);
        Assert.True(x.Grad!.IsLeaf);
        Assert.False(x.Grad!.RequiresGrad);
    }

    [Fact]
    public void GradientsAccumulateAcrossBackwardCalls()
    {
        var x = Leaf(1, 2, 3);
        (x * x).Sum().Backward();           // 2x
        Check.Values(x.Grad!, [2, 4, 6]);
        var first = x.Grad;
        (x * 3.0).Sum().Backward();         // + 3
        Check.Values(x.Grad!, [5, 7, 9]);
        Assert.Same(first, x.Grad);         // accumulated in place
    }

    [Fact]
    public void ZeroGradClearsTheGradient()
    {
        var x = Leaf(1, 2);
        (x * x).Sum().Backward();
        x.ZeroGrad();
        Assert.Null(x.Grad);
        (x * 5.0).Sum().Backward();
        Check.Values(x.Grad!, [5, 5]);
    }

    [Fact]
    public void ATensorUsedSeveralTimesGetsTheSummedGradient()
    {
        var x = Leaf(1, 2, 3);
        (x * x + x).Sum().Backward();       // 2x + 1
        Check.Values(x.Grad!, [3, 5, 7]);

        // diamond: a = 2x, b = a*a, c = a + b  => dc/dx = 2 + 2*a*2 = 2 + 8x
        var z = Leaf(1, -1);
        var a = z * 2.0;
        (a + a * a).Sum().Backward();
        Check.Values(z.Grad!, [10, -6]);
    }

    [Fact]
    public void BroadcastInputsGetGradientsOfTheirOwnShape()
    {
        var m = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3).RequireGrad();
        var b = Leaf(10, 20, 30);
        var s = Tensor.Scalar(2).RequireGrad();
        (m * b * s).Sum().Backward();
        Check.Shape(b.Grad!, 3);
        Check.Values(b.Grad!, [10, 14, 18]);      // 2 * column sums
        Check.Values(m.Grad!, [20, 40, 60, 20, 40, 60]);
        Assert.Equal(0, s.Grad!.Rank);
        Assert.Equal(1 * 10 + 2 * 20 + 3 * 30 + 4 * 10 + 5 * 20 + 6 * 30f, s.Grad!.Item());
    }

    [Fact]
    public void SecondBackwardOnAFreedGraphThrows()
    {
        var x = Leaf(1, 2);
        var loss = (x * x).Sum();
        loss.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("freed", e.Message);
        Assert.Contains("retainGraph", e.Message);
        Check.Values(x.Grad!, [2, 4]);      // unchanged by the failed call
    }

    [Fact]
    public void RetainGraphAllowsASecondBackwardThatDoublesGradients()
    {
        var x = Leaf(1, 2);
        var w = Leaf(3, 4);
        var loss = (x * w).Sum().Mul(2.0);
        loss.Backward(retainGraph: true);
        Check.Values(x.Grad!, [6, 8]);
        loss.Backward();
        Check.Values(x.Grad!, [12, 16]);
        Check.Values(w.Grad!, [4, 8]);
        Assert.Throws<InvalidOperationException>(() => loss.Backward());
    }

    [Fact]
    public void BackwardThroughAFreedSubgraphFromANewRootThrows()
    {
        var x = Leaf(1, 2);
        var h = x * x;
        h.Sum().Backward();
        var e = Assert.Throws<InvalidOperationException>(() => (h * 2.0).Sum().Backward());
        Assert.Contains("freed", e.Message);
    }

    [Fact]
    public void BackwardOnANonScalarNeedsAGradient()
    {
        var x = Tensor.Ones(2, 3).RequireGrad();
        var y = x * 2.0;
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("[2, 3]", e.Message);
    }

    [Fact]
    public void BackwardWithAnExplicitGradient()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2).RequireGrad();
        var y = x * x;
        y.Backward(Tensor.FromArray(new float[] { 1, 0, 0.5f, -1 }, 2, 2));
        Check.Values(x.Grad!, [2, 0, 3, -8]);   // 2x * g

        // a one-element non-scalar tensor needs no gradient argument
        var z = Leaf(3);
        (z * z).Backward();
        Check.Values(z.Grad!, [6]);

        // Backward on a leaf itself accumulates the given gradient
        var leaf = Leaf(1, 1);
        leaf.Backward(Tensor.FromArray(new float[] { 7, 8 }));
        Check.Values(leaf.Grad!, [7, 8]);
    }

    [Fact]
    public void ExplicitGradientOfTheWrongShapeOrDTypeThrows()
    {
        var x = Tensor.Ones(2, 3).RequireGrad();
        var y = x * 2.0;
        var e = Assert.Throws<ArgumentException>(() => y.Backward(Tensor.Ones(3, 2)));
        Assert.Contains("[3, 2]", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Throws<ArgumentException>(() => y.Backward(Tensor.Ones(DType.Float64, 2, 3)));
        Assert.Throws<ArgumentException>(() => y.Backward(Tensor.Ones(6)));
    }

    [Fact]
    public void BackwardOnATensorWithoutGraphThrows()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Tensor.Ones(2).Sum().Backward());
        Assert.Contains("does not require grad", e.Message);
    }

    [Fact]
    public void NoGradRecordsNothing()
    {
        var x = Leaf(1, 2);
        Tensor y;
        using (GradMode.NoGrad())
        {
            Assert.False(GradMode.IsEnabled);
            y = (x * x).Sum();
            Assert.False(y.RequiresGrad);
            Assert.True(y.IsLeaf);
            Assert.False(x.Transpose(0, 0).RequiresGrad);
            Assert.False(x.View(2, 1).RequiresGrad);
            Assert.True(x.RequiresGrad);     // the leaf itself is unchanged
        }
        Assert.True(GradMode.IsEnabled);
        Assert.False(y.RequiresGrad);
        Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Null(x.Grad);
    }

    [Fact]
    public void NestedGradModeScopesRestore()
    {
        Assert.True(GradMode.IsEnabled);
        var x = Leaf(1);
        using (GradMode.NoGrad())
        {
            Assert.False(GradMode.IsEnabled);
            using (GradMode.EnableGrad())
            {
                Assert.True(GradMode.IsEnabled);
                Assert.True((x * 2.0).RequiresGrad);
                using (GradMode.NoGrad())
                {
                    Assert.False(GradMode.IsEnabled);
                    Assert.False((x * 2.0).RequiresGrad);
                }
                Assert.True(GradMode.IsEnabled);
            }
            Assert.False(GradMode.IsEnabled);
            using (GradMode.NoGrad()) Assert.False(GradMode.IsEnabled);
            Assert.False(GradMode.IsEnabled);   // inner NoGrad must not re-enable on exit
        }
        Assert.True(GradMode.IsEnabled);
        using (GradMode.EnableGrad()) Assert.True(GradMode.IsEnabled);
        Assert.True(GradMode.IsEnabled);
    }

    [Fact]
    public void NoGradIsRestoredWhenAnExceptionEscapes()
    {
        try
        {
            using (GradMode.NoGrad()) throw new InvalidTimeZoneException();
        }
        catch (InvalidTimeZoneException) { }
        Assert.True(GradMode.IsEnabled);
    }

    [Fact]
    public void GradModeIsPerThread()
    {
        using (GradMode.NoGrad())
        {
            bool other = false;
            var t = new Thread(() => other = GradMode.IsEnabled);
            t.Start();
            t.Join();
            Assert.True(other);
            Assert.False(GradMode.IsEnabled);
        }
    }

    [Fact]
    public void DetachSharesDataButStopsGradient()
    {
        var x = Leaf(1, 2, 3);
        var d = x.Detach();
        Assert.True(d.IsLeaf);
        Assert.False(d.RequiresGrad);
        Assert.True(Check.SharesStorage(x, d));
        d.FillInPlace(4);                  // allowed: d does not require grad
        Check.Values(x, [4, 4, 4]);

        var x2 = Leaf(1, 2, 3);
        var h = x2 * x2;
        (h.Detach() * x2).Sum().Backward();   // only the direct path: d/dx2 = h = x2^2
        Check.Values(x2.Grad!, [1, 4, 9]);
        Assert.Null(h.Grad);
    }

    [Fact]
    public void InPlaceOnATensorThatRequiresGradThrowsWithGradModeOn()
    {
        var x = Leaf(1, 2);
        var e = Assert.Throws<InvalidOperationException>(() => x.FillInPlace(0));
        Assert.Contains("NoGrad", e.Message);
        Assert.Throws<InvalidOperationException>(() => x.AddInPlace(Tensor.Ones(2)));
        Assert.Throws<InvalidOperationException>(() => x.CopyFrom(Tensor.Ones(2)));
        Assert.Throws<InvalidOperationException>(() => (x * 2.0).FillInPlace(0));
        Assert.Throws<InvalidOperationException>(() => x.View(2, 1).FillInPlace(0));
        Check.Values(x, [1, 2]);

        using (GradMode.NoGrad()) x.AddInPlace(Tensor.Ones(2));
        Check.Values(x, [2, 3]);
        Assert.True(x.RequiresGrad);
    }

    [Fact]
    public void NonLeafTensorsGetNoGrad()
    {
        var x = Leaf(1, 2);
        var y = x * 3.0;
        var z = y * y;
        z.Sum().Backward();
        Assert.Null(y.Grad);
        Assert.Null(z.Grad);
        Check.Values(x.Grad!, [18, 36]);   // 2 * 3x * 3
    }

    [Fact]
    public void InputsWithoutRequiresGradGetNoGrad()
    {
        var x = Leaf(1, 2);
        var c = Tensor.FromArray(new float[] { 5, 6 });
        (x * c).Sum().Backward();
        Assert.Null(c.Grad);
        Check.Values(x.Grad!, [5, 6]);
    }

    [Fact]
    public void DeepChainBackpropagatesWithoutStackOverflow()
    {
        const int depth = 20_000;
        var x = Tensor.Scalar(1).RequireGrad();
        var y = x;
        for (int i = 0; i < depth; i++) y = y * 1.0 + 0.0001;
        Exception? error = null;
        // a thread with a small stack: recursion per node would overflow it
        var t = new Thread(() =>
        {
            try { y.Backward(); }
            catch (Exception e) { error = e; }
        }, maxStackSize: 256 * 1024);
        t.Start();
        t.Join();
        Assert.Null(error);
        Assert.Equal(1f, x.Grad!.Item(), 5);
        Assert.InRange(y.Item(), 2.99f, 3.01f);
    }

    [Fact]
    public void GradientFlowsThroughViews()
    {
        var x = Tensor.Arange(6).View(2, 3).Detach().RequireGrad();
        var picked = x.T.Slice(0, 0, 3, 2).Reshape(-1);   // columns 0 and 2 → [0,3,2,5]
        picked.Mul(Tensor.FromArray(new float[] { 1, 2, 3, 4 })).Sum().Backward();
        Check.Values(x.Grad!, [1, 0, 3, 2, 0, 4]);
    }

    [Fact]
    public void GradSetterChecksShapeAndDType()
    {
        var x = Tensor.Zeros(2, 2).RequireGrad();
        Assert.Throws<ArgumentException>(() => x.Grad = Tensor.Zeros(4));
        Assert.Throws<ArgumentException>(() => x.Grad = Tensor.Zeros(DType.Float64, 2, 2));
        x.Grad = Tensor.Ones(2, 2);
        Check.Values(x.Grad!, [1, 1, 1, 1]);
    }

    [Fact]
    public void MaxGradientGoesToTheChosenElementOnly()
    {
        var x = Leaf(1, 5, 5, 2);
        x.Max().Backward();
        Check.Values(x.Grad!, [0, 1, 0, 0]);
    }
}
