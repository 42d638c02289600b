namespace Hebb.NN;

/// <summary>y = x Wᵀ + b with W of shape (out, in), as torch.nn.Linear (the seed's y = W x + b, batched).</summary>
public sealed class Linear : Module, IFusesActivation
{
    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public Linear(int inFeatures, int outFeatures, Generator generator, bool bias = true, InitScheme init = InitScheme.Default)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentException($"Linear: sizes must be positive, got in={inFeatures}, out={outFeatures}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Tensor.Zeros(outFeatures, inFeatures));
        if (bias) Bias = RegisterParameter("bias", Tensor.Zeros(outFeatures));
        Init.Apply(init, Weight, Bias, generator);
    }

    public override Tensor Forward(Tensor input) => Forward(input, Activation.None);

    /// <summary>act(x Wᵀ + b) as one op where the activation allows it (see <see cref="Functional.Linear"/>);
    /// Sequential calls this for a Linear followed by an activation module.</summary>
    public Tensor Forward(Tensor input, Activation activation)
    {
        if (input.Rank == 0 || input.Size(-1) != InFeatures)
            throw new ArgumentException(
                $"Linear({InFeatures}, {OutFeatures}): input of shape {ShapeUtil.Format(input.Shape)} must end in {InFeatures} features");
        return Functional.Linear(input, Weight, Bias, activation);
    }

    protected override string ExtraRepr => $"in_features={InFeatures}, out_features={OutFeatures}, bias={Bias is not null}";
}
