using Hebb.Tests.Autograd;
using static Hebb.Tests.Autograd.GradCheck;

namespace Hebb.Tests.Ops;

/// <summary>Every differentiable op against finite differences: contiguous, non-contiguous and broadcast inputs.</summary>
public class GradcheckTests
{
    private readonly Generator _g = new(7);

    /// <summary>Runs a unary op on a contiguous input, a transposed one, and a 3-D one.</summary>
    private void Unary(Func<Tensor, Tensor> op, bool positive = false)
    {
        Tensor Make(params int[] s) => positive ? PositiveLeaf(_g, s) : Leaf(_g, s);
        Check(x => op(x[0]), Make(3, 4));
        Check(x => op(x[0]), positive ? PositiveLeaf(_g, 5, 3).Detach().Transpose(0, 1).RequireGrad() : NonContiguousLeaf(_g, 3, 5));
        Check(x => op(x[0]), Make(2, 3, 2));
    }

    /// <summary>Runs a binary op on equal shapes, broadcast shapes (both directions, scalar) and non-contiguous inputs.</summary>
    private void Binary(Func<Tensor, Tensor, Tensor> op, bool positiveRight = false)
    {
        Tensor Right(params int[] s) => positiveRight ? PositiveLeaf(_g, s) : Leaf(_g, s);
        Check(x => op(x[0], x[1]), Leaf(_g, 3, 4), Right(3, 4));
        Check(x => op(x[0], x[1]), Leaf(_g, 2, 3, 4), Right(4));
        Check(x => op(x[0], x[1]), Leaf(_g, 3, 1), Right(1, 4));
        Check(x => op(x[0], x[1]), Leaf(_g, 4), Right(2, 3, 1));
        Check(x => op(x[0], x[1]), Leaf(_g, 2, 3), Right());
        var right = positiveRight ? PositiveLeaf(_g, 4, 3).Detach().Transpose(0, 1).RequireGrad() : NonContiguousLeaf(_g, 3, 4);
        Check(x => op(x[0], x[1]), NonContiguousLeaf(_g, 3, 4), right);
    }

    [Fact] public void Add() => Binary((a, b) => a + b);
    [Fact] public void Sub() => Binary((a, b) => a - b);
    [Fact] public void Mul() => Binary((a, b) => a * b);
    [Fact] public void Div() => Binary((a, b) => a / b, positiveRight: true);
    [Fact] public void Neg() => Unary(x => -x);
    [Fact] public void ScalarArithmetic() => Unary(x => (2.0 - x) * 3.0 / 1.5 + 1.0 - 1.0 / (x.Mul(x) + 1.0));
    [Fact] public void Exp() => Unary(x => x.Exp());
    [Fact] public void Log() => Unary(x => x.Log(), positive: true);
    [Fact] public void Sqrt() => Unary(x => x.Sqrt(), positive: true);
    [Fact] public void Abs() => Unary(x => x.Abs());
    [Fact] public void PowScalar() => Unary(x => x.Pow(2.5), positive: true);
    [Fact] public void PowInteger() => Unary(x => x.Pow(3));
    [Fact] public void PowTensor() => Binary((a, b) => b.Pow(a), positiveRight: true);
    [Fact] public void Clamp() => Unary(x => x.Clamp(-0.5, 0.7));
    [Fact] public void ClampMinOnly() => Unary(x => x.Clamp(min: 0.1));
    [Fact] public void Maximum() => Binary((a, b) => a.Maximum(b));
    [Fact] public void Minimum() => Binary((a, b) => a.Minimum(b));
    [Fact] public void Sigmoid() => Unary(x => x.Sigmoid());
    [Fact] public void Tanh() => Unary(x => x.Tanh());
    [Fact] public void Relu() => Unary(x => x.Relu());
    [Fact] public void Gelu() => Unary(x => x.Gelu());
    [Fact] public void GeluTanh() => Unary(x => x.Gelu(tanhApproximation: true));

    [Fact]
    public void Softmax()
    {
        foreach (int dim in new[] { 0, 1, -1 })
        {
            Unary(x => x.Softmax(dim));
            Unary(x => x.Softmax(dim, temperature: 0.5));
            Unary(x => x.Softmax(dim, temperature: 1.7));
        }
    }

    [Fact]
    public void LogSoftmax()
    {
        foreach (int dim in new[] { 0, 1, -1 }) Unary(x => x.LogSoftmax(dim));
    }

