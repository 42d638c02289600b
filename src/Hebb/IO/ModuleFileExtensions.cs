using Hebb.NN;

namespace Hebb.IO;

/// <summary>
/// Saving and loading a module's weights in one call, as <c>torch.save(model.state_dict(), path)</c> and
/// <c>model.load_state_dict(torch.load(path))</c>: <c>model.Save("model.safetensors")</c>, then, in
/// another program that builds the same architecture, <c>model.Load("model.safetensors")</c>. The file is
/// safetensors (readable from Python), written through a temporary file so a failed save never leaves a
/// half-written file. To rebuild a model from the file alone (with no code that constructs it), save
/// with its config's metadata and load with <see cref="Models.ModelFactory.Load"/>.
/// </summary>
public static class ModuleFileExtensions
{
    extension(Module module)
    {
        /// <summary>Writes this module's state dict (parameters and buffers, by dotted name, as float32) to
        /// <paramref name="path"/>, with <paramref name="metadata"/> as string pairs in the file's header.</summary>
        /// <exception cref="IOException">The folder does not exist, or the path is a folder.</exception>
        public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            ModelFile.Save(path, module, metadata ?? new Dictionary<string, string>());
        }

        /// <summary>Copies the weights saved in <paramref name="path"/> into this module, which must have the
        /// same names and shapes (<see cref="Module.LoadStateDict"/>); the error names the file and the tensor.
        /// Returns the file's metadata.</summary>
        /// <exception cref="FileNotFoundException">There is no such file.</exception>
        /// <exception cref="InvalidDataException">The file is damaged, or does not match this module.</exception>
        public IReadOnlyDictionary<string, string> Load(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            if (!File.Exists(path)) throw new FileNotFoundException($"model file '{path}' does not exist", path);
            var file = Safetensors.Load(path);
            ModelFile.LoadInto(file, module, path);
            return file.Metadata;
        }
    }
}
