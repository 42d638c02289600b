using Hebb.Autograd;
using Hebb.Kernels;

namespace Hebb.Ops;

/// <summary>
/// Binary cross-entropy on logits, fused and stable: per element
/// max(x, 0) - x·y + log(1 + e^(-|x|)), which equals -[y log σ(x) + (1-y) log(1-σ(x))] without
/// overflow. Backward: (σ(x) - y) / N. Targets are probabilities in [0, 1] and get no gradient.
/// </summary>
internal static class BinaryCrossEntropyWithLogitsOp
{
    public static Tensor Forward(Tensor logits, Tensor targets)
    {
        Pointwise.CheckSameFloat(logits, targets, "BinaryCrossEntropyWithLogits");
        if (!ShapeUtil.SameShape(logits.Shape, targets.Shape))
            throw new ArgumentException(
                $"BinaryCrossEntropyWithLogits: logits {ShapeUtil.Format(logits.Shape)} and targets " +
                $"{ShapeUtil.Format(targets.Shape)} must have the same shape");
        var x = Comparison.AsDoubles(logits);
        var y = Comparison.AsDoubles(targets);
        double total = LossKernels.BinaryCrossEntropyWithLogits(x, y);
        var loss = Tensor.Scalar(total / Math.Max(x.Length, 1), logits.DType);
        if (GradMode.ShouldRecord(logits)) loss.GradFn = new BinaryCrossEntropyWithLogitsBackward(logits, targets);
        return loss;
    }
}

internal sealed class BinaryCrossEntropyWithLogitsBackward(Tensor logits, Tensor targets) : Node(logits)
{
    public override Tensor?[] Backward(Tensor g) =>
        [Input(0).Detach().Sigmoid().Sub(targets).Mul(g.Div(Math.Max(targets.Numel, 1)))];
}
