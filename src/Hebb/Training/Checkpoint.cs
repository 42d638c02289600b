using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Hebb.IO;
using Hebb.NN;
using Hebb.Optim;

namespace Hebb.Training;

/// <summary>
/// A training run's complete state in one safetensors file: the model's weights, the optimiser's state (momenta,
/// Adam's moments, step count, learning rate), every random generator's state, and where the run stood (the
/// <see cref="Progress"/> entries: epoch, position in the data, the metrics so far). Restoring it into a freshly
/// built model and optimiser continues the run exactly: the weights at the end equal, bit for bit, those of a run
/// that was never stopped.
/// <see cref="Identity"/> says which run it belongs to (the model's configuration, the data's fingerprint, the
/// settings); <see cref="CheckIdentity"/> refuses a checkpoint of another run, naming the first difference.
/// A SHA-256 checksum over the whole content makes a damaged file an error, never a half-loaded run.
/// </summary>
public sealed class Checkpoint
{
    private const string FormatKey = "format", FormatValue = "hebb-checkpoint-1", ChecksumKey = "checksum";
    private const string IdentityPrefix = "identity.", ProgressPrefix = "progress.", GeneratorPrefix = "generator.";
    private const string ModelPrefix = "model.", OptimizerPrefix = "optimizer.", ExtraPrefix = "extra.";

    private readonly Dictionary<string, SafetensorsTensor> _tensors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GeneratorState> _generators = new(StringComparer.Ordinal);
    private OptimizerState? _optimizer;

    /// <summary>What run this is (model configuration, data fingerprint, settings): a resume must match every entry.</summary>
    public Dictionary<string, string> Identity { get; } = new(StringComparer.Ordinal);

    /// <summary>Where the run stood: free-form entries the trainer and the recipe write and read back.</summary>
    public Dictionary<string, string> Progress { get; } = new(StringComparer.Ordinal);

    /// <summary>The file this checkpoint was read from, or null for one made in memory.</summary>
    public string? Source { get; private set; }

    /// <summary>The state of a run now: the model's weights and buffers, the optimiser's state, the model's own
    /// generators (dropout) and <paramref name="generators"/> (e.g. the one that shuffles the data).</summary>
    public static Checkpoint Capture(Module model, Optimizer optimizer, IEnumerable<KeyValuePair<string, Generator>>? generators = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        var checkpoint = new Checkpoint { _optimizer = optimizer.StateDict() };
        foreach (var (name, tensor) in model.StateDict()) checkpoint.AddTensor(ModelPrefix + name, tensor);
        foreach (var (name, g) in AllGenerators(model, generators)) checkpoint._generators[name] = g.GetState();
        return checkpoint;
    }

    /// <summary>Saves a tensor the recipe needs to continue (such as early stopping's best weights or a recurrent
    /// state carried between steps), under <paramref name="name"/>.</summary>
    public void SetTensor(string name, Tensor tensor) => AddTensor(ExtraPrefix + name, tensor);

    /// <summary>A tensor saved with <see cref="SetTensor"/>, or null when there is none by that name.</summary>
    public Tensor? GetTensor(string name) =>
        _tensors.TryGetValue(ExtraPrefix + name, out var t) ? Tensor.FromArray(t.Data, t.Shape) : null;

    /// <summary>The names of the tensors saved with <see cref="SetTensor"/> that start with <paramref name="prefix"/>.</summary>
    public IEnumerable<string> TensorNames(string prefix = "") => _tensors.Keys
        .Where(k => k.StartsWith(ExtraPrefix + prefix, StringComparison.Ordinal)).Select(k => k[ExtraPrefix.Length..]);

    /// <summary>The optimiser's step count when the checkpoint was taken.</summary>
    public int StepCount => _optimizer?.StepCount ?? 0;

    private void AddTensor(string name, Tensor tensor) =>
        _tensors[name] = new SafetensorsTensor(name, tensor.ShapeArray, tensor.ToFloatArray());

