using Hebb.NN;

namespace Hebb.Models;

/// <summary>
/// What a model file's header says about the network: enough to rebuild it with no other input.
/// Each kind ("mlp", "lenet5", ...) writes itself with <see cref="ToMetadata"/> (which includes
/// "model" = <see cref="Kind"/>) and is read back by the parser registered in <see cref="ModelFactory"/>.
/// </summary>
public interface IModelConfig
{
    string Kind { get; }
    /// <summary>How many trainable values the built network has, known without building it.</summary>
    long ParameterCount { get; }
    Dictionary<string, string> ToMetadata();
    Module Build(Generator generator);
}

/// <summary>A network that maps one image (or vector) to class scores: what `hebb eval` and `hebb summary` can run.</summary>
public interface IClassifierConfig : IModelConfig
{
    /// <summary>Shape of one sample, without the batch dimension: [784] for an MLP, [1, 28, 28] for LeNet-5.</summary>
    int[] InputShape { get; }
    int Classes { get; }
    new Sequential Build(Generator generator);
}
