namespace Hebb.NN;

/// <summary>
/// Layer normalisation (torch.nn.LayerNorm): every sample is normalised over its trailing
/// NormalizedShape dims to mean 0 and variance 1 (biased variance, plus eps), then scaled by Weight
/// (starts at 1) and shifted by Bias (starts at 0). Unlike BatchNorm it keeps no running statistics
/// and behaves the same in training and eval.
/// </summary>
public sealed class LayerNorm : Module
{
    public int[] NormalizedShape { get; }
    public double Eps { get; }
    public Tensor? Weight { get; }
    public Tensor? Bias { get; }

    public LayerNorm(int normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true)
        : this([normalizedShape], eps, elementwiseAffine, bias) { }

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

    public override Tensor Forward(Tensor input) => Functional.LayerNorm(input, NormalizedShape, Weight, Bias, Eps);

    protected override string ExtraRepr =>
        $"{ShapeUtil.Format(NormalizedShape)}, eps={Eps}, elementwise_affine={Weight is not null}, bias={Bias is not null}";
}
