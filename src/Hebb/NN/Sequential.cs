namespace Hebb.NN;

/// <summary>Applies its children in order; they are named "0", "1", ... as in PyTorch.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _layers = [];

    public Sequential(params Module[] layers)
    {
        foreach (var layer in layers) Add(layer);
    }

    public Sequential Add(Module layer)
    {
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    public IReadOnlyList<Module> Layers => _layers;
    public Module this[int index] => _layers[index];

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
