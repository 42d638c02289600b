using Hebb.NN;

namespace Hebb.Models;

/// <summary>
/// What a model file's header says about the network: enough to rebuild it with no other input.
/// Each kind ("mlp", "lenet5", ...) writes itself with <see cref="ToMetadata"/> (which includes
/// "model" = <see cref="Kind"/>) and is read back by the parser registered in <see cref="ModelFactory"/>.
/// </summary>
public interface IModelConfig
{
    /// <summary>The kind's name ("mlp", "lenet5", "char-rnn", "gpt", or one added with
    /// <see cref="ModelFactory.Register"/>), written as "model" in the metadata.</summary>
    string Kind { get; }
    /// <summary>How many trainable values the built network has, known without building it.</summary>
    long ParameterCount { get; }
    /// <summary>The config as string pairs for a model file's header, including "model" = <see cref="Kind"/>;
    /// the kind's parser reads them back.</summary>
    Dictionary<string, string> ToMetadata();
    /// <summary>A new network of this shape, with initial weights drawn from <paramref name="generator"/>.</summary>
    Module Build(Generator generator);
}

/// <summary>A network that maps one image (or vector) to class scores: what `hebb eval` and `hebb summary` can run.</summary>
public interface IClassifierConfig : IModelConfig
{
    /// <summary>Shape of one sample, without the batch dimension: [784] for an MLP, [1, 28, 28] for LeNet-5.</summary>
    int[] InputShape { get; }
    /// <summary>The number of classes: the width of the output.</summary>
    int Classes { get; }
    /// <summary>A new classifier of this shape as a <see cref="Sequential"/> (so that <see cref="Summary"/> can walk
    /// its layers), with initial weights drawn from <paramref name="generator"/>.</summary>
    new Sequential Build(Generator generator);
}
