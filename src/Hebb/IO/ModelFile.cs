using Hebb.Autograd;
using Hebb.NN;

namespace Hebb.IO;

/// <summary>
/// A model on disk: its state dict as safetensors tensors, and its configuration (plus anything the
/// caller adds, such as the dataset it was trained on) as string pairs in the header's __metadata__.
/// </summary>
public static class ModelFile
{
    /// <summary>Writes <paramref name="model"/>'s state dict to <paramref name="path"/> as float32 safetensors, with
    /// <paramref name="metadata"/> in the header; written through a temporary file (see <see cref="AtomicFile"/>).</summary>
    /// <param name="path">The file to write; an existing one is replaced once the new one is complete.</param>
    /// <param name="model">The model whose parameters and buffers are saved.</param>
    /// <param name="metadata">String pairs for the header, e.g. a config's <c>ToMetadata()</c>.</param>
    /// <exception cref="IOException">The folder does not exist, or the path is a folder.</exception>
    public static void Save(string path, Module model, IReadOnlyDictionary<string, string> metadata)
    {
        var tensors = model.StateDict().Select(kv =>
            new SafetensorsTensor(kv.Key, kv.Value.ShapeArray.ToArray(), kv.Value.To(DType.Float32).ToArray<float>()));
        Safetensors.Save(path, tensors, metadata);
    }

    /// <summary>Reads the file and copies its tensors into <paramref name="model"/> (names and shapes must match).</summary>
    public static void LoadInto(SafetensorsFile file, Module model, string source)
    {
        // The file's arrays are wrapped, not cloned (LoadStateDict copies them into the model's own tensors), so a large
        // model is not held three times over while it loads.
        var state = file.Tensors.ToDictionary(t => t.Name, t => Tensor.Wrap(t.Data, [.. t.Shape]));
        try
        {
            using var _ = GradMode.NoGrad();
            model.LoadStateDict(state);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException(MessageText.OneLine($"{source}: {e.Message}"), e); // it names the file's tensors
        }
    }
}
