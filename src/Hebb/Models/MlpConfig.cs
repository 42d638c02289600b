using Hebb.NN;

namespace Hebb.Models;

/// <summary>
/// A multilayer perceptron described by its layer sizes: 784-16-16-10 with sigmoid everywhere is the
/// classic network of 3Blue1Brown's 'But what is a neural network?' and Nielsen's book
/// (784*16 + 16*16 + 16*10 weights + 16 + 16 + 10 biases = 13,002 parameters).
/// The config travels in the safetensors header, so a saved file alone rebuilds the model.
/// </summary>
/// <param name="Sizes">The layer sizes, input first and output last, e.g. [784, 16, 16, 10]; at least two.</param>
/// <param name="Activation">The activation after every hidden Linear.</param>
/// <param name="OutputActivation">The activation after the last Linear (None for raw scores, e.g. with cross-entropy).</param>
/// <param name="Init">How the weights are initialised (default: PyTorch's uniform).</param>
public sealed record MlpConfig(int[] Sizes, Activation Activation, Activation OutputActivation, InitScheme Init = InitScheme.Default)
    : IClassifierConfig
{
    /// <summary>The kind's name in a model file's metadata: "mlp".</summary>
    public const string KindName = "mlp";
    /// <summary>Always <see cref="KindName"/>.</summary>
    public string Kind => KindName;

    /// <summary>The classic starting point, hence the name: the 784-16-16-10 network, sigmoid on every layer and
    /// default initialisation, for 28×28 digit images such as MNIST.</summary>
    public static MlpConfig Seed => new([784, 16, 16, 10], Activation.Sigmoid, Activation.Sigmoid);

    /// <summary>The input size, the first of Sizes (784 for 28×28 images).</summary>
    public int Inputs => Sizes[0];
    /// <summary>The output size, the last of Sizes.</summary>
    public int Outputs => Sizes[^1];
    /// <summary>[Inputs]: one flattened sample, without the batch dim.</summary>
    public int[] InputShape => [Inputs];
    /// <summary>The sum over the layers of (in + 1)·out: weights plus biases.</summary>
    public long ParameterCount => Enumerable.Range(0, Sizes.Length - 1).Sum(i => ((long)Sizes[i] + 1) * Sizes[i + 1]);
    /// <summary>The same as <see cref="Outputs"/>: one output per class.</summary>
    public int Classes => Outputs;

    /// <summary>Linear, activation, Linear, activation, ... (names "0.weight", "2.weight", ... as in PyTorch).</summary>
    public Sequential Build(Generator generator)
    {
        if (Sizes.Length < 2 || Sizes.Any(s => s <= 0))
            throw new ArgumentException($"an MLP needs at least two positive layer sizes, got [{string.Join(", ", Sizes)}]");
        var model = new Sequential();
        for (int i = 0; i + 1 < Sizes.Length; i++)
        {
            model.Add(new Linear(Sizes[i], Sizes[i + 1], generator, init: Init));
            var act = i + 2 == Sizes.Length ? OutputActivation : Activation;
            if (act != Activation.None) model.Add(Activations.Create(act));
        }
        return model;
    }

    Module IModelConfig.Build(Generator generator) => Build(generator);

    /// <summary>The config as metadata: model, sizes (comma-separated), activation, output_activation and init.</summary>
    public Dictionary<string, string> ToMetadata() => new()
    {
        ["model"] = KindName,
        ["sizes"] = string.Join(",", Sizes),
        ["activation"] = Activation.ToString().ToLowerInvariant(),
        ["output_activation"] = OutputActivation.ToString().ToLowerInvariant(),
        ["init"] = Init.ToString().ToLowerInvariant(),
    };

    /// <summary>Reads back a config written by <see cref="ToMetadata"/>; a file without "init" gets the default.</summary>
    /// <param name="meta">A model file's metadata.</param>
    /// <param name="source">The file's name, for error messages.</param>
    /// <exception cref="InvalidDataException">A field is missing, malformed or out of range.</exception>
    public static MlpConfig FromMetadata(IReadOnlyDictionary<string, string> meta, string source)
    {
        var read = new MetadataReader(meta, source);
        return new MlpConfig(read.IntList("sizes", 2, 1, 1 << 20), read.Parsed("activation", Activations.Parse),
            read.Parsed("output_activation", Activations.Parse),
            read.Enum<InitScheme>("init", fallback: InitScheme.Default)); // files from before 'init' existed lack it
    }
}
