using Hebb.Autograd;
using Hebb.Kernels;

namespace Hebb.Ops;

/// <summary>
/// Max and average pooling over NCHW tensors. Max remembers where each maximum came from and its
/// backward sends the gradient there only; average pooling divides by the full window, padding
/// included (PyTorch's default count_include_pad), and spreads the gradient evenly. The loops are
/// kernels: <see cref="MaxPool2x2"/> for float 2x2 max pooling with stride 2, <see cref="Pool2dKernel"/> otherwise.
/// </summary>
internal static class Pool2dOp
{
    public static Tensor Forward(Tensor input, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, bool max)
    {
        string op = max ? "MaxPool2d" : "AvgPool2d";
        input.RequireFloat(op);
        if (input.Rank != 4) throw new ArgumentException($"{op}: input must be (N, C, H, W), got {ShapeUtil.Format(input.Shape)}");
        if (kernelH <= 0 || kernelW <= 0 || strideH <= 0 || strideW <= 0 || padH < 0 || padW < 0
            || 2 * padH > kernelH || 2 * padW > kernelW)
            throw new ArgumentException(
                $"{op}: invalid kernel {kernelH}x{kernelW}, stride {strideH}x{strideW}, padding {padH}x{padW} " +
                "(padding may be at most half the kernel)");
        int n = input.ShapeArray[0], c = input.ShapeArray[1];
        var g = new Conv2dGeometry(1, input.ShapeArray[2], input.ShapeArray[3], kernelH, kernelW, strideH, strideW, padH, padW, 1, 1);
        if (g.OutH <= 0 || g.OutW <= 0)
            throw new ArgumentException($"{op}: a {kernelH}x{kernelW} window does not fit the {g.Height}x{g.Width} input");
        var x = input.Detach().Contiguous();
        var y = Tensor.Uninitialized(input.DType, [n, c, g.OutH, g.OutW]);
        // Where each maximum came from, for the backward (pooled like any step tensor).
        var argmax = max ? Tensor.UninitializedLike(DType.Int32, y) : null;
        if (max && input.DType == DType.Float32 && kernelH == 2 && kernelW == 2 && strideH == 2 && strideW == 2 && padH == 0 && padW == 0)
            MaxPool2x2.Forward(x.Data<float>(), x.Offset, n * c, g.Height, g.Width, y.Data<float>(), argmax!.Data<int>());
        else if (input.DType == DType.Float32) Compute<float>(x, y, g, argmax?.Data<int>());
        else Compute<double>(x, y, g, argmax?.Data<int>());
        if (GradMode.ShouldRecord(input)) y.GradFn = new Pool2dBackward(input, g, argmax);
        return y;
    }

    private static void Compute<T>(Tensor x, Tensor y, Conv2dGeometry g, int[]? argmax)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Pool2dKernel.Forward(x.Data<T>(), x.Offset, x.ShapeArray[0] * x.ShapeArray[1], g, y.Data<T>(), argmax);
}

internal sealed class Pool2dBackward(Tensor input, Conv2dGeometry g, Tensor? argmaxTensor) : Node(input)
{
    public override Tensor?[] Backward(Tensor grad)
    {
        var gy = grad.Contiguous();
        if (argmaxTensor is not null && gy.DType == DType.Float32)
        {
            var input = Input(0);
            var dx = Tensor.Uninitialized(DType.Float32, (int[])input.ShapeArray.Clone()); // every element written by the scatter
            int planes = input.ShapeArray[0] * input.ShapeArray[1];
            MaxPool2x2.Backward(
                gy.Data<float>(), gy.Offset, argmaxTensor.Data<int>(), planes, g.Height * g.Width, g.OutH * g.OutW, dx.Data<float>());
            return [dx];
        }
        var gx = Tensor.ZerosLike(Input(0));
        if (gx.DType == DType.Float32) Compute<float>(gy, gx);
        else Compute<double>(gy, gx);
        return [gx];
    }

    private void Compute<T>(Tensor gy, Tensor gx) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (argmaxTensor is not null)
            Pool2dKernel.MaxBackward(gy.Data<T>(), gy.Offset, argmaxTensor.Data<int>(), argmaxTensor.Numel, gx.Data<T>());
        else
            Pool2dKernel.AverageBackward(gy.Data<T>(), gy.Offset, gx.ShapeArray[0] * gx.ShapeArray[1], g, gx.Data<T>());
    }
}