    private static IEnumerable<KeyValuePair<string, Generator>> AllGenerators(
        Module model, IEnumerable<KeyValuePair<string, Generator>>? extra) =>
        model.NamedGenerators().Select(kv => new KeyValuePair<string, Generator>("model." + kv.Key, kv.Value))
            .Concat(extra ?? []);

    /// <summary>Puts the saved state into <paramref name="model"/>, <paramref name="optimizer"/> and the generators.
    /// Everything is checked first (names, shapes, the optimiser's kind), so a checkpoint that does not fit changes
    /// nothing.</summary>
    /// <exception cref="InvalidDataException">The checkpoint does not fit the model, optimiser or generators; the message
    /// names the file and the first misfit.</exception>
    public void Restore(Module model, Optimizer optimizer, IEnumerable<KeyValuePair<string, Generator>>? generators = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        var state = model.StateDict();
        foreach (var (name, tensor) in state)
        {
            if (!_tensors.TryGetValue(ModelPrefix + name, out var saved))
                throw Misfit($"it has no weights for the model's '{name}' (it was made for another model)");
            if (!saved.Shape.AsSpan().SequenceEqual(tensor.Shape))
                throw Misfit($"its '{name}' has shape {ShapeUtil.Format(saved.Shape)}, the model's {ShapeUtil.Format(tensor.Shape)} " +
                    "(it was made for another model)");
        }
        var extraWeights = _tensors.Keys.Where(k => k.StartsWith(ModelPrefix, StringComparison.Ordinal))
            .Select(k => k[ModelPrefix.Length..]).FirstOrDefault(k => state.All(kv => kv.Key != k));
        if (extraWeights is not null)
            throw Misfit($"it has weights '{extraWeights}' the model does not have (it was made for another model)");
        var all = AllGenerators(model, generators).ToList();
        foreach (var (name, _) in all)
            if (!_generators.ContainsKey(name)) throw Misfit($"it has no state for the random generator '{name}'");
        if (_optimizer is null) throw Misfit("it has no optimiser state");

        // Checked: now change things. The optimiser checks its own state before it changes anything.
        try
        {
            optimizer.LoadStateDict(_optimizer);
        }
        catch (InvalidDataException e)
        {
            throw Misfit(e.Message);
        }
        model.LoadStateDict(state.Select(kv => new KeyValuePair<string, Tensor>(
            kv.Key, Tensor.FromArray(_tensors[ModelPrefix + kv.Key].Data, _tensors[ModelPrefix + kv.Key].Shape))));
        foreach (var (name, g) in all) g.SetState(_generators[name]);
    }

    /// <summary>Refuses a checkpoint made by another run: every entry of <paramref name="expected"/> must equal the
    /// saved one.</summary>
    /// <exception cref="InvalidDataException">An entry differs or is missing; the message names it with both values.</exception>
    public void CheckIdentity(IReadOnlyDictionary<string, string> expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        foreach (var (key, value) in expected)
        {
            if (!Identity.TryGetValue(key, out var saved))
                throw Misfit($"it does not record {key} (it was made by another kind of run)");
            if (saved != value)
                throw Misfit($"it was made with {key} {Shorten(saved)}, this run has {Shorten(value)}; " +
                    "resume with the settings and data of the run that wrote it");
        }
    }

    private static string Shorten(string value) => value.Length <= 120 ? value : value[..117] + "...";

    private InvalidDataException Misfit(string problem) =>
        new($"checkpoint '{Source ?? "(in memory)"}' cannot be resumed here: {problem}");

    // ---------------------------------------------------------------- file

    /// <summary>Writes the checkpoint to <paramref name="path"/> atomically: through a temporary file and a rename,
    /// so a failure part-way (a full disk) leaves the previous checkpoint as it was.</summary>
    public void Save(string path) => AtomicFile.Write(path, Write, 1 << 16);

