using Hebb.IO;
using Hebb.NN;

namespace Hebb.Models;

/// <summary>Rebuilds a model from a saved file: the header metadata says what to build, the tensors fill it.</summary>
public static class ModelFactory
{
    public sealed record LoadedModel(Module Model, IReadOnlyDictionary<string, string> Metadata, MlpConfig Config);

    public static LoadedModel Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model file '{path}' does not exist", path);
        var file = Safetensors.Load(path);
        if (!file.Metadata.TryGetValue("model", out var kind))
            throw new InvalidDataException($"{path}: no 'model' entry in the safetensors metadata, so Hebb cannot tell what network to build");
        if (kind != MlpConfig.Kind)
            throw new InvalidDataException($"{path}: unknown model kind '{kind}' (this version knows: {MlpConfig.Kind})");
        var config = MlpConfig.FromMetadata(file.Metadata, path);
        var model = config.Build(new Generator(0));
        ModelFile.LoadInto(file, model, path);
        return new LoadedModel(model, file.Metadata, config);
    }
}
