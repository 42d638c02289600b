namespace Hebb.NN;

// Activation layers: thin modules over the tensor ops, so they can sit in a Sequential.

public sealed class Sigmoid : Module
{
    public override Tensor Forward(Tensor input) => input.Sigmoid();
}

public sealed class Tanh : Module
{
    public override Tensor Forward(Tensor input) => input.Tanh();
}

public sealed class ReLU : Module
{
    public override Tensor Forward(Tensor input) => input.Relu();
}

public sealed class GELU(bool tanhApproximation = false) : Module
{
    public override Tensor Forward(Tensor input) => input.Gelu(tanhApproximation);
    protected override string ExtraRepr => tanhApproximation ? "approximate='tanh'" : "";
}

public sealed class Softmax(int dim = -1, double temperature = 1.0) : Module
{
    public override Tensor Forward(Tensor input) => input.Softmax(dim, temperature);
    protected override string ExtraRepr => $"dim={dim}, temperature={temperature}";
}

public sealed class LogSoftmax(int dim = -1) : Module
{
    public override Tensor Forward(Tensor input) => input.LogSoftmax(dim);
    protected override string ExtraRepr => $"dim={dim}";
}

public sealed class Identity : Module
{
    public override Tensor Forward(Tensor input) => input;
}

/// <summary>Flattens all dims after the batch dim.</summary>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module
{
    public override Tensor Forward(Tensor input) => input.Flatten(startDim, endDim);
}

public static class Activations
{
    public static Module Create(Activation activation) => activation switch
    {
        Activation.Sigmoid => new Sigmoid(),
        Activation.Tanh => new Tanh(),
        Activation.Relu => new ReLU(),
        Activation.Gelu => new GELU(),
        Activation.None => new Identity(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    public static Activation Parse(string name) => name.ToLowerInvariant() switch
    {
        "sigmoid" => Activation.Sigmoid,
        "tanh" => Activation.Tanh,
        "relu" => Activation.Relu,
        "gelu" => Activation.Gelu,
        "none" or "identity" => Activation.None,
        _ => throw new ArgumentException($"unknown activation '{name}' (expected sigmoid, tanh, relu, gelu or none)"),
    };
}
