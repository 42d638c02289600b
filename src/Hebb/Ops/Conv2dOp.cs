using Hebb.Autograd;
using Hebb.Kernels;

namespace Hebb.Ops;

/// <summary>
/// 2-D convolution (cross-correlation, as in PyTorch) on NCHW tensors, lowered to GEMM through im2col:
/// O(i,j) = Σ_m Σ_n I(i·S + m, j·S + n) K(m,n) + b per output channel, with stride, padding,
/// dilation and groups. The backward uses the same columns: dW += dO · colsᵀ, dcols = Wᵀ · dO (folded
/// back into dI), db = Σ dO.
/// </summary>
internal static class Conv2dOp
{
    public readonly record struct Options(int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW, int Groups);

    public static Tensor Forward(Tensor input, Tensor weight, Tensor? bias, Options o)
    {
        Pointwise.CheckSameFloat(input, weight, "Conv2d");
        if (input.Rank != 4) throw new ArgumentException($"Conv2d: input must be (N, C, H, W), got {ShapeUtil.Format(input.Shape)}");
        if (weight.Rank != 4) throw new ArgumentException($"Conv2d: weight must be (C_out, C_in/groups, kh, kw), got {ShapeUtil.Format(weight.Shape)}");
        int n = input.ShapeArray[0], cIn = input.ShapeArray[1], cOut = weight.ShapeArray[0];
        if (o.Groups <= 0 || cIn % o.Groups != 0 || cOut % o.Groups != 0 || weight.ShapeArray[1] * o.Groups != cIn)
            throw new ArgumentException($"Conv2d: input channels {cIn}, weight {ShapeUtil.Format(weight.Shape)} and groups {o.Groups} do not fit together");
        if (bias is not null && (bias.Rank != 1 || bias.ShapeArray[0] != cOut))
            throw new ArgumentException($"Conv2d: bias of shape {ShapeUtil.Format(bias.Shape)} does not match {cOut} output channels");
        var g = Geometry(input, weight, o);
        if (g.OutH <= 0 || g.OutW <= 0)
            throw new ArgumentException($"Conv2d: a {g.KernelH}x{g.KernelW} kernel does not fit the padded {input.ShapeArray[2]}x{input.ShapeArray[3]} input");

        var x = input.Detach().Contiguous();
        var w = weight.Detach().Contiguous();
        var y = Tensor.Uninitialized(input.DType, [n, cOut, g.OutH, g.OutW]);
        if (input.DType == DType.Float32) Compute<float>(x, w, bias, y, g, o.Groups);
        else Compute<double>(x, w, bias, y, g, o.Groups);

        bool record = bias is null ? GradMode.ShouldRecord(input, weight) : GradMode.ShouldRecord([input, weight, bias]);
        if (record) y.GradFn = bias is null ? new Conv2dBackward(input, weight, o) : new Conv2dBackward(input, weight, bias, o);
        return y;
    }

    internal static Conv2dGeometry Geometry(Tensor input, Tensor weight, Options o) =>
        new(weight.ShapeArray[1], input.ShapeArray[2], input.ShapeArray[3], weight.ShapeArray[2], weight.ShapeArray[3],
            o.StrideH, o.StrideW, o.PadH, o.PadW, o.DilationH, o.DilationW);

    /// <summary>Per group: cols (K, N·HW) holds every image's windows side by side, and the product is taken
    /// as Yᵀ (N·HW, C_out) = colsᵀ · Wᵀ, so the long dimension is M and the GEMM reads cols in place
    /// (C_out is small: 6 or 16 in LeNet). Yᵀ is then transposed into y with the bias added.</summary>
    private static void Compute<T>(Tensor x, Tensor w, Tensor? bias, Tensor y, Conv2dGeometry g, int groups)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int n = x.ShapeArray[0], cOut = w.ShapeArray[0], cOutG = cOut / groups, plane = g.OutH * g.OutW, pixels = n * plane;
        int k = g.Channels * g.KernelH * g.KernelW, imageIn = g.Channels * g.Height * g.Width;
        var cols = Scratch<T>(k * pixels);
        var yt = Scratch<T>(pixels * cOutG);
        T[] xd = x.Data<T>(), wd = w.Data<T>(), yd = y.Data<T>();
        T[]? bd = null;
        int bOff = 0;
        if (bias is not null)
        {
            var b = bias.Contiguous();
            (bd, bOff) = (b.Data<T>(), b.Offset);
        }
        for (int gr = 0; gr < groups; gr++)
        {
            for (int i = 0; i < n; i++)
                Im2Col.Unfold<T>(xd.AsSpan(x.Offset + (i * groups + gr) * imageIn, imageIn), g, cols.AsSpan(i * plane), pixels);
            // Yᵀ (pixels, cOutG) = colsᵀ (pixels, k) · W_gᵀ (k, cOutG)
            Gemm.Multiply(cols, 0, 1, pixels, wd, w.Offset + gr * cOutG * k, 1, k, yt, 0, pixels, k, cOutG);
            for (int i = 0; i < n; i++)
            for (int c = 0; c < cOutG; c++)
            {
                var dst = yd.AsSpan((i * cOut + gr * cOutG + c) * plane, plane);
                T b = bd is null ? T.Zero : bd[bOff + gr * cOutG + c];
                for (int p = 0, src = i * plane * cOutG + c; p < plane; p++, src += cOutG) dst[p] = yt[src] + b;
            }
        }
    }

    /// <summary>A work buffer: pooled inside a TensorScope, an ordinary array otherwise.</summary>
    internal static T[] Scratch<T>(int length) where T : unmanaged => Tensor.Uninitialized(DTypeExtensions.Of<T>(), [length]).Data<T>();
}

