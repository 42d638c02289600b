using Hebb.Ops;

namespace Hebb.NN;

/// <summary>Layer math as functions (torch.nn.functional): what the modules call.</summary>
public static class Functional
{
    /// <summary>y = x Wᵀ + b, with W of shape (out, in); x may have leading batch dims.</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        if (weight.Rank != 2) throw new ArgumentException($"Linear: weight must be (out, in), got {ShapeUtil.Format(weight.Shape)}");
        return LinearOp.Forward(input, weight, bias);
    }
}
