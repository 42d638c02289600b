using Hebb.Autograd;
using Hebb.Kernels;

namespace Hebb.Ops;

/// <summary>
/// The logistic-regression loss, fused: mean over i of ln(1 + e^(-y_i s_i)) for scores s and
/// labels y in {-1, +1} (the negative log-likelihood of P(y|x) = σ(y s)). Each term is computed as
/// softplus(-m) = max(-m, 0) + ln(1 + e^(-|m|)) with m = y s, so large margins neither overflow nor
/// lose the small tail. Backward: ∂/∂s_i = -y_i σ(-y_i s_i) / N. Labels are constants (no gradient).
/// </summary>
internal static class LogisticLossOp
{
    public static Tensor Forward(Tensor scores, Tensor labels)
    {
        scores.RequireFloat("Logistic");
        if (!ShapeUtil.SameShape(scores.Shape, labels.Shape))
            throw new ArgumentException(
                $"Logistic: scores {ShapeUtil.Format(scores.Shape)} and labels {ShapeUtil.Format(labels.Shape)} must have the same shape");
        int n = scores.Numel;
        if (n == 0) throw new ArgumentException("Logistic: empty batch");
        var s = Comparison.AsDoubles(scores);
        var y = Comparison.AsDoubles(labels);
        bool record = GradMode.ShouldRecord(scores);
        // The per-element derivative is known in the forward pass already; keep it for backward.
        var coefficient = record ? Tensor.Uninitialized(scores.DType, scores.ShapeArray) : null;
        double total = scores.DType == DType.Float32
            ? LossKernels.Logistic(s, y, coefficient is null ? default : coefficient.Data<float>().AsSpan(0, n))
            : LossKernels.Logistic(s, y, coefficient is null ? default : coefficient.Data<double>().AsSpan(0, n));
        var loss = Tensor.Scalar(total / n, scores.DType);
        if (coefficient is not null) loss.GradFn = new LogisticLossBackward(scores, coefficient);
        return loss;
    }
}

internal sealed class LogisticLossBackward(Tensor scores, Tensor coefficient) : Node([scores], saveForBackward: coefficient)
{
    public override Tensor?[] Backward(Tensor g) => [Saved(0).Mul(g.Div(Saved(0).Numel))];
}
