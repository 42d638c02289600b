using Hebb.NN;
using Hebb.Ops;
using Hebb.Tests.Autograd;

namespace Hebb.Tests.NN;

/// <summary>Sequential runs a Linear or Conv2d followed by ReLU, Sigmoid or Tanh as one fused op: the same
/// numbers, bit for bit, as running the two layers one after the other, and a correct gradient.</summary>
public class FusedActivationTests
{
    public static TheoryData<Activation> Fusable => new() { Activation.Relu, Activation.Sigmoid, Activation.Tanh };

    [Theory]
    [MemberData(nameof(Fusable))]
    public void FusedLinearIsBitwiseTheSeparateLayers(Activation activation)
    {
        var g = new Generator(31);
        var net = new Sequential(new Linear(37, 19, g), Activations.Create(activation), new Linear(19, 5, g));
        var x = Tensor.Randn(g, 70_000 / 37 + 3, 37).RequireGrad();   // big enough for the split element-wise path
        AssertFusedEqualsSeparate(net, x);
    }

    [Fact]
    public void FusedConvolutionIsBitwiseTheSeparateLayers()
    {
        var g = new Generator(32);
        var net = new Sequential(new Conv2d(3, 8, 5, g, padding: 2), new ReLU(), new MaxPool2d(2), new Conv2d(8, 4, 3, g), new Tanh());
        var x = Tensor.Randn(g, 9, 3, 16, 16).RequireGrad();
        AssertFusedEqualsSeparate(net, x);
    }

    private static void AssertFusedEqualsSeparate(Sequential net, Tensor x)
    {
        var y = net.Forward(x);
        // No separate activation nodes in the graph.
        Assert.DoesNotContain(Nodes(y), n => n.GetType().Name is "ReluBackward" or "SigmoidBackward" or "TanhBackward");
        var upstream = Tensor.Randn(new Generator(33), y.ShapeArray);
        y.Mul(upstream).Sum().Backward();
        var fused = (Y: y.ToArray<float>(), X: x.Grad!.ToArray<float>(),
            P: net.Parameters().Select(p => p.Grad!.ToArray<float>()).ToList());

        net.ZeroGrad();
        x.ClearGrad(false);
        var h = x;
        foreach (var layer in net.Layers) h = layer.Forward(h);
        Assert.Contains(Nodes(h), n => n.GetType().Name is "ReluBackward" or "SigmoidBackward" or "TanhBackward");
        h.Mul(upstream).Sum().Backward();
        Assert.Equal(h.ToArray<float>(), fused.Y);
        Assert.Equal(x.Grad!.ToArray<float>(), fused.X);
        var separate = net.Parameters().Select(p => p.Grad!.ToArray<float>()).ToList();
        for (int i = 0; i < separate.Count; i++) Assert.Equal(separate[i], fused.P[i]);
    }

    private static List<Hebb.Autograd.Node> Nodes(Tensor y)
    {
        var seen = new List<Hebb.Autograd.Node>();
        var stack = new Stack<Hebb.Autograd.Node>();
        if (y.GradFn is not null) stack.Push(y.GradFn);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (seen.Contains(n)) continue;
            seen.Add(n);
            foreach (var input in n.Inputs) if (input?.GradFn is { } fn) stack.Push(fn);
        }
        return seen;
    }

    [Theory]
    [MemberData(nameof(Fusable))]
    public void FusedOpsPassGradcheck(Activation activation)
    {
        var g = new Generator(34);
        GradCheck.Check(t => LinearOp.Forward(t[0], t[1], t[2], activation),
            GradCheck.NonContiguousLeaf(g, 4, 6), GradCheck.Leaf(g, 3, 6), GradCheck.Leaf(g, 3));
        GradCheck.Check(t => Conv2dOp.Forward(t[0], t[1], t[2], new Conv2dOp.Options(1, 1, 1, 1, 1, 1, 1), activation),
            GradCheck.Leaf(g, 2, 2, 5, 4), GradCheck.Leaf(g, 3, 2, 3, 3), GradCheck.Leaf(g, 3));
    }

    [Fact]
    public void GeluIsNotFused()
    {
        var g = new Generator(35);
        var net = new Sequential(new Linear(4, 3, g), new GELU());
        var y = net.Forward(Tensor.Randn(g, 2, 4).RequireGrad());
        Assert.Equal("GeluBackward", y.GradFn!.GetType().Name);
    }
}
