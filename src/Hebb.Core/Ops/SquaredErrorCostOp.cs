using Hebb.Autograd;
using Hebb.Kernels;

namespace Hebb.Ops;

/// <summary>
/// The quadratic cost (squared error summed over the outputs, averaged over the N samples), fused:
/// C = (1/N) Σ_i Σ_j (o_ij - y_ij)², with dC/do = 2 (o - y) / N.
/// One op instead of sub, mul, sum and mean (and their four backward nodes). Targets get no gradient.
/// </summary>
internal static class SquaredErrorCostOp
{
    public static Tensor Forward(Tensor output, Tensor expected)
    {
        Pointwise.CheckSameFloat(output, expected, "SquaredErrorCost");
        if (output.Rank != 2 || !ShapeUtil.SameShape(output.Shape, expected.Shape))
            throw new ArgumentException(
                "SquaredErrorCost: expects output and expected of the same (batch, outputs) shape, " +
                $"got {ShapeUtil.Format(output.Shape)} and {ShapeUtil.Format(expected.Shape)}");
        int n = output.ShapeArray[0];
        if (n == 0) throw new ArgumentException("SquaredErrorCost: empty batch");
        var o = output.Contiguous();
        var y = expected.Contiguous();
        double total = output.DType == DType.Float32
            ? LossKernels.SquaredError<float>(o.Data<float>().AsSpan(o.Offset, o.Numel), y.Data<float>().AsSpan(y.Offset, y.Numel))
            : LossKernels.SquaredError<double>(o.Data<double>().AsSpan(o.Offset, o.Numel), y.Data<double>().AsSpan(y.Offset, y.Numel));
        var cost = Tensor.Scalar(total / n, output.DType);
        if (GradMode.ShouldRecord(output)) cost.GradFn = new SquaredErrorCostBackward(output, expected);
        return cost;
    }
}

internal sealed class SquaredErrorCostBackward(Tensor output, Tensor expected) : Node(output)
{
    public override Tensor?[] Backward(Tensor g) =>
        [Input(0).Detach().Sub(expected).Mul(g.Mul(2.0 / Input(0).ShapeArray[0]))];
}
