using System.Numerics;

namespace Hebb.Kernels;

/// <summary>
/// A linear layer's arithmetic on dense row-major arrays, y = x Wᵀ + b with x (rows, in), W (out, in):
/// the bias rows are written first and the product is accumulated onto them by the GEMM; the backward
/// gives dx = g W, dW = gᵀ x and db = Σ_rows g (rows added in order). Wᵀ is W read with swapped strides,
/// so no transpose is ever copied. The op (checks, tensors, autograd) is Ops/LinearOp.cs.
/// </summary>
internal static class LinearKernel
{
    /// <summary>y = x Wᵀ + b with x (rows, inFeatures) from xOff, W (outFeatures, inFeatures) from wOff and b from
    /// biasOff (bias is null when the layer has none; then y = x Wᵀ). y is dense from index 0 and every element of it
    /// is written.</summary>
    public static void Forward<T>(T[] x, int xOff, T[] w, int wOff, T[]? bias, int biasOff, T[] y,
        int rows, int inFeatures, int outFeatures) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (bias is not null) Copy.RepeatRow<T>(bias.AsSpan(biasOff, outFeatures), y, rows);
        // Wᵀ is W read with swapped strides: element (p, j) of Wᵀ is W[j, p].
        Gemm.Multiply(x, xOff, inFeatures, 1, w, wOff, 1, inFeatures, y, 0, rows, inFeatures, outFeatures, accumulate: bias is not null);
    }

    /// <summary>dx = g W, dW = gᵀ x, db = Σ_rows g, with g (rows, out); a null gradient is not computed.
    /// The gradients are dense from index 0 and every element is written.</summary>
    public static void Backward<T>(T[] g, int gOff, T[] x, int xOff, T[] w, int wOff, T[]? gx, T[]? gw, T[]? gb,
        int rows, int inFeatures, int outFeatures) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (inF, outF) = (inFeatures, outFeatures);
        if (gx is not null) Gemm.Multiply(g, gOff, outF, 1, w, wOff, inF, 1, gx, 0, rows, outF, inF);
        if (gw is not null) Gemm.Multiply(g, gOff, 1, outF, x, xOff, inF, 1, gw, 0, outF, rows, inF);
        if (gb is null) return;
        var sums = gb.AsSpan(0, outF);
        sums.Clear();
        for (int r = 0; r < rows; r++) AddOp.Apply<T>(sums, g.AsSpan(gOff + r * outF, outF), sums);
    }
}
