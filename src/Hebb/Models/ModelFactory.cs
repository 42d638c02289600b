using Hebb.IO;
using Hebb.NN;

namespace Hebb.Models;

/// <summary>Rebuilds a model from a saved file: the header metadata says what to build, the tensors fill it.</summary>
public static class ModelFactory
{
    public sealed record LoadedModel(Module Model, IReadOnlyDictionary<string, string> Metadata, IModelConfig Config);

    /// <summary>Reads a config of one kind from a file's metadata; the string names the file for errors.</summary>
    public delegate IModelConfig ConfigParser(IReadOnlyDictionary<string, string> metadata, string source);

    // One line per model kind.
    private static readonly Dictionary<string, ConfigParser> Parsers = new()
    {
        [MlpConfig.KindName] = MlpConfig.FromMetadata,
        [CharRnnConfig.KindName] = CharRnnConfig.FromMetadata,
        [LeNet5Config.KindName] = LeNet5Config.FromMetadata,
        [GptConfig.KindName] = GptConfig.FromMetadata,
    };

    public static IReadOnlyCollection<string> Kinds => Parsers.Keys;

    public static LoadedModel Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model file '{path}' does not exist", path);
        var file = Safetensors.Load(path);
        if (!file.Metadata.TryGetValue("model", out var kind))
            throw new InvalidDataException(
                $"{path}: no 'model' entry in the safetensors metadata, so Hebb cannot tell what network to build");
        if (!Parsers.TryGetValue(kind, out var parse))
            throw new InvalidDataException($"{path}: unknown model kind '{kind}' (this version knows: {string.Join(", ", Parsers.Keys)})");
        var config = parse(file.Metadata, path);
        // The header alone must not make Hebb build (allocate and initialise) a network the file cannot fill.
        long stored = file.Tensors.Sum(t => (long)t.Data.Length);
        if (stored < config.ParameterCount)
            throw new InvalidDataException($"{path}: the metadata describes a '{kind}' network of {config.ParameterCount:N0} parameters " +
                $"but the file holds only {stored:N0} values");
        var model = config.Build(new Generator(0));
        ModelFile.LoadInto(file, model, path);
        return new LoadedModel(model, file.Metadata, config);
    }

    /// <summary>Loads a file that must hold an image classifier (for eval, summary, weights).</summary>
    public static (Sequential Model, IClassifierConfig Config, IReadOnlyDictionary<string, string> Metadata) LoadClassifier(string path)
    {
        var loaded = Load(path);
        if (loaded.Config is not IClassifierConfig config || loaded.Model is not Sequential model)
            throw new InvalidDataException($"{path}: holds a '{loaded.Config.Kind}' model, not an image classifier");
        return (model, config, loaded.Metadata);
    }
}
