using Hebb.Autograd;

namespace Hebb.Tests.Autograd;

/// <summary>A user's own differentiable op (<see cref="Function"/>) behaves like a built-in one: gradchecked
/// on contiguous, strided and broadcast inputs, composable with other ops, and refused clearly when its
/// backward returns the wrong number or shape of gradients.</summary>
public class CustomFunctionTests
{
    /// <summary>The example of Function's documentation: y = x·e^x, dy/dx = e^x·(1 + x).</summary>
    private sealed class XExpX : Function
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor?[] inputs)
        {
            var x = inputs[0]!;
            var ex = x.Exp();
            ctx.SaveForBackward(x, ex);
            return x.Mul(ex);
        }

        protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
        {
            var (x, ex) = (ctx.Saved(0), ctx.Saved(1));
            return [ctx.NeedsInputGrad(0) ? gradOutput.Mul(ex).Mul(x.Add(1.0)) : null];
        }
    }

    /// <summary>a·b·scale with b (and scale) broadcast to a's shape: the backward sums their gradients back
    /// to their own shapes. The scale is an optional input: absent, it counts as 1 and gets no gradient.</summary>
    private sealed class ScaledProduct : Function
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor?[] inputs)
        {
            var (a, b, scale) = (inputs[0]!, inputs[1]!, inputs[2]);
            ctx.SaveForBackward(scale is null ? [a, b] : [a, b, scale]);
            var y = a.Mul(b);
            return scale is null ? y : y.Mul(scale);
        }

        protected override Tensor?[] Backward(FunctionContext ctx, Tensor g)
        {
            var (a, b) = (ctx.Saved(0), ctx.Saved(1));
            var scale = ctx.SavedCount > 2 ? ctx.Saved(2) : null;
            var gProduct = scale is null ? g : g.Mul(scale);
            return
            [
                ctx.NeedsInputGrad(0) ? gProduct.Mul(b).SumTo(a.Shape) : null,
                ctx.NeedsInputGrad(1) ? gProduct.Mul(a).SumTo(b.Shape) : null,
                ctx.NeedsInputGrad(2) ? g.Mul(a).Mul(b).SumTo(scale!.Shape) : null,
            ];
        }
    }

    private sealed class WrongShape : Function
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor?[] inputs) => inputs[0]!.Mul(2.0);
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor g) => [g.Sum()];
    }

    private sealed class TooFew : Function
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor?[] inputs) => inputs[0]!.Mul(inputs[1]!);
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor g) => [g];
    }

    private sealed class Identity : Function
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor?[] inputs) => inputs[0]!;
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor g) => [g];
    }

    [Fact]
    public void GradcheckContiguousStridedAndBroadcast()
    {
        var g = new Generator(7);
        var f = new XExpX();
        GradCheck.Check(x => f.Apply(x[0]), GradCheck.Leaf(g, 3, 4));
        GradCheck.Check(x => f.Apply(x[0]), GradCheck.NonContiguousLeaf(g, 3, 4));
        var p = new ScaledProduct();
        GradCheck.Check(x => p.Apply(x[0], x[1], null), GradCheck.Leaf(g, 3, 4), GradCheck.Leaf(g, 1, 4));
        GradCheck.Check(x => p.Apply(x[0], x[1], null), GradCheck.NonContiguousLeaf(g, 4, 3), GradCheck.Leaf(g, 3));
        GradCheck.Check(x => p.Apply(x[0], x[1], x[2]),
            GradCheck.Leaf(g, 2, 3), GradCheck.NonContiguousLeaf(g, 2, 3), GradCheck.Leaf(g, 2, 1));
    }

    [Fact]
    public void ComposesWithBuiltInOpsAndMatchesTheFormula()
    {
        var x = Tensor.FromArray([0.5, -1.0, 2.0], 3).RequireGrad();
        var y = new XExpX().Apply(x.Mul(2.0)).Sum(); // d/dx of sum(2x·e^(2x)) = 2·e^(2x)·(1 + 2x)
        y.Backward();
        var grad = x.Grad!.ToArray<double>();
        double[] xs = [0.5, -1.0, 2.0];
        for (int i = 0; i < 3; i++) Assert.Equal(2 * Math.Exp(2 * xs[i]) * (1 + 2 * xs[i]), grad[i], 12);
    }

    [Fact]
    public void RecordsNothingWithoutGradOrUnderNoGrad()
    {
        var x = Tensor.FromArray([1.0, 2.0], 2);
        Assert.True(new XExpX().Apply(x).IsLeaf);
        var w = x.Detach().RequireGrad();
        using (GradMode.NoGrad()) Assert.False(new XExpX().Apply(w).RequiresGrad);
        Assert.Equal("XExpXBackward", new XExpX().Apply(w).ToString().Split("grad_fn=")[1].TrimEnd(')'));
    }

    [Fact]
    public void AnInputHandedBackKeepsItsOwnIdentity()
    {
        var x = Tensor.FromArray([1.0, 2.0], 2).RequireGrad();
        var y = new Identity().Apply(x);
        Assert.NotSame(x, y);
        Assert.True(x.IsLeaf);
        y.Mul(3.0).Sum().Backward();
        Assert.Equal([3.0, 3.0], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void WrongGradientsAreRefusedNamingTheFunction()
    {
        var x = Tensor.FromArray([1.0, 2.0], 2).RequireGrad();
        var shape = Assert.Throws<InvalidOperationException>(() => new WrongShape().Apply(x).Sum().Backward());
        Assert.Contains("WrongShapeBackward.Backward returned a gradient of shape []", shape.Message);
        Assert.Contains("for input 0 of shape [2]", shape.Message);
        var count = Assert.Throws<InvalidOperationException>(() => new TooFew().Apply(x, x.Detach()).Sum().Backward());
        Assert.Contains("TooFewBackward.Backward returned 1 gradients for 2 inputs", count.Message);
    }

    [Fact]
    public void ASecondBackwardWithoutRetainGraphFailsClearly()
    {
        var x = Tensor.FromArray([1.0, 2.0], 2).RequireGrad();
        var y = new XExpX().Apply(x).Sum();
        y.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("already been freed", e.Message);
    }
}