    [Fact]
    public void MatMul()
    {
        Check(x => x[0].MatMul(x[1]), Leaf(_g, 3, 4), Leaf(_g, 4, 5));
        Check(x => x[0].MatMul(x[1]), NonContiguousLeaf(_g, 3, 4), NonContiguousLeaf(_g, 4, 5));
        Check(x => x[0].MatMul(x[1]), Leaf(_g, 3, 4), NonContiguousLeaf(_g, 4, 1));
        Check(x => x[0].MatMul(x[1]), Leaf(_g, 2, 3, 4), Leaf(_g, 2, 4, 2));            // batched
        Check(x => x[0].MatMul(x[1]), Leaf(_g, 2, 1, 3, 4), Leaf(_g, 3, 4, 2));         // broadcast batch dims
        Check(x => x[0].MatMul(x[1]), Leaf(_g, 2, 3, 3, 4), NonContiguousLeaf(_g, 4, 2)); // 4-D by 2-D
        Check(x => x[0].MatMul(x[1]), Leaf(_g, 4), Leaf(_g, 4, 3));                     // vector · matrix
        Check(x => x[0].MatMul(x[1]), Leaf(_g, 2, 4), Leaf(_g, 4));                     // matrix · vector
    }

    [Fact]
    public void SumMeanVarOverSeveralAxes()
    {
        foreach (var dims in new int[]?[] { null, [0], [1], [-1], [0, 2], [2, 0, 1] })
        {
            foreach (bool keep in new[] { false, true })
            {
                Check(x => x[0].Sum(dims, keep), Leaf(_g, 2, 3, 4));
                Check(x => x[0].Mean(dims, keep), NonContiguousLeaf(_g, 2, 3, 4));
                Check(x => x[0].Var(dims, keep), Leaf(_g, 2, 3, 4));
            }
        }
        Check(x => x[0].Var([1], correction: 0), Leaf(_g, 3, 5));
    }

    [Fact]
    public void MaxMin()
    {
        foreach (int dim in new[] { 0, 1, -1 })
        {
            Check(x => x[0].Max(dim).Values, Leaf(_g, 3, 4, 2));
            Check(x => x[0].Min(dim, keepDim: true).Values, NonContiguousLeaf(_g, 3, 4, 2));
        }
        Check(x => x[0].Max(), Leaf(_g, 3, 4));
        Check(x => x[0].Max([0, 2]), Leaf(_g, 3, 4, 2));
        Check(x => x[0].Min([2, 1], keepDim: true), NonContiguousLeaf(_g, 3, 4, 2));
    }

    [Fact]
    public void Views()
    {
        Check(x => x[0].Reshape(4, 3), NonContiguousLeaf(_g, 3, 4));
        Check(x => x[0].View(2, -1), Leaf(_g, 3, 4));
        Check(x => x[0].Flatten(1), Leaf(_g, 2, 3, 4));
        Check(x => x[0].Permute(2, 0, 1), Leaf(_g, 2, 3, 4));
        Check(x => x[0].Transpose(0, 2).Contiguous(), Leaf(_g, 2, 3, 4));
        Check(x => x[0].Slice(1, 1, 5, 2), Leaf(_g, 3, 6));
        Check(x => x[0].Slice(0, -2, 3), NonContiguousLeaf(_g, 3, 4));
        Check(x => x[0].Narrow(1, 1, 2), Leaf(_g, 3, 4));
        Check(x => x[0].Squeeze(), Leaf(_g, 3, 1, 4, 1));
        Check(x => x[0].Squeeze(1).Unsqueeze(0).Unsqueeze(-1), Leaf(_g, 3, 1, 4));
        Check(x => x[0].Expand(2, 3, 4), Leaf(_g, 3, 1));
        Check(x => x[0].Clone(), NonContiguousLeaf(_g, 3, 4));
        // A view used twice in one graph: gradients from both uses add up.
        Check(x => x[0].T.MatMul(x[0]), Leaf(_g, 3, 4));
    }

    [Fact]
    public void Gather()
    {
        var index = Tensor.FromArray(new[] { 0, 2, 1, 2, 2, 0 }, 3, 2);
        Check(x => x[0].Gather(1, index), Leaf(_g, 3, 4));
        Check(x => x[0].Gather(1, index), NonContiguousLeaf(_g, 3, 4));
        Check(x => x[0].Gather(0, Tensor.FromArray(new[] { 2, 0, 0, 1 }, 1, 4)), Leaf(_g, 3, 4)); // repeats accumulate
    }

    [Fact]
    public void IndexSelect()
    {
        var ids = Tensor.FromArray(new[] { 2, 0, 2, 1 });
        Check(x => x[0].IndexSelect(0, ids), Leaf(_g, 3, 4));
        Check(x => x[0].IndexSelect(1, ids), NonContiguousLeaf(_g, 2, 3));
        Check(x => x[0].IndexSelect(1, ids), Leaf(_g, 2, 3, 2));
    }

