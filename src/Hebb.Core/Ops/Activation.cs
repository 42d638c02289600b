namespace Hebb;

/// <summary>An element-wise activation, by name: what a layer applies to its output. Linear and
/// convolution layers apply Sigmoid, Tanh and Relu inside their own op (one pass and one graph node
/// fewer); Gelu and GeluTanh run as a separate op after them.</summary>
public enum Activation
{
    /// <summary>σ(x) = 1 / (1 + e^-x).</summary>
    Sigmoid,

    /// <summary>tanh(x).</summary>
    Tanh,

    /// <summary>max(0, x).</summary>
    Relu,

    /// <summary>x·Φ(x), with Φ the standard normal distribution function.</summary>
    Gelu,

    /// <summary>The identity: no activation.</summary>
    None,

    /// <summary>GELU in its tanh form, 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))): GPT-2's gelu_new, torch's
    /// approximate='tanh'.</summary>
    GeluTanh,
}
