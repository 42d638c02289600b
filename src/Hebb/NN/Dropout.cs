namespace Hebb.NN;

/// <summary>
/// Inverted dropout: in training each unit is zeroed with probability p and the kept ones are scaled
/// by 1/(1-p) (N/(N - N_out) when N_out of N units are dropped) so the expected signal keeps its size; in
/// eval mode it is the identity. The mask comes from the module's own seeded generator. As torch.nn.Dropout.
/// </summary>
public sealed class Dropout : Module
{
    private readonly Generator _generator;

    /// <summary>The probability of zeroing each element in training, in [0, 1).</summary>
    public double P { get; }

    /// <summary>Dropout with probability <paramref name="p"/>, as torch.nn.Dropout(p).</summary>
    /// <param name="p">The probability of zeroing each element, in [0, 1).</param>
    /// <param name="generator">The random source of the masks; the module keeps it.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1).</exception>
    public Dropout(double p, Generator generator)
    {
        if (!(p >= 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: p must be in [0, 1), got {p}");
        P = p;
        _generator = generator;
    }

    /// <summary>In training mode, the input with each element zeroed with probability <see cref="P"/> and the rest
    /// scaled by 1/(1-P); in eval mode (or with P = 0), the input itself. Any shape.</summary>
    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, Training, _generator);

    /// <inheritdoc/>
    protected override string ExtraRepr => $"p={P}";
}
