namespace Hebb.NN;

/// <summary>Applies its children in order; they are named "0", "1", ... as in PyTorch.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _layers = [];

    /// <summary>A chain of <paramref name="layers"/>, applied in the order given, as torch.nn.Sequential(...).</summary>
    /// <param name="layers">The layers, first to last; registered as "0", "1", ...</param>
    public Sequential(params Module[] layers)
    {
        foreach (var layer in layers) Add(layer);
    }

    /// <summary>Appends <paramref name="layer"/>, registered under the next index, and returns this Sequential (for chaining).</summary>
    public Sequential Add(Module layer)
    {
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    /// <summary>The layers, first to last.</summary>
    public IReadOnlyList<Module> Layers => _layers;
    /// <summary>The layer at <paramref name="index"/> (0-based).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the list.</exception>
    public Module this[int index] => _layers[index];

    /// <summary>Feeds <paramref name="input"/> through every layer in turn and returns the last one's output. A Linear
    /// or Conv2d followed directly by ReLU, Sigmoid or Tanh runs as one fused op, with the same result.</summary>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        for (int i = 0; i < _layers.Count; i++)
        {
            // A Linear or Conv2d followed by ReLU, Sigmoid or Tanh runs as one op (same numbers, one pass
            // and one graph node fewer): see Ops/FusedActivation. GELU's backward needs its input, not its
            // output, so it is never fused.
            if (i + 1 < _layers.Count && _layers[i] is IFusesActivation layer
                && FusibleActivation(_layers[i + 1]) is var activation and not Activation.None)
            {
                x = layer.Forward(x, activation);
                i++;
                continue;
            }
            x = _layers[i].Forward(x);
        }
        return x;
    }

    private static Activation FusibleActivation(Module module) => module switch
    {
        ReLU => Activation.Relu,
        Sigmoid => Activation.Sigmoid,
        Tanh => Activation.Tanh,
        _ => Activation.None,
    };
}

/// <summary>A layer that can apply an activation to its own output (see Ops/FusedActivation).</summary>
internal interface IFusesActivation
{
    Tensor Forward(Tensor input, Activation activation);
}
