namespace Hebb.NN;

/// <summary>
/// Layer normalisation (torch.nn.LayerNorm): every sample is normalised over its trailing
/// NormalizedShape dims to mean 0 and variance 1 (biased variance, plus eps), then scaled by Weight
/// (starts at 1) and shifted by Bias (starts at 0). Unlike BatchNorm it keeps no running statistics
/// and behaves the same in training and eval.
/// </summary>
public sealed class LayerNorm : Module
{
    /// <summary>The trailing dims each sample is normalised over, e.g. [E] for inputs (batch, time, E).</summary>
    public int[] NormalizedShape { get; }
    /// <summary>Added to the variance before the square root, for numerical stability (default 1e-5).</summary>
    public double Eps { get; }
    /// <summary>The per-element scale, shape NormalizedShape, starting at 1; null without elementwise affine.</summary>
    public Tensor? Weight { get; }
    /// <summary>The per-element shift, shape NormalizedShape, starting at 0; null without elementwise affine or bias.</summary>
    public Tensor? Bias { get; }

    /// <summary>Normalises over the last dim, of size <paramref name="normalizedShape"/>: torch.nn.LayerNorm(E).</summary>
    /// <param name="normalizedShape">The size of the last dim.</param>
    /// <param name="eps">Added to the variance for numerical stability, at least 0 (default 1e-5).</param>
    /// <param name="elementwiseAffine">Whether to learn a scale (and a shift) per element (default true).</param>
    /// <param name="bias">Whether the affine part has a shift (default true).</param>
    /// <exception cref="ArgumentException">The size is not positive.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="eps"/> is negative or NaN.</exception>
    public LayerNorm(int normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true)
        : this([normalizedShape], eps, elementwiseAffine, bias) { }

    /// <summary>Normalises over the trailing dims given by <paramref name="normalizedShape"/>, e.g. [H, W].</summary>
    /// <param name="normalizedShape">The sizes of the trailing dims (copied).</param>
    /// <param name="eps">Added to the variance for numerical stability, at least 0 (default 1e-5).</param>
    /// <param name="elementwiseAffine">Whether to learn a scale (and a shift) per element (default true).</param>
    /// <param name="bias">Whether the affine part has a shift (default true).</param>
    /// <exception cref="ArgumentException">The shape is empty or has a size that is not positive.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="eps"/> is negative or NaN.</exception>
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true)
    {
        if (normalizedShape.Length == 0 || normalizedShape.Any(s => s <= 0))
            throw new ArgumentException($"LayerNorm: normalized shape must list positive sizes, got {ShapeUtil.Format(normalizedShape)}");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"LayerNorm: eps must be >= 0, got {eps}");
        NormalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones(NormalizedShape));
            if (bias) Bias = RegisterParameter("bias", Tensor.Zeros(NormalizedShape));
        }
    }

    /// <summary>Normalises every sample of an input (..., *NormalizedShape) over its trailing dims; the output has
    /// the input's shape.</summary>
    /// <exception cref="ArgumentException">The input's trailing dims are not <see cref="NormalizedShape"/>.</exception>
    public override Tensor Forward(Tensor input) => Functional.LayerNorm(input, NormalizedShape, Weight, Bias, Eps);

    /// <inheritdoc/>
    protected override string ExtraRepr =>
        $"{ShapeUtil.Format(NormalizedShape)}, eps={Eps}, elementwise_affine={Weight is not null}, bias={Bias is not null}";
}
