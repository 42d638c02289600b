using Hebb.Autograd;
using Hebb.Kernels;

namespace Hebb.Ops;

/// <summary>
/// y = x Wᵀ + b as one op (torch's addmm): the bias rows are written first and the product is
/// accumulated onto them by the GEMM, and the backward produces all three gradients in one node
/// (dx = g W, dW = gᵀ x, db = sum of g over rows) instead of a transpose, a matmul and an add.
/// The arithmetic is <see cref="LinearKernel"/>; this file turns tensors into its arrays.
/// x may have any number of leading dims; they are flattened into rows. An activation may be fused
/// onto the output (<see cref="FusedActivation"/>).
/// </summary>
internal static class LinearOp
{
    public static Tensor Forward(Tensor input, Tensor weight, Tensor? bias, Activation activation = Activation.None)
    {
        if (activation == Activation.Gelu) return Forward(input, weight, bias).Gelu(); // its backward needs the input: not fused
        if (activation == Activation.GeluTanh) return Forward(input, weight, bias).Gelu(tanhApproximation: true);
        Pointwise.CheckSameFloat(input, weight, "Linear");
        int inFeatures = weight.ShapeArray[1], outFeatures = weight.ShapeArray[0];
        if (input.Rank == 0 || input.ShapeArray[^1] != inFeatures)
            throw new ArgumentException($"Linear: input of shape {ShapeUtil.Format(input.Shape)} must end in {inFeatures} features");
        if (bias is not null && (bias.Rank != 1 || bias.ShapeArray[0] != outFeatures))
            throw new ArgumentException($"Linear: bias of shape {ShapeUtil.Format(bias.Shape)} does not match {outFeatures} outputs");

        var x = input.IsContiguous ? input : input.Detach().Contiguous();
        int rows = x.Numel / Math.Max(inFeatures, 1);
        var outShape = (int[])input.ShapeArray.Clone();
        outShape[^1] = outFeatures;
        var y = Tensor.Uninitialized(input.DType, outShape);
        var w = weight.Contiguous();
        var b = bias?.Contiguous();
        if (input.DType == DType.Float32)
            LinearKernel.Forward(x.Data<float>(), x.Offset, w.Data<float>(), w.Offset, b?.Data<float>(), b?.Offset ?? 0, y.Data<float>(),
                rows, inFeatures, outFeatures);
        else
            LinearKernel.Forward(x.Data<double>(), x.Offset, w.Data<double>(), w.Offset, b?.Data<double>(), b?.Offset ?? 0,
                y.Data<double>(), rows, inFeatures, outFeatures);
        FusedActivation.Apply(activation, y);
        if (GradMode.ShouldRecord([input, weight, bias])) y.GradFn = new LinearBackward(activation, y, input, weight, bias);
        return y;
    }
}

/// <summary>Inputs: x, weight and the bias (absent when the layer has none). Saved: the output, only when
/// an activation was fused into it.</summary>
internal sealed class LinearBackward(Activation activation, Tensor y, Tensor input, Tensor weight, Tensor? bias)
    : Node([input, weight, bias], saveForBackward: activation == Activation.None ? null : y)
{
    public override Tensor?[] Backward(Tensor g)
    {
        if (activation != Activation.None) g = FusedActivation.Backward(activation, Saved(0), g);
        var (input, weight) = (Input(0), Input(1));
        // Straight to the kernels: composing MatMul, Reshape, T and Sum would make a dozen tensor objects per call.
        var gc = g.Contiguous();
        var x = input.IsContiguous ? input : input.Detach().Contiguous();
        var w = weight.IsContiguous ? weight : weight.Detach().Contiguous();
        var gx = NeedsGrad(0) ? Tensor.UninitializedLike(input.DType, x) : null;
        var gw = NeedsGrad(1) ? Tensor.UninitializedLike(weight.DType, w) : null;
        var gb = NeedsGrad(2) ? Tensor.UninitializedLike(weight.DType, Input(2)) : null;
        if (gc.DType == DType.Float32) Compute<float>(gc, x, w, gx, gw, gb);
        else Compute<double>(gc, x, w, gx, gw, gb);
        return [gx, gw, gb];
    }

    private static void Compute<T>(Tensor g, Tensor x, Tensor w, Tensor? gx, Tensor? gw, Tensor? gb)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int outF = w.ShapeArray[0], inF = w.ShapeArray[1], rows = g.Numel / Math.Max(outF, 1);
        LinearKernel.Backward(g.Data<T>(), g.Offset, x.Data<T>(), x.Offset, w.Data<T>(), w.Offset, gx?.Data<T>(), gw?.Data<T>(),
            gb?.Data<T>(), rows, inF, outF);
    }
}