    [Fact]
    public void WhereAndMaskedFill()
    {
        var cond = Tensor.FromArray(new[] { 1, 0, 0, 1 }, 1, 4);
        Check(x => Tensor.Where(cond, x[0], x[1]), Leaf(_g, 3, 4), Leaf(_g, 3, 1));
        Check(x => Tensor.Where(cond, x[0], x[1]), NonContiguousLeaf(_g, 3, 4), Leaf(_g));
        Check(x => x[0].MaskedFill(cond, -1e9).Softmax(-1), Leaf(_g, 2, 4));
    }

    [Fact]
    public void CatStackSplit()
    {
        Check(x => Tensor.Cat([x[0], x[1], x[0]], 1), Leaf(_g, 2, 3), NonContiguousLeaf(_g, 2, 2));
        Check(x => Tensor.Stack([x[0], x[1]], 1), Leaf(_g, 2, 3), NonContiguousLeaf(_g, 2, 3));
        Check(x => x[0].Split([1, 3], 1)[1] * x[0].Chunk(2, 1)[0].Sum(), Leaf(_g, 2, 4));
    }

    [Fact]
    public void FusedLinear()
    {
        Check(x => Hebb.NN.Functional.Linear(x[0], x[1], x[2]), Leaf(_g, 4, 3), Leaf(_g, 5, 3), Leaf(_g, 5));
        Check(x => Hebb.NN.Functional.Linear(x[0], x[1]), NonContiguousLeaf(_g, 4, 3), NonContiguousLeaf(_g, 5, 3));
        Check(x => Hebb.NN.Functional.Linear(x[0], x[1], x[2]), Leaf(_g, 2, 3, 7), Leaf(_g, 20, 7), Leaf(_g, 20)); // leading dims, n > 16
    }

    [Fact]
    public void SeedCost()
    {
        var target = Tensor.Rand(new Generator(1), DType.Float64, 4, 3);
        Check(x => Hebb.NN.Losses.SquaredErrorCost(x[0], target.To(x[0].DType)), Leaf(_g, 4, 3));
        Check(x => Hebb.NN.Losses.SquaredErrorCost(x[0].Sigmoid(), target.To(x[0].DType)), NonContiguousLeaf(_g, 4, 3));
    }

    private static Tensor Conv(Tensor x, Tensor w, Tensor? b, int stride = 1, int pad = 0, int dil = 1, int groups = 1) =>
        Hebb.Ops.Conv2dOp.Forward(x, w, b, new Hebb.Ops.Conv2dOp.Options(stride, stride, pad, pad, dil, dil, groups));

    [Fact]
    public void Conv2d()
    {
        Check(x => Conv(x[0], x[1], x[2]), Leaf(_g, 2, 3, 5, 5), Leaf(_g, 4, 3, 3, 3), Leaf(_g, 4));
        Check(x => Conv(x[0], x[1], x[2], stride: 2, pad: 1), Leaf(_g, 1, 2, 6, 7), Leaf(_g, 3, 2, 3, 2), Leaf(_g, 3));
        Check(x => Conv(x[0], x[1], null, dil: 2, pad: 2), Leaf(_g, 1, 1, 5, 6), Leaf(_g, 2, 1, 3, 3));
        Check(x => Conv(x[0], x[1], x[2], groups: 2), Leaf(_g, 2, 4, 4, 4), Leaf(_g, 6, 2, 2, 2), Leaf(_g, 6));
        Check(x => Conv(x[0], x[1], x[2], stride: 3), NonContiguousLeaf(_g, 1, 2, 7, 8), Leaf(_g, 2, 2, 3, 3), Leaf(_g, 2));
    }

    [Fact]
    public void Pooling()
    {
        Check(x => Hebb.Ops.Pool2dOp.Forward(x[0], 2, 2, 2, 2, 0, 0, max: true), Leaf(_g, 2, 3, 4, 5));
        Check(x => Hebb.Ops.Pool2dOp.Forward(x[0], 3, 3, 2, 2, 1, 1, max: true), NonContiguousLeaf(_g, 1, 2, 5, 6));
        Check(x => Hebb.Ops.Pool2dOp.Forward(x[0], 2, 2, 2, 2, 0, 0, max: false), Leaf(_g, 2, 3, 4, 5));
        Check(x => Hebb.Ops.Pool2dOp.Forward(x[0], 3, 3, 1, 1, 1, 1, max: false), NonContiguousLeaf(_g, 1, 2, 5, 6));
    }

    [Fact]
    public void Composite()
    {
        // A little network: the ops combined in one graph.
        Check(x => x[0].MatMul(x[1]).Add(x[2]).Tanh().MatMul(x[3]).LogSoftmax(-1),
            Leaf(_g, 4, 3), Leaf(_g, 3, 5), Leaf(_g, 5), Leaf(_g, 5, 2));
    }
}
