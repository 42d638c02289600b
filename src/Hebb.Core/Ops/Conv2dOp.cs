using Hebb.Autograd;
using Hebb.Kernels;

namespace Hebb.Ops;

/// <summary>
/// 2-D convolution (cross-correlation, as in PyTorch) on NCHW tensors:
/// O(i,j) = Σ_m Σ_n I(i·S + m, j·S + n) K(m,n) + b per output channel, with stride, padding,
/// dilation and groups; the backward (<see cref="Conv2dBackward"/>) gives dI, dW and db = Σ dO.
/// This file is the tensor side (checks, shapes, outputs, pooled scratch, autograd); the loops are kernels:
/// float32 with stride 1, dilation 1 and one group runs on <see cref="Conv2dDirect"/> (implicit GEMM),
/// everything else on <see cref="Conv2dIm2Col{T}"/> (im2col and GEMM).
/// </summary>
internal static class Conv2dOp
{
    public readonly record struct Options(int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW, int Groups);

    public static Tensor Forward(Tensor input, Tensor weight, Tensor? bias, Options o, Activation activation = Activation.None)
    {
        if (activation == Activation.Gelu) return Forward(input, weight, bias, o).Gelu(); // its backward needs the input: not fused
        if (activation == Activation.GeluTanh) return Forward(input, weight, bias, o).Gelu(tanhApproximation: true);
        Pointwise.CheckSameFloat(input, weight, "Conv2d");
        if (input.Rank != 4) throw new ArgumentException($"Conv2d: input must be (N, C, H, W), got {ShapeUtil.Format(input.Shape)}");
        if (weight.Rank != 4)
            throw new ArgumentException($"Conv2d: weight must be (C_out, C_in/groups, kh, kw), got {ShapeUtil.Format(weight.Shape)}");
        int n = input.ShapeArray[0], cIn = input.ShapeArray[1], cOut = weight.ShapeArray[0];
        if (o.Groups <= 0 || cIn % o.Groups != 0 || cOut % o.Groups != 0 || weight.ShapeArray[1] * o.Groups != cIn)
            throw new ArgumentException(
                $"Conv2d: input channels {cIn}, weight {ShapeUtil.Format(weight.Shape)} and groups {o.Groups} do not fit together");
        if (bias is not null && (bias.Rank != 1 || bias.ShapeArray[0] != cOut))
            throw new ArgumentException($"Conv2d: bias of shape {ShapeUtil.Format(bias.Shape)} does not match {cOut} output channels");
        var g = Geometry(input, weight, o);
        if (g.OutH <= 0 || g.OutW <= 0)
            throw new ArgumentException(
                $"Conv2d: a {g.KernelH}x{g.KernelW} kernel does not fit the padded " +
                $"{input.ShapeArray[2]}x{input.ShapeArray[3]} input");

        var x = input.Detach().Contiguous();
        var w = weight.Detach().Contiguous();
        var y = Tensor.Uninitialized(input.DType, [n, cOut, g.OutH, g.OutW]);
        var b = bias?.Detach().Contiguous();
        if (input.DType == DType.Float32 && Conv2dDirect.Applies(g, o.Groups, inputGrad: false))
            Conv2dDirect.Forward(x.Data<float>(), x.Offset, w.Data<float>(), w.Offset, b?.Data<float>(), b?.Offset ?? 0,
                y.Data<float>(), y.Offset, n, cOut, g, Scratch<float>);
        else if (input.DType == DType.Float32) Compute<float>(x, w, b, y, g, o.Groups);
        else Compute<double>(x, w, b, y, g, o.Groups);

        FusedActivation.Apply(activation, y);
        if (GradMode.ShouldRecord([input, weight, bias])) y.GradFn = new Conv2dBackward(o, activation, y, input, weight, bias);
        return y;
    }

    internal static Conv2dGeometry Geometry(Tensor input, Tensor weight, Options o) =>
        new(weight.ShapeArray[1], input.ShapeArray[2], input.ShapeArray[3], weight.ShapeArray[2], weight.ShapeArray[3],
            o.StrideH, o.StrideW, o.PadH, o.PadW, o.DilationH, o.DilationW);

    private static void Compute<T>(Tensor x, Tensor w, Tensor? b, Tensor y, Conv2dGeometry g, int groups)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Conv2dIm2Col<T>.Forward(x.Data<T>(), x.Offset, w.Data<T>(), w.Offset, b?.Data<T>(), b?.Offset ?? 0, y.Data<T>(),
            x.ShapeArray[0], w.ShapeArray[0], g, groups, Scratch<T>);

    /// <summary>A work buffer for the kernels: pooled inside a TensorScope, an ordinary array otherwise.</summary>
    internal static T[] Scratch<T>(int length) where T : unmanaged =>
        ((Storage<T>)Storage.Allocate(DTypeExtensions.Of<T>(), length, clear: false)).Data; // no Tensor around it: nothing else to allocate
}

/// <summary>Inputs: x, weight and the bias (absent when the layer has none). Saved: the output, only when
/// an activation was fused into it.</summary>
internal sealed class Conv2dBackward(Conv2dOp.Options o, Activation activation, Tensor y, Tensor input, Tensor weight, Tensor? bias)
    : Node([input, weight, bias], saveForBackward: activation == Activation.None ? null : y)
{
    private readonly Conv2dOp.Options _o = o;

    public override Tensor?[] Backward(Tensor g)
    {
        if (activation != Activation.None) g = FusedActivation.Backward(activation, Saved(0), g);
        var (input, weight) = (Input(0), Input(1));
        var gx = NeedsGrad(0) ? Tensor.ZerosLike(input) : null;
        var gw = NeedsGrad(1) ? Tensor.ZerosLike(weight) : null;
        var x = input.Contiguous();
        var w = weight.Contiguous();
        var dy = g.Contiguous();
        var geometry = Conv2dOp.Geometry(input, weight, _o);
        if (input.DType == DType.Float32 && Conv2dDirect.Applies(geometry, _o.Groups, inputGrad: gx is not null))
            Conv2dDirect.Backward(x.Data<float>(), x.Offset, w.Data<float>(), w.Offset, dy.Data<float>(), dy.Offset,
                gx?.Data<float>(), gw?.Data<float>(), x.ShapeArray[0], w.ShapeArray[0], geometry, Conv2dOp.Scratch<float>);
        else if (input.DType == DType.Float32) Compute<float>(x, w, dy, gx, gw, geometry, _o.Groups);
        else Compute<double>(x, w, dy, gx, gw, geometry, _o.Groups);
        var gb = NeedsGrad(2) ? dy.Sum([0, 2, 3]) : null; // dy: g made contiguous (summing a broadcast g element by element is slow)
        return [gx, gw, gb];
    }

    private static void Compute<T>(Tensor x, Tensor w, Tensor dy, Tensor? gx, Tensor? gw, Conv2dGeometry g, int groups)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Conv2dIm2Col<T>.Backward(x.Data<T>(), x.Offset, w.Data<T>(), w.Offset, dy.Data<T>(), dy.Offset, gx?.Data<T>(), gw?.Data<T>(),
            x.ShapeArray[0], w.ShapeArray[0], g, groups, Conv2dOp.Scratch<T>);
}