internal sealed class Conv2dBackward : Node
{
    private readonly Conv2dOp.Options _o;

    public Conv2dBackward(Tensor input, Tensor weight, Conv2dOp.Options o) : base(input, weight) => _o = o;
    public Conv2dBackward(Tensor input, Tensor weight, Tensor bias, Conv2dOp.Options o) : base(input, weight, bias) => _o = o;

    public override Tensor?[] Backward(Tensor g)
    {
        var (input, weight) = (Inputs[0], Inputs[1]);
        var gx = NeedsGrad(0) ? Tensor.ZerosLike(input) : null;
        var gw = NeedsGrad(1) ? Tensor.ZerosLike(weight) : null;
        var x = input.Contiguous();
        var w = weight.Contiguous();
        var dy = g.Contiguous();
        var geometry = Conv2dOp.Geometry(input, weight, _o);
        if (input.DType == DType.Float32) Compute<float>(x, w, dy, gx, gw, geometry, _o.Groups);
        else Compute<double>(x, w, dy, gx, gw, geometry, _o.Groups);
        var gb = Inputs.Length > 2 && NeedsGrad(2) ? g.Sum([0, 2, 3]) : null;
        return Inputs.Length > 2 ? [gx, gw, gb] : [gx, gw];
    }

    private static void Compute<T>(Tensor x, Tensor w, Tensor dy, Tensor? gx, Tensor? gw, Conv2dGeometry g, int groups)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int n = x.ShapeArray[0], cOut = w.ShapeArray[0], cOutG = cOut / groups, plane = g.OutH * g.OutW, pixels = n * plane;
        int k = g.Channels * g.KernelH * g.KernelW, imageIn = g.Channels * g.Height * g.Width;
        var dyt = Conv2dOp.Scratch<T>(pixels * cOutG);
        var cols = gw is null ? null : Conv2dOp.Scratch<T>(k * pixels);
        var gwt = gw is null ? null : Conv2dOp.Scratch<T>(k * cOutG);
        var dcols = gx is null ? null : Conv2dOp.Scratch<T>(k * pixels);
        T[] xd = x.Data<T>(), wd = w.Data<T>(), dyd = dy.Data<T>();
        for (int gr = 0; gr < groups; gr++)
        {
            // dYᵀ (pixels, cOutG): this group's output gradient, one row per output pixel.
            for (int i = 0; i < n; i++)
            for (int c = 0; c < cOutG; c++)
            {
                var src = dyd.AsSpan(dy.Offset + (i * cOut + gr * cOutG + c) * plane, plane);
                for (int p = 0, dst = i * plane * cOutG + c; p < plane; p++, dst += cOutG) dyt[dst] = src[p];
            }
            if (gw is not null)
            {
                // dW_gᵀ (k, cOutG) = cols (k, pixels) · dYᵀ (pixels, cOutG)
                for (int i = 0; i < n; i++)
                    Im2Col.Unfold<T>(xd.AsSpan(x.Offset + (i * groups + gr) * imageIn, imageIn), g, cols!.AsSpan(i * plane), pixels);
                Gemm.Multiply(cols!, 0, pixels, 1, dyt, 0, cOutG, 1, gwt!, 0, k, pixels, cOutG);
                var gwd = gw.Data<T>();
                for (int c = 0; c < cOutG; c++)
                for (int r = 0; r < k; r++) gwd[(gr * cOutG + c) * k + r] += gwt![r * cOutG + c];
            }
            if (gx is not null)
            {
                // dcols (k, pixels) = W_gᵀ (k, cOutG) · dY (cOutG, pixels), folded back into each image
                Gemm.Multiply(wd, w.Offset + gr * cOutG * k, 1, k, dyt, 0, 1, cOutG, dcols!, 0, k, cOutG, pixels);
                var gxd = gx.Data<T>();
                for (int i = 0; i < n; i++)
                    Im2Col.FoldAdd<T>(dcols.AsSpan(i * plane), pixels, 1, g, gxd.AsSpan((i * groups + gr) * imageIn, imageIn));
            }
        }
    }
}
