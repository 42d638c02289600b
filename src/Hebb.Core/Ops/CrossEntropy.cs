using Hebb.Autograd;
using Hebb.Kernels;

namespace Hebb.Ops;

/// <summary>
/// Cross-entropy from logits, fused: loss = mean_i -log softmax(x_i)[t_i], computed through the
/// stable log-softmax. Its backward is the familiar (softmax(x) - onehot(t)) / N, with no
/// intermediate graph of softmax, log and gather.
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
        double total = 0;
        if (logits.DType == DType.Float32)
            for (int i = 0; i < n; i++) total -= logProbs.Data<float>()[i * c + t[i]];
        else
            for (int i = 0; i < n; i++) total -= logProbs.Data<double>()[i * c + t[i]];
        var loss = Tensor.Scalar(total / n, logits.DType);
        if (GradMode.ShouldRecord(logits)) loss.GradFn = new CrossEntropyBackward(logits, logProbs, t);
        return loss;
    }
}

internal sealed class CrossEntropyBackward(Tensor logits, Tensor logProbs, int[] targets) : Node([logits], saveForBackward: [logProbs])
{
    public override Tensor?[] Backward(Tensor g)
    {
        var grad = Saved(0).Exp();
        int n = targets.Length, c = grad.ShapeArray[1];
        if (grad.DType == DType.Float32)
        {
            var d = grad.Data<float>();
            for (int i = 0; i < n; i++) d[i * c + targets[i]] -= 1f;
        }
        else
        {
            var d = grad.Data<double>();
            for (int i = 0; i < n; i++) d[i * c + targets[i]] -= 1.0;
        }
        return [grad.Mul(g.Div(n))];
    }
}
