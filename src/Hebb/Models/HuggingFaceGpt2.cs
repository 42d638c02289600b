using System.Globalization;
using System.Text.Json;
using Hebb.Data;
using Hebb.IO;
using Hebb.NN;

namespace Hebb.Models;

/// <summary>A Hugging Face GPT-2 read into Hebb: the network (as <see cref="Gpt"/>), its config and its tokenizer.</summary>
/// <param name="Model">The network with the checkpoint's weights.</param>
/// <param name="Config">Its shape, from config.json.</param>
/// <param name="Tokenizer">vocab.json + merges.txt from the folder when present, else GPT-2's own vocabulary.</param>
/// <param name="Metadata">The metadata of a Hebb model file of it (config, plus tokenizer = gpt2).</param>
public sealed record HuggingFaceModel(Gpt Model, GptConfig Config, Gpt2Tokenizer Tokenizer, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Loads a Hugging Face GPT-2 folder (what <c>save_pretrained</c> writes, or a download of openai-community/gpt2):
/// config.json (n_embd, n_layer, n_head, n_positions, vocab_size, layer_norm_epsilon, activation_function) and
/// model.safetensors (h.0.attn.c_attn.weight, ..., with or without a "transformer." prefix; Conv1D weights stored
/// [in, out]; biases; the tied lm_head; the attn.bias / attn.masked_bias buffers are skipped). GPT-2 is nanoGPT's GPT
/// with biases, GELU in its tanh form (gelu_new) and LayerNorm eps 1e-5, so it becomes a <see cref="Gpt"/>.
/// </summary>
public static class HuggingFaceGpt2
{
    /// <summary>Whether <paramref name="path"/> is a folder with config.json and model.safetensors.</summary>
    public static bool IsModelFolder(string path) =>
        Directory.Exists(path) && File.Exists(Path.Combine(path, "config.json"))
        && (File.Exists(Path.Combine(path, "model.safetensors")) || File.Exists(Path.Combine(path, "pytorch_model.bin")));

    /// <summary>Reads the folder <paramref name="dir"/>.</summary>
    /// <exception cref="FileNotFoundException">config.json or model.safetensors is missing.</exception>
    /// <exception cref="InvalidDataException">The config or the weights are not a GPT-2 Hebb can build (a pickled
    /// pytorch_model.bin is refused, with how to convert it).</exception>
    public static HuggingFaceModel Load(string dir)
    {
        string configPath = Path.Combine(dir, "config.json"), weightsPath = Path.Combine(dir, "model.safetensors");
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"{dir}: no config.json (a Hugging Face model folder has one)", configPath);
        if (!File.Exists(weightsPath))
        {
            string bin = Path.Combine(dir, "pytorch_model.bin");
            if (File.Exists(bin)) Safetensors.Load(bin); // refused with the pickle message and how to convert
            if (File.Exists(Path.Combine(dir, "model.safetensors.index.json")))
                throw new InvalidDataException(
                    $"{dir}: the weights are sharded (model.safetensors.index.json); Hebb reads one model.safetensors");
            throw new FileNotFoundException($"{dir}: no model.safetensors", weightsPath);
        }
        var meta = ReadConfig(configPath);
        // The network first, from config.json alone: the garbage its random initialisation leaves is collected before
        // the weights file is read, so a 124M-parameter checkpoint peaks at about the weights twice (file and model).
        GptConfig built;
        try
        {
            built = GptConfig.FromMetadata(meta, configPath);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{configPath}: {e.Message}", e);
        }
        Gpt prebuilt;
        using (Init.SkipRandom()) prebuilt = new Gpt(built, new Generator(0)); // every weight comes from the file
        GC.Collect();
        SafetensorsFile? file = Safetensors.Load(weightsPath);
        var tensors = new Dictionary<string, SafetensorsTensor>(StringComparer.Ordinal);
        foreach (var t in file.Tensors)
        {
            string name = t.Name.StartsWith("transformer.", StringComparison.Ordinal) ? t.Name["transformer.".Length..] : t.Name;
            tensors[name == "lm_head.weight" ? name : "transformer." + name] = t;
        }
        var imported = PyTorchImport.BuildGpt(tensors, meta, weightsPath, transposed: true, prebuilt);
        file = null;
        tensors.Clear();
        GC.Collect(); // the file's copy of the weights
        string vocab = Path.Combine(dir, "vocab.json"), merges = Path.Combine(dir, "merges.txt");
        var tokenizer = File.Exists(vocab) && File.Exists(merges) ? Gpt2Tokenizer.FromFiles(vocab, merges) : Gpt2Tokenizer.Builtin();
        var config = (GptConfig)imported.Config;
        var metadata = new Dictionary<string, string>(imported.Metadata) { ["tokenizer"] = "gpt2" };
        return new HuggingFaceModel((Gpt)imported.Model, config, tokenizer, metadata);
    }

    /// <summary>config.json's fields under Hebb's metadata names.</summary>
    private static Dictionary<string, string> ReadConfig(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: not a JSON object");
        if (root.TryGetProperty("model_type", out var type) && type.GetString() is { } t && t != "gpt2")
            throw new InvalidDataException($"{path}: model_type '{t}'; Hebb reads GPT-2 (model_type gpt2) folders");
        string Int(string key)
        {
            if (!root.TryGetProperty(key, out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int i))
                throw new InvalidDataException($"{path}: \"{key}\" must be an integer");
            return i.ToString(CultureInfo.InvariantCulture);
        }
        var meta = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["model"] = GptConfig.KindName,
            ["n_head"] = Int("n_head"),
            ["n_embd"] = Int("n_embd"),
            ["n_layer"] = Int("n_layer"),
            ["block_size"] = Int("n_positions"),
            ["vocab_size"] = Int("vocab_size"),
        };
        string act = root.TryGetProperty("activation_function", out var a) ? a.GetString() ?? "gelu_new" : "gelu_new";
        meta["activation"] = act;
        double eps = root.TryGetProperty("layer_norm_epsilon", out var e) ? e.GetDouble() : 1e-5;
        meta["layer_norm_eps"] = eps.ToString("R", CultureInfo.InvariantCulture);
        meta["bias"] = "true";
        meta["dropout"] = "0";
        meta["tied"] = root.TryGetProperty("tie_word_embeddings", out var tie) && tie.ValueKind == JsonValueKind.False ? "false" : "true";
        if (root.TryGetProperty("n_inner", out var inner) && inner.ValueKind == JsonValueKind.Number
            && inner.GetInt32() != 4 * int.Parse(meta["n_embd"], CultureInfo.InvariantCulture))
            throw new InvalidDataException($"{path}: n_inner {inner.GetInt32()}; Hebb's GPT has an MLP of 4 x n_embd");
        foreach (var flag in new[] { "scale_attn_by_inverse_layer_idx", "add_cross_attention" })
            if (root.TryGetProperty(flag, out var f) && f.ValueKind == JsonValueKind.True)
                throw new InvalidDataException($"{path}: {flag} is true; Hebb's GPT does not do that");
        if (root.TryGetProperty("scale_attn_weights", out var s) && s.ValueKind == JsonValueKind.False)
            throw new InvalidDataException($"{path}: scale_attn_weights is false; Hebb's attention is scaled by 1/sqrt(d_k)");
        return meta;
    }
}
