using Hebb.NN;

namespace Hebb.Models;

/// <summary>
/// A multilayer perceptron described by its layer sizes: 784-16-16-10 with sigmoid everywhere is the
/// seed network (784*16 + 16*16 + 16*10 weights + 16 + 16 + 10 biases = 13,002 parameters).
/// The config travels in the safetensors header, so a saved file alone rebuilds the model.
/// </summary>
public sealed record MlpConfig(int[] Sizes, Activation Activation, Activation OutputActivation, InitScheme Init = InitScheme.Default)
    : IClassifierConfig
{
    public const string KindName = "mlp";
    public string Kind => KindName;

    /// <summary>The seed network of the notes: 784-16-16-10, sigmoid on every layer.</summary>
    public static MlpConfig Seed => new([784, 16, 16, 10], Activation.Sigmoid, Activation.Sigmoid);

    public int Inputs => Sizes[0];
    public int Outputs => Sizes[^1];
    public int[] InputShape => [Inputs];
    public long ParameterCount => Enumerable.Range(0, Sizes.Length - 1).Sum(i => ((long)Sizes[i] + 1) * Sizes[i + 1]);
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

    public Dictionary<string, string> ToMetadata() => new()
    {
        ["model"] = KindName,
        ["sizes"] = string.Join(",", Sizes),
        ["activation"] = Activation.ToString().ToLowerInvariant(),
        ["output_activation"] = OutputActivation.ToString().ToLowerInvariant(),
        ["init"] = Init.ToString().ToLowerInvariant(),
    };

    public static MlpConfig FromMetadata(IReadOnlyDictionary<string, string> meta, string source)
    {
        var read = new MetadataReader(meta, source);
        return new MlpConfig(read.IntList("sizes", 2, 1, 1 << 20), read.Parsed("activation", Activations.Parse),
            read.Parsed("output_activation", Activations.Parse),
            read.Enum<InitScheme>("init", fallback: InitScheme.Default)); // files from before 'init' existed lack it
    }
}
