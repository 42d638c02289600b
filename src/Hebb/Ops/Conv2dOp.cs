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

    private static void Compute<T>(Tensor x, Tensor w, Tensor? bias, Tensor y, Conv2dGeometry g, int groups)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int n = x.ShapeArray[0], cOut = w.ShapeArray[0], cOutG = cOut / groups, plane = g.OutH * g.OutW;
        int k = g.Channels * g.KernelH * g.KernelW, imageIn = g.Channels * g.Height * g.Width;
        var cols = new T[k * plane];
        T[] xd = x.Data<T>(), wd = w.Data<T>(), yd = y.Data<T>();
        T[]? bd = null;
        int bOff = 0;
        if (bias is not null)
        {
            var b = bias.Contiguous();
            (bd, bOff) = (b.Data<T>(), b.Offset);
        }
        for (int i = 0; i < n; i++)
        for (int gr = 0; gr < groups; gr++)
        {
            Im2Col.Unfold<T>(xd.AsSpan(x.Offset + (i * groups + gr) * imageIn, imageIn), g, cols);
            int yOff = (i * cOut + gr * cOutG) * plane;
            if (bd is not null)
                for (int c = 0; c < cOutG; c++) y.Data<T>().AsSpan(yOff + c * plane, plane).Fill(bd[bOff + gr * cOutG + c]);
            Gemm.Multiply(wd, w.Offset + gr * cOutG * k, k, 1, cols, 0, plane, 1, yd, yOff, cOutG, k, plane, accumulate: bd is not null);
        }
    }
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
        int n = x.ShapeArray[0], cOut = w.ShapeArray[0], cOutG = cOut / groups, plane = g.OutH * g.OutW;
        int k = g.Channels * g.KernelH * g.KernelW, imageIn = g.Channels * g.Height * g.Width;
        var cols = new T[k * plane];
        var dcols = gx is null ? null : new T[k * plane];
        T[] xd = x.Data<T>(), wd = w.Data<T>(), dyd = dy.Data<T>();
        for (int i = 0; i < n; i++)
        for (int gr = 0; gr < groups; gr++)
        {
            int dyOff = dy.Offset + (i * cOut + gr * cOutG) * plane;
            int imageOff = (i * groups + gr) * imageIn;
            if (gw is not null)
            {
                // dW_g (cOutG, k) += dY (cOutG, plane) · colsᵀ (plane, k)
                Im2Col.Unfold<T>(xd.AsSpan(x.Offset + imageOff, imageIn), g, cols);
                Gemm.Multiply(dyd, dyOff, plane, 1, cols, 0, 1, plane, gw.Data<T>(), gr * cOutG * k, cOutG, plane, k, accumulate: true);
            }
            if (gx is not null)
            {
                // dcols (k, plane) = W_gᵀ (k, cOutG) · dY (cOutG, plane), folded back into the image
                Gemm.Multiply(wd, w.Offset + gr * cOutG * k, 1, k, dyd, dyOff, plane, 1, dcols!, 0, k, cOutG, plane);
                Im2Col.FoldAdd<T>(dcols, g, gx.Data<T>().AsSpan(imageOff, imageIn));
            }
        }
    }
}
