using Hebb.Autograd;
using Hebb.Kernels;

namespace Hebb.Ops;

/// <summary>
/// Max and average pooling over NCHW tensors. Max remembers where each maximum came from and its
/// backward sends the gradient there only; average pooling divides by the full window, padding
/// included (PyTorch's default count_include_pad), and spreads the gradient evenly.
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
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int planes = x.ShapeArray[0] * x.ShapeArray[1], inPlane = g.Height * g.Width, outPlane = g.OutH * g.OutW;
        T[] xd = x.Data<T>(), yd = y.Data<T>();
        T count = T.CreateTruncating(g.KernelH * g.KernelW);
        for (int p = 0; p < planes; p++)
        for (int oh = 0; oh < g.OutH; oh++)
        for (int ow = 0; ow < g.OutW; ow++)
        {
            T best = T.NegativeInfinity, sum = T.Zero;
            int bestAt = -1;
            for (int i = 0; i < g.KernelH; i++)
            {
                int h = oh * g.StrideH - g.PadH + i;
                if ((uint)h >= (uint)g.Height) continue;
                for (int j = 0; j < g.KernelW; j++)
                {
                    int w = ow * g.StrideW - g.PadW + j;
                    if ((uint)w >= (uint)g.Width) continue;
                    int at = p * inPlane + h * g.Width + w;
                    T v = xd[x.Offset + at];
                    sum += v;
                    if (bestAt < 0 || v > best || T.IsNaN(v)) (best, bestAt) = (v, at);
                }
            }
            int o = p * outPlane + oh * g.OutW + ow;
            if (argmax is not null)
            {
                yd[o] = best;
                argmax[o] = bestAt;
            }
            else
            {
                yd[o] = sum / count;
            }
        }
    }
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
        T[] gyd = gy.Data<T>(), gxd = gx.Data<T>();
        var argmax = argmaxTensor?.Data<int>();
        if (argmax is not null)
        {
            for (int o = 0; o < argmaxTensor!.Numel; o++) gxd[argmax[o]] += gyd[gy.Offset + o];
            return;
        }
        int planes = gx.ShapeArray[0] * gx.ShapeArray[1], inPlane = g.Height * g.Width, outPlane = g.OutH * g.OutW;
        T count = T.CreateTruncating(g.KernelH * g.KernelW);
        for (int p = 0; p < planes; p++)
        for (int oh = 0; oh < g.OutH; oh++)
        for (int ow = 0; ow < g.OutW; ow++)
        {
            T share = gyd[gy.Offset + p * outPlane + oh * g.OutW + ow] / count;
            for (int i = 0; i < g.KernelH; i++)
            {
                int h = oh * g.StrideH - g.PadH + i;
                if ((uint)h >= (uint)g.Height) continue;
                for (int j = 0; j < g.KernelW; j++)
                {
                    int w = ow * g.StrideW - g.PadW + j;
                    if ((uint)w < (uint)g.Width) gxd[p * inPlane + h * g.Width + w] += share;
                }
            }
        }
    }
}
