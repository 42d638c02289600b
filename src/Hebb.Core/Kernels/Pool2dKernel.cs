using System.Numerics;

namespace Hebb.Kernels;

/// <summary>
/// Max and average pooling over planes (N·C of them) for any window, stride and padding, in one thread:
/// the general loops behind Ops/Pool2dOp.cs (float 2x2 max pooling with stride 2 takes <see cref="MaxPool2x2"/>).
/// Max keeps the flat input index of each maximum (the first in row-major order; a NaN wins, so NaN propagates)
/// and its backward sends the gradient there only; average pooling divides by the full window, padding
/// included (PyTorch's default count_include_pad), and spreads the gradient evenly.
/// </summary>
internal static class Pool2dKernel
{
    /// <summary>Pools <paramref name="planes"/> planes of x (from xOff) into y, dense from index 0.</summary>
    /// <param name="x">the input planes</param><param name="xOff">where the first plane starts in x</param>
    /// <param name="planes">how many planes (N·C)</param>
    /// <param name="g">one plane's window geometry (Channels = 1)</param>
    /// <param name="y">the output planes, every element written</param>
    /// <param name="argmax">max pooling: receives each maximum's index within x (from xOff); null for average pooling</param>
    public static void Forward<T>(T[] x, int xOff, int planes, in Conv2dGeometry g, T[] y, int[]? argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inPlane = g.Height * g.Width, outPlane = g.OutH * g.OutW;
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
                            T v = x[xOff + at];
                            sum += v;
                            if (bestAt < 0 || v > best || T.IsNaN(v)) (best, bestAt) = (v, at);
                        }
                    }
                    int o = p * outPlane + oh * g.OutW + ow;
                    if (argmax is not null)
                    {
                        y[o] = best;
                        argmax[o] = bestAt;
                    }
                    else
                    {
                        y[o] = sum / count;
                    }
                }
    }

    /// <summary>Max pooling's backward: gx[argmax[o]] += gy[o] for the first <paramref name="outputs"/> outputs.</summary>
    public static void MaxBackward<T>(T[] gy, int gyOff, int[] argmax, int outputs, T[] gx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outputs; o++) gx[argmax[o]] += gy[gyOff + o];
    }

    /// <summary>Average pooling's backward: each output's gradient / window size added to every input of its window.</summary>
    public static void AverageBackward<T>(T[] gy, int gyOff, int planes, in Conv2dGeometry g, T[] gx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inPlane = g.Height * g.Width, outPlane = g.OutH * g.OutW;
        T count = T.CreateTruncating(g.KernelH * g.KernelW);
        for (int p = 0; p < planes; p++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    T share = gy[gyOff + p * outPlane + oh * g.OutW + ow] / count;
                    for (int i = 0; i < g.KernelH; i++)
                    {
                        int h = oh * g.StrideH - g.PadH + i;
                        if ((uint)h >= (uint)g.Height) continue;
                        for (int j = 0; j < g.KernelW; j++)
                        {
                            int w = ow * g.StrideW - g.PadW + j;
                            if ((uint)w < (uint)g.Width) gx[p * inPlane + h * g.Width + w] += share;
                        }
                    }
                }
    }
}
