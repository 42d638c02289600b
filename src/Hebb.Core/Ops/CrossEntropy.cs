using Hebb.Autograd;
using Hebb.Kernels;

namespace Hebb.Ops;

/// <summary>
/// Cross-entropy from logits, fused: loss = mean_i -log softmax(x_i)[t_i], computed through the
/// stable log-softmax. Its backward is the familiar (softmax(x) - onehot(t)) / N, with no
/// intermediate graph of softmax, log and gather. The two loops over the targets are in <see cref="LossKernels"/>.
/// </summary>
internal static class CrossEntropyOp
{
    public static Tensor Forward(Tensor logits, Tensor targets)
    {
        logits.RequireFloat("CrossEntropy");
        if (logits.Rank != 2)
            throw new ArgumentException(
                $"CrossEntropy: logits must be (batch, classes), got shape {ShapeUtil.Format(logits.Shape)}; " +
                "reshape sequences to (batch*time, classes)");
        if (targets.Rank != 1 || targets.ShapeArray[0] != logits.ShapeArray[0])
            throw new ArgumentException(
                $"CrossEntropy: targets of shape {ShapeUtil.Format(targets.Shape)} do not match logits " +
                $"{ShapeUtil.Format(logits.Shape)} (expected [{logits.ShapeArray[0]}])");
        int n = logits.ShapeArray[0], c = logits.ShapeArray[1];
        var t = IndexOps.CheckedIndices(targets, c, "CrossEntropy");
        if (n == 0) throw new ArgumentException("CrossEntropy: empty batch");
        Tensor logProbs;
        using (GradMode.NoGrad()) logProbs = logits.LogSoftmax(1);
        double total = logits.DType == DType.Float32
            ? LossKernels.NegativeLogLikelihood<float>(logProbs.Data<float>(), t, c)
            : LossKernels.NegativeLogLikelihood<double>(logProbs.Data<double>(), t, c);
        var loss = Tensor.Scalar(total / n, logits.DType);
        if (GradMode.ShouldRecord(logits)) loss.GradFn = new CrossEntropyBackward(logits, logProbs, t);
        return loss;
    }
}

internal sealed class CrossEntropyBackward(Tensor logits, Tensor logProbs, int[] targets) : Node([logits], saveForBackward: logProbs)
{
    public override Tensor?[] Backward(Tensor g)
    {
        var grad = Saved(0).Exp();
        int n = targets.Length, c = grad.ShapeArray[1];
        if (grad.DType == DType.Float32) LossKernels.SubtractOneHot<float>(grad.Data<float>(), targets, c);
        else LossKernels.SubtractOneHot<double>(grad.Data<double>(), targets, c);
        return [grad.Mul(g.Div(n))];
    }
}
