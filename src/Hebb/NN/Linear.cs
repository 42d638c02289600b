namespace Hebb.NN;

/// <summary>y = x Wᵀ + b with W of shape (out, in), as torch.nn.Linear: the textbook y = W x + b, applied to every
/// row of a batch.</summary>
public sealed class Linear : Module, IFusesActivation
{
    /// <summary>Size of each input sample: the input's last dim.</summary>
    public int InFeatures { get; }
    /// <summary>Size of each output sample: the output's last dim.</summary>
    public int OutFeatures { get; }
    /// <summary>W, shape (OutFeatures, InFeatures), registered as "weight".</summary>
    public Tensor Weight { get; }
    /// <summary>b, shape (OutFeatures), registered as "bias"; null when the layer was built without a bias.</summary>
    public Tensor? Bias { get; }

    /// <summary>Creates the layer, drawing its initial weights (and bias) from <paramref name="generator"/>.</summary>
    /// <param name="inFeatures">Size of each input sample.</param>
    /// <param name="outFeatures">Size of each output sample.</param>
    /// <param name="generator">The random source of the initial values.</param>
    /// <param name="bias">Whether to learn an additive bias b (default true).</param>
    /// <param name="init">How the weights are initialised; the default is PyTorch's U(-1/sqrt(in), 1/sqrt(in)).</param>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
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

    /// <summary>x Wᵀ + b for an input (..., InFeatures), giving (..., OutFeatures); leading batch dims are kept.</summary>
    /// <exception cref="ArgumentException">The input's last dim is not <see cref="InFeatures"/>.</exception>
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

    /// <inheritdoc/>
    protected override string ExtraRepr => $"in_features={InFeatures}, out_features={OutFeatures}, bias={Bias is not null}";
}
