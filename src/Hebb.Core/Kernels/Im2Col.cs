using System.Numerics;

namespace Hebb.Kernels;

/// <summary>Geometry of a 2-D convolution or pooling window over one image.</summary>
internal readonly record struct Conv2dGeometry(int Channels, int Height, int Width, int KernelH, int KernelW,
    int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW)
{
    /// <summary>H_out = floor((H + 2P - D(K - 1) - 1) / S) + 1; with D = 1 the familiar floor((H - K + 2P) / S) + 1.</summary>
    public int OutH => OutSize(Height + 2 * PadH - DilationH * (KernelH - 1) - 1, StrideH);
    public int OutW => OutSize(Width + 2 * PadW - DilationW * (KernelW - 1) - 1, StrideW);

    /// <summary>0 when the window does not fit (C# division would round -1/3 up to 0 and claim one output).</summary>
    private static int OutSize(int span, int stride) => span < 0 ? 0 : span / stride + 1;
}

/// <summary>
/// im2col: unfolds every kernel-sized window of one image into a column, so convolution becomes one
/// GEMM (weights (C_out, C·kh·kw) times columns (C·kh·kw, H_out·W_out)). col2im adds columns back
/// into an image, which is the convolution's input gradient. <see cref="Conv2dIm2Col{T}"/> runs them image by image.
/// </summary>
internal static class Im2Col
{
    /// <summary>cols[(c, i, j), (oh, ow)] = image[c, oh·S - P + i·D, ow·S - P + j·D], 0 outside the image.
    /// Row r of the columns starts at r·ld, so a batch's images can sit side by side (ld = N·plane).</summary>
    public static void Unfold<T>(ReadOnlySpan<T> image, in Conv2dGeometry g, Span<T> cols, int ld) where T : unmanaged, INumber<T>
    {
        int outH = g.OutH, outW = g.OutW, plane = outH * outW;
        int row = 0;
        for (int c = 0; c < g.Channels; c++)
            for (int i = 0; i < g.KernelH; i++)
                for (int j = 0; j < g.KernelW; j++, row++)
                {
                    var dst = cols.Slice(row * ld, plane);
                    for (int oh = 0; oh < outH; oh++)
                    {
                        int h = oh * g.StrideH - g.PadH + i * g.DilationH;
                        var dstRow = dst.Slice(oh * outW, outW);
                        if ((uint)h >= (uint)g.Height)
                        {
                            dstRow.Clear();
                            continue;
                        }
                        var src = image.Slice((c * g.Height + h) * g.Width, g.Width);
                        int shift = j * g.DilationW - g.PadW; // w = ow·S + shift
                        if (g.StrideW == 1)
                        {
                            // Unit stride: one contiguous copy, zeros where the window hangs over the edge.
                            int lo = Math.Clamp(-shift, 0, outW), hi = Math.Clamp(g.Width - shift, lo, outW);
                            dstRow[..lo].Clear();
                            if (hi > lo) src.Slice(lo + shift, hi - lo).CopyTo(dstRow[lo..hi]);
                            dstRow[hi..].Clear();
                            continue;
                        }
                        for (int ow = 0; ow < outW; ow++)
                        {
                            int w = ow * g.StrideW + shift;
                            dstRow[ow] = (uint)w < (uint)g.Width ? src[w] : T.Zero;
                        }
                    }
                }
    }

    /// <summary>The adjoint of Unfold: image[c, h, w] += every column entry that was read from it. Entry
    /// (row, pixel) of the columns is at row·rowStride + pixel·pixelStride (transposed columns allowed).</summary>
    public static void FoldAdd<T>(ReadOnlySpan<T> cols, int rowStride, int pixelStride, in Conv2dGeometry g, Span<T> image)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outH = g.OutH, outW = g.OutW;
        int row = 0;
        for (int c = 0; c < g.Channels; c++)
            for (int i = 0; i < g.KernelH; i++)
                for (int j = 0; j < g.KernelW; j++, row++)
                {
                    for (int oh = 0; oh < outH; oh++)
                    {
                        int h = oh * g.StrideH - g.PadH + i * g.DilationH;
                        if ((uint)h >= (uint)g.Height) continue;
                        var dst = image.Slice((c * g.Height + h) * g.Width, g.Width);
                        int src = row * rowStride + oh * outW * pixelStride;
                        int shift = j * g.DilationW - g.PadW;
                        if (g.StrideW == 1 && pixelStride == 1)
                        {
                            int lo = Math.Clamp(-shift, 0, outW), hi = Math.Clamp(g.Width - shift, lo, outW);
                            if (hi > lo)
                            {
                                var target = dst.Slice(lo + shift, hi - lo);
                                AddOp.Apply<T>(target, cols.Slice(src + lo, hi - lo), target);
                            }
                            continue;
                        }
                        for (int ow = 0; ow < outW; ow++, src += pixelStride)
                        {
                            int w = ow * g.StrideW - g.PadW + j * g.DilationW;
                            if ((uint)w < (uint)g.Width) dst[w] += cols[src];
                        }
                    }
                }
    }
}
