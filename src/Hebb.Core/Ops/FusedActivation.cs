using Hebb.Kernels;

namespace Hebb.Ops;

/// <summary>
/// Bias + activation fused into the op that makes them: the layer writes act(x·W + b) into its output
/// in place, and its one backward node first turns g into the gradient of the pre-activation from the
/// output alone (ReLU: g where y &gt; 0, which is where the input was &gt; 0; sigmoid: g·y·(1 - y);
/// tanh: g·(1 - y²)). That saves a tensor, a graph node and a pass per layer, which is most of the
/// cost of a tiny network. The arithmetic is the separate ops', in the same order, so results are
/// bitwise the same. Functional.Linear and Functional.Conv2d take the activation as an argument;
/// Sequential fuses a Linear or Conv2d followed by ReLU, Sigmoid or Tanh.
/// </summary>
internal static class FusedActivation
{
    /// <summary>y = act(y), in place, on a fresh contiguous tensor.</summary>
    public static void Apply(Activation activation, Tensor y)
    {
        if (y.DType == DType.Float32) Apply(activation, y.Data<float>(), y.Numel);
        else Apply(activation, y.Data<double>(), y.Numel);
    }

    private static void Apply<T>(Activation activation, T[] y, int n) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        switch (activation)
        {
            case Activation.None: break;
            case Activation.Relu: ParallelElementwise.Unary<ReluOp, T>(y, 0, y, n); break;
            case Activation.Sigmoid: ParallelElementwise.Unary<SigmoidOp, T>(y, 0, y, n); break;
            case Activation.Tanh: ParallelElementwise.Unary<TanhOp, T>(y, 0, y, n); break;
            default: throw new ArgumentException($"{activation} cannot be fused into a layer");
        }
    }

    /// <summary>The gradient of the pre-activation, from the output y and the output's gradient g.</summary>
    public static Tensor Backward(Activation activation, Tensor y, Tensor g) => activation switch
    {
        Activation.Relu => Pointwise.Binary<ReluGradOp>(y, g, "Relu"),
        Activation.Sigmoid => g.Mul(y).Mul(1.0 - y),   // as SigmoidBackward
        Activation.Tanh => g.Mul(1.0 - y.Mul(y)),      // as TanhBackward
        Activation.None => g,
        _ => throw new ArgumentException($"{activation} cannot be fused into a layer"),
    };
}