    /// <summary>Writes the checkpoint to <paramref name="stream"/> (what <see cref="Save"/> does inside its temporary file).</summary>
    public void Write(Stream stream)
    {
        var (tensors, metadata) = Serialize();
        Safetensors.Write(stream, tensors, metadata);
    }

    /// <summary>Reads a checkpoint written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a Hebb checkpoint (a model file, another kind of file) or it is
    /// damaged (truncated, altered: the checksum does not match); the message names the file.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static Checkpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"checkpoint '{path}' does not exist" +
                (Directory.Exists(path) ? " (it is a folder)" : ""), path);
        SafetensorsFile file;
        try
        {
            file = Safetensors.Load(path);
        }
        catch (SafetensorsFormatException e)
        {
            throw new InvalidDataException($"checkpoint '{path}' is damaged or not a checkpoint: {e.Problem}", e);
        }
        var meta = file.Metadata;
        if (!meta.TryGetValue(FormatKey, out var format))
            throw new InvalidDataException($"'{path}' is not a Hebb checkpoint" +
                (meta.ContainsKey("kind") ? " (it is a model file: a checkpoint is written by --checkpoint)" : ""));
        if (format != FormatValue)
            throw new InvalidDataException(
                MessageText.OneLine($"checkpoint '{path}' has format '{format}'; this version of Hebb reads '{FormatValue}'"));
        var checkpoint = new Checkpoint { Source = path };
        try
        {
            checkpoint.Deserialize(file);
        }
        catch (Exception e) when (e is FormatException or OverflowException or KeyNotFoundException or ArgumentException)
        {
            throw new InvalidDataException(MessageText.OneLine($"checkpoint '{path}' is damaged: {e.Message}"), e);
        }
        var (_, expected) = checkpoint.Serialize(); // what the content read back hashes to
        if (!meta.TryGetValue(ChecksumKey, out var checksum) || checksum != expected[ChecksumKey])
            throw new InvalidDataException($"checkpoint '{path}' is damaged: its checksum does not match its content");
        return checkpoint;
    }

    private (List<SafetensorsTensor> Tensors, Dictionary<string, string> Metadata) Serialize()
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal) { [FormatKey] = FormatValue };
        foreach (var (k, v) in Identity) meta[IdentityPrefix + k] = v;
        foreach (var (k, v) in Progress) meta[ProgressPrefix + k] = v;
        foreach (var (k, g) in _generators) meta[GeneratorPrefix + k] = CheckpointText.FormatState(g);
        var tensors = _tensors.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        if (_optimizer is { } o)
        {
            meta["optimizer.kind"] = o.Kind;
            meta["optimizer.step_count"] = o.StepCount.ToString(CultureInfo.InvariantCulture);
            meta["optimizer.learning_rate"] = o.LearningRate.ToString("R", CultureInfo.InvariantCulture);
            // Buffers that do not exist yet have no tensor, so the names and the parameter count are written apart.
            meta["optimizer.buffers"] = string.Join(",", o.Buffers.Keys.Order(StringComparer.Ordinal));
            meta["optimizer.parameters"] = (o.Buffers.Values.FirstOrDefault()?.Length ?? 0).ToString(CultureInfo.InvariantCulture);
            foreach (var (buffer, values) in o.Buffers.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                for (int i = 0; i < values.Length; i++)
                    if (values[i] is { } v) tensors.Add(new SafetensorsTensor($"{OptimizerPrefix}{buffer}.{i}", [v.Length], v));
        }
        meta[ChecksumKey] = Checksum(meta, tensors);
        return (tensors, meta);
    }

    private void Deserialize(SafetensorsFile file)
    {
        foreach (var (key, value) in file.Metadata)
        {
            if (key.StartsWith(IdentityPrefix, StringComparison.Ordinal)) Identity[key[IdentityPrefix.Length..]] = value;
            else if (key.StartsWith(ProgressPrefix, StringComparison.Ordinal)) Progress[key[ProgressPrefix.Length..]] = value;
            else if (key.StartsWith(GeneratorPrefix, StringComparison.Ordinal))
                _generators[key[GeneratorPrefix.Length..]] = CheckpointText.ParseState(value);
        }
        var buffers = new Dictionary<string, SortedDictionary<int, float[]>>(StringComparer.Ordinal);
        foreach (var t in file.Tensors)
        {
            if (t.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            {
                int dot = t.Name.LastIndexOf('.');
                string buffer = t.Name[OptimizerPrefix.Length..dot];
                int index = int.Parse(t.Name[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
                // The index is a parameter's, and every parameter's weights are in the file: a larger one is damage, and
                // must not size the per-parameter lists below (a few bytes of header asking for gigabytes).
                if (index >= file.Tensors.Count)
                    throw new FormatException($"optimiser tensor '{t.Name}' is for parameter {index}, " +
                        $"but the checkpoint holds only {file.Tensors.Count} tensors");
                if (!buffers.TryGetValue(buffer, out var list)) buffers[buffer] = list = [];
                list[index] = t.Data;
            }
            else _tensors[t.Name] = t;
        }
        if (!file.Metadata.TryGetValue("optimizer.kind", out var kind)) return;
        int steps = int.Parse(file.Metadata["optimizer.step_count"], NumberStyles.None, CultureInfo.InvariantCulture);
        double lr = double.Parse(file.Metadata["optimizer.learning_rate"], NumberStyles.Float, CultureInfo.InvariantCulture);
        // A buffer that did not exist yet (SGD's momentum before a parameter's first gradient) has no tensor: it stays null.
        int count = int.Parse(file.Metadata["optimizer.parameters"], NumberStyles.None, CultureInfo.InvariantCulture);
        if (count > file.Tensors.Count)
            throw new FormatException($"optimiser state for {count} parameters in a file of {file.Tensors.Count} tensors");
        var names = file.Metadata["optimizer.buffers"].Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (buffers.Keys.FirstOrDefault(b => !names.Contains(b)) is { } stray)
            throw new FormatException($"optimiser tensors for '{stray}', a buffer the checkpoint does not list");
        if (buffers.Values.SelectMany(b => b.Keys).Any(i => i >= count))
            throw new FormatException($"an optimiser tensor is for a parameter past the {count} the checkpoint lists");
        var restored = names.ToDictionary(name => name, name => Enumerable.Range(0, count)
            .Select(i => buffers.TryGetValue(name, out var b) && b.TryGetValue(i, out var v) ? v : null).ToArray());
        _optimizer = new OptimizerState(kind, steps, lr, restored);
    }

    /// <summary>SHA-256 over every metadata entry (but the checksum) and every tensor's name, shape and values.</summary>
    private static string Checksum(Dictionary<string, string> meta, List<SafetensorsTensor> tensors)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (k, v) in meta.Where(kv => kv.Key != ChecksumKey).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            hash.AppendData(Encoding.UTF8.GetBytes($"{k}\0{v}\0"));
        foreach (var t in tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{t.Name}\0{string.Join(",", t.Shape)}\0"));
            hash.AppendData(MemoryMarshal.AsBytes(t.Data.AsSpan()));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

/// <summary>How a generator's state is written in a checkpoint's text entries.</summary>
internal static class CheckpointText
{
    internal static string FormatState(GeneratorState s) => string.Create(CultureInfo.InvariantCulture,
        $"{s.S0:x16}:{s.S1:x16}:{s.S2:x16}:{s.S3:x16}:" +
        $"{(s.SpareNormal is double d ? BitConverter.DoubleToInt64Bits(d).ToString("x16") : "-")}");

    internal static GeneratorState ParseState(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 5) throw new FormatException("a generator state has 5 parts separated by ':'");
        ulong Word(int i) => ulong.Parse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        double? spare = parts[4] == "-" ? null : BitConverter.Int64BitsToDouble((long)Word(4));
        var state = new GeneratorState(Word(0), Word(1), Word(2), Word(3), spare);
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0) throw new FormatException("a generator state is all zeros");
        return state;
    }
}
