namespace Hebb.NN;

/// <summary>
/// Inverted dropout: in training each unit is zeroed with probability p and the kept ones are scaled
/// by 1/(1-p) — the seed's N/(N - N_out) — so the expected signal keeps its size; in eval mode it is
/// the identity. The mask comes from the module's own seeded generator.
/// </summary>
public sealed class Dropout : Module
{
    private readonly Generator _generator;

    public double P { get; }

    public Dropout(double p, Generator generator)
    {
        if (!(p >= 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: p must be in [0, 1), got {p}");
        P = p;
        _generator = generator;
    }

    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, Training, _generator);

    protected override string ExtraRepr => $"p={P}";
}
