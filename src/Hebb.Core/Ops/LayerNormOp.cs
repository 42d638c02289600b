using System.Numerics;
using Hebb.Autograd;
using Hebb.Kernels;

namespace Hebb.Ops;

/// <summary>
/// Layer normalisation as one op (torch's layer_norm): each row over the trailing normalizedShape dims
/// becomes (x - mean) / sqrt(var + eps) · weight + bias. The backward gives dx, dweight and dbias from the
/// saved per-row mean and 1/std in one pass, instead of the dozen nodes the composed formula records.
/// </summary>
internal static class LayerNormOp
{
    public static Tensor Forward(Tensor input, int[] normalizedShape, Tensor? weight, Tensor? bias, double eps)
    {
        const string op = "LayerNorm";
        input.RequireFloat(op);
        int k = normalizedShape.Length;
        bool matches = k >= 1 && k <= input.Rank;
        for (int i = 0; matches && i < k; i++) matches = input.ShapeArray[input.Rank - k + i] == normalizedShape[i];
        if (!matches)
            throw new ArgumentException(
                $"{op}: input of shape {ShapeUtil.Format(input.Shape)} does not end in the normalized shape " +
                $"{ShapeUtil.Format(normalizedShape)}");
        foreach (var (p, name) in new[] { (weight, "weight"), (bias, "bias") })
        {
            if (p is null) continue;
            if (!ShapeUtil.SameShape(p.Shape, normalizedShape))
                throw new ArgumentException(
                    $"{op}: {name} of shape {ShapeUtil.Format(p.Shape)} must have the normalized shape " +
                    $"{ShapeUtil.Format(normalizedShape)}");
            Pointwise.CheckSameFloat(input, p, op);
        }
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"{op}: eps must be >= 0, got {eps}");
        int n = ShapeUtil.Numel(normalizedShape);
        if (n == 0) throw new ArgumentException($"{op}: the normalized shape {ShapeUtil.Format(normalizedShape)} is empty");

        Tensor x, w, b;
        using (GradMode.NoGrad())
        {
            x = input.Contiguous();
            w = weight?.Contiguous() ?? input; // input stands in for "none" (its span is not read)
            b = bias?.Contiguous() ?? input;
        }
        int rows = x.Numel / n;
        var y = Tensor.UninitializedLike(input.DType, x);
        var mean = Tensor.Uninitialized(input.DType, [rows]);
        var rstd = Tensor.Uninitialized(input.DType, [rows]);
        if (input.DType == DType.Float32) Run<float>(x, weight is null ? null : w, bias is null ? null : b, y, mean, rstd, n, (float)eps);
        else Run<double>(x, weight is null ? null : w, bias is null ? null : b, y, mean, rstd, n, eps);

        Tensor[] inputs = weight is null && bias is null ? [input]
            : weight is null ? [input, bias!]
            : bias is null ? [input, weight]
            : [input, weight, bias];
        if (GradMode.ShouldRecord(inputs))
            y.GradFn = new LayerNormBackward(
                inputs, x, weight is null ? null : w, weight is not null, bias is not null, mean, rstd, n);
        return y;
    }

    private static void Run<T>(Tensor x, Tensor? w, Tensor? b, Tensor y, Tensor mean, Tensor rstd, int n, T eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        LayerNormKernel.Forward<T>(
            x.Data<T>().AsSpan(x.Offset, x.Numel), Span<T>(w), Span<T>(b), y.Data<T>(), mean.Data<T>(), rstd.Data<T>(), n, eps);
    }

    internal static Span<T> Span<T>(Tensor? t) where T : unmanaged => t is null ? default : t.Data<T>().AsSpan(t.Offset, t.Numel);
}

/// <summary>Inputs are (x), (x, weight), (x, bias) or (x, weight, bias), in that order.</summary>
internal sealed class LayerNormBackward(Tensor[] inputs, Tensor x, Tensor? w, bool hasWeight, bool hasBias, Tensor mean, Tensor rstd, int n)
    : Node(inputs, saveForBackward: [x, w, mean, rstd])
{
    public override Tensor?[] Backward(Tensor g)
    {
        var gc = g.Contiguous();
        var grads = new Tensor?[InputCount];
        var dx = NeedsGrad(0) ? Tensor.UninitializedLike(g.DType, Input(0)) : null;
        int wi = hasWeight ? 1 : -1, bi = hasBias ? (hasWeight ? 2 : 1) : -1;
        var dw = wi > 0 && NeedsGrad(wi) ? Tensor.Empty(g.DType, (int[])Input(wi).ShapeArray.Clone()) : null;
        var db = bi > 0 && NeedsGrad(bi) ? Tensor.Empty(g.DType, (int[])Input(bi).ShapeArray.Clone()) : null;
        var scratch = Tensor.Uninitialized(g.DType, [2 * n]);
        if (g.DType == DType.Float32) Run<float>(gc, dx, dw, db, scratch);
        else Run<double>(gc, dx, dw, db, scratch);
        grads[0] = dx;
        if (wi > 0) grads[wi] = dw;
        if (bi > 0) grads[bi] = db;
        return grads;
    }

    private void Run<T>(Tensor g, Tensor? dx, Tensor? dw, Tensor? db, Tensor scratch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (x, w, mean, rstd) = (Saved(0), SavedOrNull(1), Saved(2), Saved(3));
        LayerNormKernel.Backward<T>(
            LayerNormOp.Span<T>(x), LayerNormOp.Span<T>(w), LayerNormOp.Span<T>(g), mean.Data<T>().AsSpan(0, mean.Numel),
            rstd.Data<T>().AsSpan(0, rstd.Numel), LayerNormOp.Span<T>(dx), LayerNormOp.Span<T>(dw), LayerNormOp.Span<T>(db), n,
            scratch.Data<T>());
    }
}
