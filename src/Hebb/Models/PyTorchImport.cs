using System.Globalization;
using System.Text.Json;
using Hebb.Autograd;
using Hebb.IO;
using Hebb.NN;

namespace Hebb.Models;

/// <summary>A model read from another framework's weights: the network, its config, and the metadata a Hebb model
/// file of it carries (so <see cref="ModelFile.Save"/> with it makes a file <c>hebb eval</c> / <c>hebb generate</c> take).</summary>
/// <param name="Model">The network, filled with the imported weights.</param>
/// <param name="Config">Its shape, given or read from the weights' shapes.</param>
/// <param name="Metadata">The config's metadata plus what the config file added (vocab, dataset, loss).</param>
public sealed record ImportedModel(Module Model, IModelConfig Config, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Loads weights saved from a PyTorch model's state dict as safetensors, under PyTorch's own names, into the Hebb model
/// of the same architecture. A small JSON config names the kind and what the shapes cannot tell; everything else is read
/// from the shapes. Config fields (the names of Hebb's model-file metadata):
/// <list type="bullet">
/// <item><c>"model": "mlp"</c>: an nn.Sequential of Linear layers with one activation between them. <c>activation</c>
/// (required: relu, tanh, sigmoid, gelu, gelu_tanh), <c>output_activation</c> (default none), <c>sizes</c> (optional,
/// checked). The i-th Linear of the file (names sorted, numbers as numbers: 0, 2, 4 or fc1, fc2) is the i-th layer.</item>
/// <item><c>"model": "lenet5"</c>: Hebb's LeNet-5 (conv 5x5 pad 2, ReLU, max-pool 2, conv 5x5, ReLU, max-pool 2,
/// Linear-ReLU-Linear-ReLU-Linear); the two convolutions and three Linears are taken in name order, whatever they are
/// called. <c>in_channels</c> and <c>classes</c> come from the shapes; <c>image_size</c> from fc1's width (28 for
/// 400 inputs) unless given.</item>
/// <item><c>"model": "char-rnn"</c>: nn.Embedding, then nn.RNN / nn.LSTM / nn.GRU (batch_first, any layers, not
/// bidirectional; names weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0 under any prefix), then a Linear head.
/// The cell (from the gate rows: 4H LSTM, 3H GRU, H RNN), sizes and layers come from the shapes; <c>cell</c> is
/// checked if given. <c>vocab</c>: the characters in id order (a string), needed by <c>hebb generate</c>.</item>
/// <item><c>"model": "gpt"</c>: nanoGPT's GPT (transformer.wte, transformer.wpe, transformer.h.N.ln_1, attn.c_attn
/// [3E, E], attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj, transformer.ln_f, lm_head). <c>n_head</c> is required (no shape
/// tells it); vocab_size, n_embd, block_size, n_layer, bias and tied come from the weights; <c>activation</c> gelu
/// (default, nanoGPT's) or gelu_tanh; <c>layer_norm_eps</c> (default 1e-5). The attn.bias causal-mask buffers are
/// skipped; lm_head.weight equal to wte is the tied unembedding.</item>
/// </list>
/// Every kind also takes <c>dataset</c> and <c>loss</c> (mse or ce: how <c>hebb eval</c> scores an image classifier)
/// and <c>vocab</c>. Prefixes <c>_orig_mod.</c> (torch.compile) and <c>module.</c> (DataParallel) are stripped.
/// A tensor the model does not use, a missing one or a shape that does not fit is an error naming it.
/// </summary>
public static class PyTorchImport
{
    private static readonly string[] CommonKeys = ["model", "dataset", "loss", "vocab"];

    /// <summary>Reads the weights at <paramref name="weightsPath"/> (safetensors: a pickled .pt/.pth/.bin is refused
    /// with how to convert it) and the JSON config at <paramref name="configPath"/>, and builds the model.</summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">The config or the weights do not describe a model Hebb can build
    /// (<see cref="SafetensorsFormatException"/>, an <see cref="IOException"/>, for a file that is not safetensors).</exception>
    public static ImportedModel Load(string weightsPath, string configPath)
    {
        if (!File.Exists(configPath)) throw new FileNotFoundException($"config file '{configPath}' does not exist", configPath);
        Dictionary<string, JsonElement> config;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(configPath));
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{configPath}: the config must be a JSON object");
            config = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{configPath}: not valid JSON: {e.Message}", e);
        }
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"weights file '{weightsPath}' does not exist", weightsPath);
        return Load(Safetensors.Load(weightsPath), config, $"{weightsPath} (config {configPath})");
    }

    /// <summary>Builds the model from already-read weights and a config given as JSON values by field name.</summary>
    /// <param name="weights">The state dict, under PyTorch's names.</param>
    /// <param name="config">The config's fields (see the class summary).</param>
    /// <param name="source">Names the files in error messages.</param>
    public static ImportedModel Load(SafetensorsFile weights, IReadOnlyDictionary<string, JsonElement> config, string source)
    {
        var meta = ToStrings(config, source);
        if (!meta.TryGetValue("model", out var kind))
            throw new InvalidDataException($"{source}: the config lacks \"model\" (mlp, lenet5, char-rnn or gpt)");
        var tensors = new Dictionary<string, SafetensorsTensor>(StringComparer.Ordinal);
        foreach (var t in weights.Tensors) tensors[StripPrefixes(t.Name)] = t;
        return kind switch
        {
            MlpConfig.KindName => Mlp(tensors, meta, source),
            LeNet5Config.KindName => LeNet5(tensors, meta, source),
            CharRnnConfig.KindName => CharRnn(tensors, meta, source),
            GptConfig.KindName => Gpt(tensors, meta, source),
            _ => throw new InvalidDataException($"{source}: config \"model\" is '{kind}'; Hebb imports mlp, lenet5, char-rnn and gpt"),
        };
    }

    // ---------------------------------------------------------------- the kinds

    private static ImportedModel Mlp(Dictionary<string, SafetensorsTensor> tensors, Dictionary<string, string> meta, string source)
    {
        Allow(meta, source, "activation", "output_activation", "sizes", "init");
        if (!meta.ContainsKey("activation"))
            throw new InvalidDataException($"{source}: the config must give \"activation\" (relu, tanh, sigmoid, gelu or gelu_tanh): " +
                "the weights do not say which one the network uses between its Linear layers");
        var layers = Layers(tensors, 2, "Linear", source);
        var sizes = new List<int> { layers[0].Weight.Shape[1] };
        foreach (var l in layers)
        {
            if (l.Weight.Shape[1] != sizes[^1])
                throw new InvalidDataException(
                    $"{source}: '{l.Weight.Name}' takes {l.Weight.Shape[1]} inputs but the layer before gives {sizes[^1]}");
            sizes.Add(l.Weight.Shape[0]);
        }
        string inferred = string.Join(",", sizes);
        if (meta.TryGetValue("sizes", out var given) && given != inferred)
            throw new InvalidDataException($"{source}: config sizes [{given}] but the weights have [{inferred}]");
        meta["sizes"] = inferred;
        meta.TryAdd("output_activation", "none");
        meta.TryAdd("init", "default");
        var config = MlpConfig.FromMetadata(meta, source);
        return Fill(config, config.Build(new Generator(0)), ByOrder(layers), meta, source, tensors);
    }

    private static ImportedModel LeNet5(Dictionary<string, SafetensorsTensor> tensors, Dictionary<string, string> meta, string source)
    {
        Allow(meta, source, "in_channels", "image_size", "classes", "dropout");
        var convs = Layers(tensors, 4, "Conv2d", source);
        var linears = Layers(tensors, 2, "Linear", source);
        if (convs.Count != 2 || linears.Count != 3)
            throw new InvalidDataException($"{source}: LeNet-5 has 2 convolutions and 3 Linear layers; the weights have {convs.Count} " +
                $"4-D and {linears.Count} 2-D weights");
        int flat = linears[0].Weight.Shape[1], side = (int)Math.Round(Math.Sqrt(flat / 16.0));
        if (16 * side * side != flat)
            throw new InvalidDataException($"{source}: '{linears[0].Weight.Name}' takes {flat} inputs, not 16 x side x side");
        Infer(meta, "in_channels", convs[0].Weight.Shape[1], source);
        Infer(meta, "classes", linears[2].Weight.Shape[0], source);
        meta.TryAdd("image_size", ((2 * side + 4) * 2).ToString(CultureInfo.InvariantCulture));
        meta.TryAdd("dropout", "0");
        var config = LeNet5Config.FromMetadata(meta, source);
        if ((config.ImageSize / 2 - 4) / 2 != side)
            throw new InvalidDataException($"{source}: image_size {config.ImageSize} gives {(config.ImageSize / 2 - 4) / 2}x" +
                $"{(config.ImageSize / 2 - 4) / 2} feature maps, but fc1 takes 16x{side}x{side}");
        return Fill(config, config.Build(new Generator(0)), ByOrder([.. convs, .. linears]), meta, source, tensors);
    }

    private static ImportedModel CharRnn(Dictionary<string, SafetensorsTensor> tensors, Dictionary<string, string> meta, string source)
    {
        Allow(meta, source, "cell", "vocab_size", "embedding_dim", "hidden", "layers", "dropout");
        var first = tensors.Keys.Where(n => n == "weight_ih_l0" || n.EndsWith(".weight_ih_l0", StringComparison.Ordinal)).ToList();
        if (first.Count != 1)
            throw new InvalidDataException($"{source}: a char-rnn needs exactly one recurrent layer stack (a tensor named " +
                $"...weight_ih_l0), found {first.Count}");
        string prefix = first[0][..^"weight_ih_l0".Length];
        if (tensors.Keys.Any(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.Contains("_reverse", StringComparison.Ordinal)))
            throw new InvalidDataException($"{source}: the recurrent layers are bidirectional; Hebb's are not");
        if (tensors.Keys.Any(n => n.StartsWith(prefix + "weight_hr", StringComparison.Ordinal)))
            throw new InvalidDataException($"{source}: the LSTM has proj_size (weight_hr_l0); Hebb's LSTM does not");
        int layers = 0;
        while (tensors.ContainsKey($"{prefix}weight_ih_l{layers}")) layers++;
        var ih = Require(tensors, prefix + "weight_ih_l0", 2, source);
        var hh = Require(tensors, prefix + "weight_hh_l0", 2, source);
        int hidden = hh.Shape[1], gates = ih.Shape[0] / Math.Max(hidden, 1);
        string cell = gates switch { 4 => "lstm", 3 => "gru", 1 => "rnn", _ => "" };
        if (cell == "" || gates * hidden != ih.Shape[0])
            throw new InvalidDataException(
                $"{source}: '{ih.Name}' has {ih.Shape[0]} rows for hidden size {hidden}: not 4H (LSTM), 3H (GRU) or H (RNN)");
        if (meta.TryGetValue("cell", out var given) && !given.Equals(cell, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException(
                $"{source}: config cell '{given}' but the gate rows ({ih.Shape[0]} = {gates} x {hidden}) say {cell}");
        meta["cell"] = cell;
        int embed = ih.Shape[1];

        // The rest: the embedding (a weight alone, [V, E]) and the head (weight [V, H] and bias [V]).
        var others = tensors.Keys.Where(n => !(n.StartsWith(prefix, StringComparison.Ordinal) && IsRecurrentName(n[prefix.Length..])))
            .ToList();
        var weights = others.Where(n => n.EndsWith("weight", StringComparison.Ordinal) && tensors[n].Shape.Length == 2).ToList();
        var embeddings = weights.Where(n => !tensors.ContainsKey(n[..^"weight".Length] + "bias") && tensors[n].Shape[1] == embed).ToList();
        var heads = weights.Where(n => tensors.ContainsKey(n[..^"weight".Length] + "bias") && tensors[n].Shape[1] == hidden).ToList();
        if (embeddings.Count != 1 || heads.Count != 1)
            throw new InvalidDataException($"{source}: a char-rnn needs one embedding [vocab, {embed}] without bias and one Linear head " +
                $"[vocab, {hidden}] with a bias; found {embeddings.Count} and {heads.Count} among " +
                string.Join(", ", others.Select(n => $"'{n}'")));
        var embedding = tensors[embeddings[0]];
        var head = tensors[heads[0]];
        int vocab = embedding.Shape[0];
        if (head.Shape[0] != vocab)
            throw new InvalidDataException(
                $"{source}: the embedding has {vocab} tokens but the head '{head.Name}' {head.Shape[0]} outputs");
        Infer(meta, "vocab_size", vocab, source);
        Infer(meta, "embedding_dim", embed, source);
        Infer(meta, "hidden", hidden, source);
        Infer(meta, "layers", layers, source);
        meta.TryAdd("dropout", "0");
        CheckVocab(meta, vocab, source);
        var config = CharRnnConfig.FromMetadata(meta, source);
        var map = new Dictionary<string, Source>(StringComparer.Ordinal)
        {
            ["embedding.weight"] = new(embedding),
            ["head.weight"] = new(head),
            ["head.bias"] = new(Require(tensors, heads[0][..^"weight".Length] + "bias", 1, source)),
        };
        for (int l = 0; l < layers; l++)
            foreach (var p in new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" })
            {
                string name = $"{prefix}{p}_l{l}";
                if (!tensors.TryGetValue(name, out var t))
                    throw new InvalidDataException($"{source}: no tensor '{name}' (Hebb's recurrent layers have biases)");
                map[$"rnn.{p}_l{l}"] = new(t);
            }
        return Fill(config, config.Build(new Generator(0)), map, meta, source, tensors);
    }

    private static bool IsRecurrentName(string n) =>
        n.StartsWith("weight_ih_l", StringComparison.Ordinal) || n.StartsWith("weight_hh_l", StringComparison.Ordinal)
        || n.StartsWith("bias_ih_l", StringComparison.Ordinal) || n.StartsWith("bias_hh_l", StringComparison.Ordinal);

    private static ImportedModel Gpt(Dictionary<string, SafetensorsTensor> tensors, Dictionary<string, string> meta, string source)
    {
        Allow(meta, source, "n_head", "vocab_size", "n_layer", "n_embd", "block_size", "bias", "tied", "dropout", "activation",
            "layer_norm_eps");
        if (!meta.ContainsKey("n_head"))
            throw new InvalidDataException(
                $"{source}: the config must give \"n_head\": no weight's shape tells the number of attention heads");
        return BuildGpt(tensors, meta, source, transposed: false);
    }

    /// <summary>A GPT from nanoGPT-named tensors (transformer.h.0.attn.c_attn.weight, ...). With
    /// <paramref name="transposed"/>, the four projection weights are stored [in, out] (Hugging Face's Conv1D).</summary>
    internal static ImportedModel BuildGpt(Dictionary<string, SafetensorsTensor> tensors, Dictionary<string, string> meta, string source,
        bool transposed, Gpt? prebuilt = null)
    {
        // Buffers nanoGPT and Hugging Face keep in the state dict: the causal mask and the masked value. Not weights.
        foreach (var name in tensors.Keys.ToList())
            if (name.EndsWith(".attn.masked_bias", StringComparison.Ordinal)
                || name.EndsWith(".attn.bias", StringComparison.Ordinal) && tensors[name].Shape.Length == 4)
                tensors.Remove(name);
        // safetensors' save_model keeps one name of tied tensors, which may be lm_head's: it is then wte too.
        if (!tensors.ContainsKey("transformer.wte.weight") && tensors.Remove("lm_head.weight", out var onlyHead))
            tensors["transformer.wte.weight"] = onlyHead;
        var wte = Require(tensors, "transformer.wte.weight", 2, source);
        var wpe = Require(tensors, "transformer.wpe.weight", 2, source);
        int layers = 0;
        while (tensors.ContainsKey($"transformer.h.{layers}.ln_1.weight")) layers++;
        Infer(meta, "vocab_size", wte.Shape[0], source);
        Infer(meta, "n_embd", wte.Shape[1], source);
        Infer(meta, "block_size", wpe.Shape[0], source);
        Infer(meta, "n_layer", layers, source);
        bool bias = tensors.ContainsKey("transformer.ln_f.bias");
        InferBool(meta, "bias", bias, source);
        bool tied = true;
        if (tensors.TryGetValue("lm_head.weight", out var head))
        {
            tied = head.Shape.SequenceEqual(wte.Shape) && head.Data.AsSpan().SequenceEqual(wte.Data);
            if (tied) tensors.Remove("lm_head.weight");
        }
        InferBool(meta, "tied", tied, source);
        meta.TryAdd("dropout", "0");
        if (meta.TryGetValue("activation", out var act)) meta["activation"] = Activations.Parse(act).ToString().ToLowerInvariant();
        var config = GptConfig.FromMetadata(meta, source);
        var map = new Dictionary<string, Source>(StringComparer.Ordinal);
        if (prebuilt is not null && prebuilt.Config != config)
            throw new InvalidDataException($"{source}: the weights describe {config}, the config file {prebuilt.Config}");
        var model = prebuilt ?? new Gpt(config, new Generator(0));
        foreach (var (name, _) in model.StateDict())
        {
            if (!tensors.TryGetValue(name, out var t))
                throw new InvalidDataException($"{source}: no tensor '{name}' ({MissingHint(name)})");
            bool flip = transposed && t.Shape.Length == 2 && (name.EndsWith("c_attn.weight", StringComparison.Ordinal)
                || name.EndsWith("c_proj.weight", StringComparison.Ordinal) || name.EndsWith("c_fc.weight", StringComparison.Ordinal));
            map[name] = new(t, flip);
        }
        return Fill(config, model, map, meta, source, tensors);
    }

    private static string MissingHint(string name) => name.EndsWith(".bias", StringComparison.Ordinal)
        ? "the other weights say the model has biases"
        : "is this the model the config describes?";

    // ---------------------------------------------------------------- filling

    /// <summary>A source tensor for one of the model's, possibly stored transposed.</summary>
    private readonly record struct Source(SafetensorsTensor Tensor, bool Transposed = false);

    private sealed record Layer(SafetensorsTensor Weight, SafetensorsTensor? Bias);

    /// <summary>The layers whose weight has <paramref name="rank"/> dims, in name order (numbers as numbers).</summary>
    private static List<Layer> Layers(Dictionary<string, SafetensorsTensor> tensors, int rank, string what, string source)
    {
        var layers = tensors.Values.Where(t => t.Name.EndsWith("weight", StringComparison.Ordinal) && t.Shape.Length == rank)
            .OrderBy(t => StripPrefixes(t.Name), NaturalOrder.Instance)
            .Select(w =>
            {
                string b = StripPrefixes(w.Name)[..^"weight".Length] + "bias";
                return new Layer(w, tensors.GetValueOrDefault(b));
            })
            .ToList();
        if (layers.Count == 0) throw new InvalidDataException($"{source}: no {what} weights ({rank}-D tensors named ...weight)");
        return layers;
    }

    /// <summary>The model's parameterised layers in order take the file's layers in order.</summary>
    private static Dictionary<string, Source> ByOrder(List<Layer> layers)
    {
        var map = new Dictionary<string, Source>(StringComparer.Ordinal);
        for (int i = 0; i < layers.Count; i++)
        {
            map[$"#{i}.weight"] = new(layers[i].Weight);
            if (layers[i].Bias is { } b) map[$"#{i}.bias"] = new(b);
        }
        return map;
    }

    private static ImportedModel Fill(IModelConfig config, Module model, Dictionary<string, Source> map, Dictionary<string, string> meta,
        string source, Dictionary<string, SafetensorsTensor> tensors)
    {
        var state = model.StateDict();
        bool byOrder = map.Keys.Any(k => k.StartsWith('#'));
        if (byOrder)
        {
            // Hebb's layer prefixes in registration order ("0", "3", ... for a Sequential) take #0, #1, ...
            var prefixes = state.Select(kv => kv.Key[..kv.Key.LastIndexOf('.')]).Distinct().ToList();
            var renamed = new Dictionary<string, Source>(StringComparer.Ordinal);
            foreach (var (key, value) in map)
            {
                int dot = key.IndexOf('.');
                int index = int.Parse(key.AsSpan(1, dot - 1), CultureInfo.InvariantCulture);
                if (index < prefixes.Count) renamed[prefixes[index] + key[dot..]] = value;
            }
            map = renamed;
        }
        var used = new HashSet<string>(StringComparer.Ordinal);
        using (GradMode.NoGrad())
        {
            foreach (var (name, p) in state)
            {
                if (!map.TryGetValue(name, out var src))
                    throw new InvalidDataException($"{source}: nothing in the weights for Hebb's '{name}' {ShapeUtil.Format(p.Shape)} " +
                        "(a layer without bias?)");
                var t = src.Tensor;
                int[] shape = src.Transposed ? [t.Shape[1], t.Shape[0]] : t.Shape;
                if (!shape.AsSpan().SequenceEqual(p.ShapeArray))
                    throw new InvalidDataException($"{source}: '{t.Name}' has shape {ShapeUtil.Format(t.Shape)}" +
                        $"{(src.Transposed ? " (stored transposed)" : "")}, but Hebb's '{name}' needs {ShapeUtil.Format(p.Shape)}");
                Copy(t, src.Transposed, p);
                used.Add(t.Name);
            }
        }
        var unused = tensors.Values.Where(t => !used.Contains(t.Name)).Select(t => $"'{t.Name}'").ToList();
        if (unused.Count > 0)
            throw new InvalidDataException($"{source}: the {config.Kind} model uses no tensor {string.Join(", ", unused.Take(10))}" +
                (unused.Count > 10 ? $" ({unused.Count - 10} more)" : "") + ": is this the architecture the config describes?");
        var result = config.ToMetadata();
        foreach (var key in CommonKeys)
            if (key != "model" && meta.TryGetValue(key, out var v)) result[key] = v;
        if (result.ContainsKey("vocab")) result["tokenizer"] = "char"; // as a model trained by hebb train text says
        return new ImportedModel(model, config, result);
    }

    /// <summary>Copies the elements straight into the parameter's storage (no intermediate tensor: a 124M-parameter
    /// model is imported with one copy of its weights beside the file's).</summary>
    private static void Copy(SafetensorsTensor t, bool transposed, Tensor p)
    {
        if (p.DType != DType.Float32 || !p.IsContiguous)
            throw new InvalidOperationException($"'{t.Name}': target is not contiguous float32");
        var dst = p.Data<float>().AsSpan(p.Offset, p.Numel);
        if (!transposed)
        {
            t.Data.AsSpan().CopyTo(dst);
            return;
        }
        p.CopyFrom(Tensor.FromArray(t.Data, t.Shape).T); // stored [rows, cols], wanted [cols, rows]
    }

    // ---------------------------------------------------------------- config helpers

    private static Dictionary<string, string> ToStrings(IReadOnlyDictionary<string, JsonElement> config, string source)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in config)
        {
            meta[key] = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!,
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number) =>
                    string.Join(",", value.EnumerateArray().Select(e => e.GetRawText())),
                _ => throw new InvalidDataException(
                    $"{source}: config \"{key}\" must be a string, a number, true/false or a list of numbers"),
            };
        }
        return meta;
    }

    private static void Allow(Dictionary<string, string> meta, string source, params string[] keys)
    {
        foreach (var key in meta.Keys)
            if (!CommonKeys.Contains(key) && !keys.Contains(key))
                throw new InvalidDataException($"{source}: config field \"{key}\" is not one a '{meta["model"]}' takes " +
                    $"({string.Join(", ", CommonKeys.Concat(keys))})");
    }

    private static void Infer(Dictionary<string, string> meta, string key, int value, string source)
    {
        string text = value.ToString(CultureInfo.InvariantCulture);
        if (meta.TryGetValue(key, out var given) && given != text)
            throw new InvalidDataException($"{source}: config {key} is {given} but the weights say {text}");
        meta[key] = text;
    }

    private static void InferBool(Dictionary<string, string> meta, string key, bool value, string source)
    {
        string text = value ? "true" : "false";
        if (meta.TryGetValue(key, out var given) && given != text)
            throw new InvalidDataException($"{source}: config {key} is {given} but the weights say {text}");
        meta[key] = text;
    }

    private static void CheckVocab(Dictionary<string, string> meta, int vocab, string source)
    {
        if (!meta.TryGetValue("vocab", out var chars)) return;
        int count = chars.EnumerateRunes().Count();
        if (count != vocab)
            throw new InvalidDataException($"{source}: config vocab has {count} characters but the embedding has {vocab} rows");
    }

    private static SafetensorsTensor Require(Dictionary<string, SafetensorsTensor> tensors, string name, int rank, string source)
    {
        if (!tensors.TryGetValue(name, out var t))
            throw new InvalidDataException($"{source}: no tensor '{name}'; it has " +
                string.Join(", ", tensors.Keys.Take(8).Select(n => $"'{n}'")) +
                (tensors.Count > 8 ? ", ..." : ""));
        if (t.Shape.Length != rank)
            throw new InvalidDataException($"{source}: '{name}' has shape {ShapeUtil.Format(t.Shape)}, expected {rank} dims");
        return t;
    }

    internal static string StripPrefixes(string name)
    {
        foreach (var prefix in new[] { "_orig_mod.", "module." })
            if (name.StartsWith(prefix, StringComparison.Ordinal)) name = name[prefix.Length..];
        return name;
    }

    /// <summary>Dotted names compared part by part, numbers as numbers: "2.weight" before "10.weight".</summary>
    private sealed class NaturalOrder : IComparer<string>
    {
        public static readonly NaturalOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = x!.Split('.');
            var b = y!.Split('.');
            for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                bool na = long.TryParse(a[i], NumberStyles.None, CultureInfo.InvariantCulture, out long ia);
                bool nb = long.TryParse(b[i], NumberStyles.None, CultureInfo.InvariantCulture, out long ib);
                int c = na && nb ? ia.CompareTo(ib) : string.CompareOrdinal(a[i], b[i]);
                if (c != 0) return c;
            }
            return a.Length.CompareTo(b.Length);
        }
    }
}
