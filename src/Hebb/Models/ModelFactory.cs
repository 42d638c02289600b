using Hebb.IO;
using Hebb.NN;

namespace Hebb.Models;

/// <summary>Rebuilds a model from a saved file: the header metadata says what to build, the tensors fill it.</summary>
public static class ModelFactory
{
    /// <summary>A model rebuilt from a file by <see cref="Load"/>.</summary>
    /// <param name="Model">The network, built from the config and filled with the file's weights.</param>
    /// <param name="Metadata">The file's metadata: the config's entries and anything else saved with it.</param>
    /// <param name="Config">The config read from the metadata.</param>
    public sealed record LoadedModel(Module Model, IReadOnlyDictionary<string, string> Metadata, IModelConfig Config);

    /// <summary>Reads a config of one kind from a file's metadata; the string names the file for errors.</summary>
    public delegate IModelConfig ConfigParser(IReadOnlyDictionary<string, string> metadata, string source);

    // The built-in kinds; Register adds more. Guarded by the lock: registration may happen on any thread.
    private static readonly Dictionary<string, ConfigParser> Parsers = new()
    {
        [MlpConfig.KindName] = MlpConfig.FromMetadata,
        [CharRnnConfig.KindName] = CharRnnConfig.FromMetadata,
        [LeNet5Config.KindName] = LeNet5Config.FromMetadata,
        [GptConfig.KindName] = GptConfig.FromMetadata,
    };

    /// <summary>The model kinds <see cref="Load"/> can rebuild: the built-in ones (mlp, lenet5, char-rnn, gpt)
    /// and those added with <see cref="Register"/>.</summary>
    public static IReadOnlyCollection<string> Kinds
    {
        get
        {
            lock (Parsers) return [.. Parsers.Keys];
        }
    }

    /// <summary>
    /// Teaches <see cref="Load"/> (and so <c>hebb eval</c>-style tools built on it) a model kind of your own:
    /// a file whose metadata says <c>model = <paramref name="kind"/></c> is rebuilt by
    /// <paramref name="parser"/>(metadata, file name).Build(...) and filled with the file's weights. Save such
    /// a file with <c>model.Save(path, config.ToMetadata())</c>, where <see cref="IModelConfig.ToMetadata"/>
    /// includes <c>"model" = Kind</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The kind is empty or already registered.</exception>
    public static void Register(string kind, ConfigParser parser)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(parser);
        lock (Parsers)
        {
            if (!Parsers.TryAdd(kind, parser))
                throw new ArgumentException($"model kind '{kind}' is already registered", nameof(kind));
        }
    }

    /// <summary>Rebuilds the model saved in <paramref name="path"/>: its metadata's "model" entry names the
    /// kind, whose parser reads the config; the network is built and its weights loaded from the file.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="SafetensorsFormatException">The file is not valid safetensors: truncated, inconsistent, another kind of file
    /// (from <see cref="Safetensors.Load"/>; an <see cref="IOException"/>, as is the missing file).</exception>
    /// <exception cref="InvalidDataException">The file is damaged, names no or an unknown kind, or does not fit its config.</exception>
    public static LoadedModel Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model file '{path}' does not exist", path);
        var file = Safetensors.Load(path);
        if (!file.Metadata.TryGetValue("model", out var kind))
            throw new InvalidDataException(
                $"{path}: no 'model' entry in the safetensors metadata, so Hebb cannot tell what network to build");
        ConfigParser? parse;
        lock (Parsers) Parsers.TryGetValue(kind, out parse);
        if (parse is null)
            throw new InvalidDataException(MessageText.OneLine(
                $"{path}: unknown model kind '{kind}' (known: {string.Join(", ", Kinds)}; ModelFactory.Register adds one)"));
        var config = parse(file.Metadata, path);
        // The header alone must not make Hebb build (allocate and initialise) a network the file cannot fill.
        long stored = file.Tensors.Sum(t => (long)t.Data.Length);
        if (stored < config.ParameterCount)
            throw new InvalidDataException($"{path}: the metadata describes a '{kind}' network of {config.ParameterCount:N0} parameters " +
                $"but the file holds only {stored:N0} values");
        Module model;
        using (Init.SkipRandom()) model = config.Build(new Generator(0)); // every weight comes from the file
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
