namespace Hebb.NN;

// Activation layers: thin modules over the tensor ops, so they can sit in a Sequential.

/// <summary>The logistic sigmoid σ(x) = 1 / (1 + e^-x), element-wise, as torch.nn.Sigmoid.</summary>
public sealed class Sigmoid : Module
{
    /// <summary>σ of every element; the output has the input's shape, with values in (0, 1).</summary>
    public override Tensor Forward(Tensor input) => input.Sigmoid();
}

/// <summary>The hyperbolic tangent, element-wise, as torch.nn.Tanh.</summary>
public sealed class Tanh : Module
{
    /// <summary>tanh of every element; the output has the input's shape, with values in (-1, 1).</summary>
    public override Tensor Forward(Tensor input) => input.Tanh();
}

/// <summary>The rectified linear unit max(0, x), element-wise, as torch.nn.ReLU.</summary>
public sealed class ReLU : Module
{
    /// <summary>max(0, x) of every element; the output has the input's shape.</summary>
    public override Tensor Forward(Tensor input) => input.Relu();
}

/// <summary>The Gaussian error linear unit x·Φ(x), with Φ the standard normal distribution function,
/// element-wise, as torch.nn.GELU (the activation of GPT-2's MLP).</summary>
/// <param name="tanhApproximation">Use 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))) instead of the exact
/// form, as torch's approximate='tanh' (default false).</param>
public sealed class GELU(bool tanhApproximation = false) : Module
{
    /// <summary>Whether the tanh approximation is used rather than the exact form.</summary>
    public bool TanhApproximation => tanhApproximation;

    /// <summary>GELU of every element; the output has the input's shape.</summary>
    public override Tensor Forward(Tensor input) => input.Gelu(tanhApproximation);
    /// <inheritdoc/>
    protected override string ExtraRepr => tanhApproximation ? "approximate='tanh'" : "";
}

/// <summary>Softmax along one dim, e^(x_i/T) / Σ_j e^(x_j/T), so every slice along it is a probability
/// distribution; as torch.nn.Softmax, with a temperature T.</summary>
/// <param name="dim">The dim to normalise over; negative counts from the end (default -1, the last).</param>
/// <param name="temperature">T: 1 is the plain softmax, above 1 flattens the distribution, below 1 sharpens it.</param>
public sealed class Softmax(int dim = -1, double temperature = 1.0) : Module
{
    /// <summary>The softmax of the input along the dim; the output has the input's shape.</summary>
    public override Tensor Forward(Tensor input) => input.Softmax(dim, temperature);
    /// <inheritdoc/>
    protected override string ExtraRepr => $"dim={dim}, temperature={temperature}";
}

/// <summary>log(softmax(x)) along one dim, computed stably, as torch.nn.LogSoftmax; followed by
/// <see cref="Losses.Nll"/> it gives the cross-entropy.</summary>
/// <param name="dim">The dim to normalise over; negative counts from the end (default -1, the last).</param>
public sealed class LogSoftmax(int dim = -1) : Module
{
    /// <summary>The log-softmax of the input along the dim; the output has the input's shape.</summary>
    public override Tensor Forward(Tensor input) => input.LogSoftmax(dim);
    /// <inheritdoc/>
    protected override string ExtraRepr => $"dim={dim}";
}

/// <summary>Returns its input unchanged, as torch.nn.Identity: a layer that does nothing, e.g. for
/// <see cref="Activation.None"/>.</summary>
public sealed class Identity : Module
{
    /// <summary>The input itself (not a copy).</summary>
    public override Tensor Forward(Tensor input) => input;
}

/// <summary>Flattens all dims after the batch dim, as torch.nn.Flatten.</summary>
/// <param name="startDim">The first dim to merge (default 1, the one after the batch dim).</param>
/// <param name="endDim">The last dim to merge; negative counts from the end (default -1, the last).</param>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module
{
    /// <summary>The input with dims startDim..endDim merged into one: (N, C, H, W) becomes (N, C·H·W) with the defaults.</summary>
    public override Tensor Forward(Tensor input) => input.Flatten(startDim, endDim);
}

/// <summary>Activation layers from an <see cref="Activation"/> value or a name, as model configs and the
/// command line use them.</summary>
public static class Activations
{
    /// <summary>A new layer that applies <paramref name="activation"/>: <see cref="Sigmoid"/>, <see cref="Tanh"/>,
    /// <see cref="ReLU"/>, <see cref="GELU"/> (exact or tanh form), or <see cref="Identity"/> for None.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined activation.</exception>
    public static Module Create(Activation activation) => activation switch
    {
        Activation.Sigmoid => new Sigmoid(),
        Activation.Tanh => new Tanh(),
        Activation.Relu => new ReLU(),
        Activation.Gelu => new GELU(),
        Activation.GeluTanh => new GELU(tanhApproximation: true),
        Activation.None => new Identity(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    /// <summary>The activation called <paramref name="name"/>, in any case: sigmoid, tanh, relu, gelu, gelu_tanh (also
    /// gelutanh, and Hugging Face's gelu_new and gelu_pytorch_tanh), or none (also identity).</summary>
    /// <exception cref="ArgumentException">The name is none of these.</exception>
    public static Activation Parse(string name) => name.ToLowerInvariant() switch
    {
        "sigmoid" => Activation.Sigmoid,
        "tanh" => Activation.Tanh,
        "relu" => Activation.Relu,
        "gelu" => Activation.Gelu,
        "gelu_tanh" or "gelutanh" or "gelu_new" or "gelu_pytorch_tanh" => Activation.GeluTanh,
        "none" or "identity" => Activation.None,
        _ => throw new ArgumentException($"unknown activation '{name}' (expected sigmoid, tanh, relu, gelu, gelu_tanh or none)"),
    };
}
