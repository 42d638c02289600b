using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Hebb.Autograd;
using Hebb.IO;
using Hebb.Models;
using Hebb.NN;
using Hebb.Training;

namespace Hebb.Bench;

/// <summary>W7 gpt2-generate: a GPT-2-small-sized model (124M) with random weights, written once as a Hugging Face
/// GPT-2 folder (config.json + model.safetensors, HF names, Conv1D weights [in, out], tied head) that every
/// implementation loads; then greedy generation with a key-value cache, batch 1.</summary>
internal static class GenerateWorkload
{
    /// <summary>The folder of the model, set by the harness for its children.</summary>
    public const string DirEnv = "HEBB_BENCH_W7_DIR";
    public const int Seed = 1234, PromptLength = 16, NewTokens = 64, TimedRuns = 5;

    public static readonly GptConfig Config = new(
        VocabSize: 50257, Layers: 12, Heads: 12, EmbeddingDim: 768, BlockSize: 1024, Bias: true, TiedWeights: true,
        Activation: Activation.GeluTanh);

    /// <summary>The prompt: 16 fixed token ids (the peer computes the same).</summary>
    public static int[] Prompt() => [.. Enumerable.Range(0, PromptLength).Select(i => (i * 7919 + 11) % Config.VocabSize)];

    private static readonly string[] Conv1D = ["attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"];

    /// <summary>Builds the model from <see cref="Seed"/> and writes it as a Hugging Face GPT-2 folder.</summary>
    public static void Prepare(string dir)
    {
        Directory.CreateDirectory(dir);
        var model = new Gpt(Config, new Generator(Seed));
        var tensors = new List<SafetensorsTensor>();
        // nanoGPT's init (N(0, 0.02), biases 0, LayerNorms 1 and 0) makes a model whose greedy output is one token
        // repeated: a poor check that two implementations agree. So the block matrices are 4x larger (std 0.08; c_proj
        // 4 x 0.02/sqrt(24)) and the biases and LayerNorm affines random and small; then the greedy tokens vary.
        var gen = new Generator(Seed + 1);
        foreach (var (name, p) in model.NamedParameters())
        {
            string hf = name.StartsWith("transformer.", StringComparison.Ordinal) ? name["transformer.".Length..] : name;
            var t = p;
            if (p.Shape.Length == 1)
            {
                var r = Tensor.Randn(gen, p.Shape[0]);
                bool ln = name.Contains("ln_"), weight = name.EndsWith(".weight", StringComparison.Ordinal);
                t = ln && weight ? r.Mul(0.1f).Add(1f) : r.Mul(ln ? 0.005f : 0.001f);
            }
            else if (hf.StartsWith("h.", StringComparison.Ordinal)) t = p.Mul(4f);
            if (Conv1D.Any(c => hf.EndsWith(c, StringComparison.Ordinal))) t = t.Transpose(0, 1);
            tensors.Add(new SafetensorsTensor(hf, [.. t.Shape.ToArray()], t.ToArray<float>()));
        }
        Safetensors.Save(Path.Combine(dir, "model.safetensors"), tensors);
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model_type"] = "gpt2", ["vocab_size"] = Config.VocabSize, ["n_positions"] = Config.BlockSize,
            ["n_embd"] = Config.EmbeddingDim, ["n_layer"] = Config.Layers, ["n_head"] = Config.Heads,
            ["activation_function"] = "gelu_new", ["layer_norm_epsilon"] = 1e-5, ["tie_word_embeddings"] = true,
        }));
    }

    public static void Run(ChildOptions o)
    {
        string dir = Environment.GetEnvironmentVariable(DirEnv)
            ?? throw new InvalidOperationException($"w7: {DirEnv} is not set (the harness writes the model and sets it)");
        var clock = Stopwatch.StartNew();
        var loaded = HuggingFaceGpt2.Load(dir);
        double loadSeconds = clock.Elapsed.TotalSeconds;
        var model = loaded.Model;
        int[] prompt = Prompt();
        var gen = new Generator(0);
        int[] tokens = Sampling.Generate(model, prompt, NewTokens, temperature: 0, topK: 0, gen, useCache: true); // warm-up
        var times = new List<double>();
        for (int r = 0; r < TimedRuns; r++)
        {
            clock.Restart();
            int[] again = Sampling.Generate(model, prompt, NewTokens, temperature: 0, topK: 0, gen, useCache: true);
            times.Add(clock.Elapsed.TotalSeconds);
            if (!again.SequenceEqual(tokens)) throw new InvalidOperationException("w7: greedy generation is not repeatable");
        }
        double median = Stats.Median(times);
        Console.Error.WriteLine($"hebb w7 threads {o.Threads}: load {loadSeconds:F2} s, {NewTokens / median:F1} tokens/s " +
            $"(median of {TimedRuns}: {string.Join(", ", times.Select(t => t.ToString("F3", CultureInfo.InvariantCulture)))} s)");
        Json.Emit(Record("hebb", o.Threads, loadSeconds, times, tokens));
    }

    public static Dictionary<string, object?> Record(string impl, int threads, double loadSeconds, List<double> times, int[] tokens) =>
        new()
    {
        ["workload"] = "w7", ["impl"] = impl, ["threads"] = threads, ["parameters"] = Config.ParameterCount,
        ["prompt_tokens"] = PromptLength, ["new_tokens"] = NewTokens, ["load_seconds"] = Math.Round(loadSeconds, 3),
        ["generate_seconds"] = Math.Round(Stats.Median(times), 4),
        ["tokens_per_second"] = Math.Round(NewTokens / Stats.Median(times), 2),
        ["generate_seconds_all"] = times.Select(t => Math.Round(t, 4)).ToArray(), ["tokens"] = tokens,
        ["max_rss_mb"] = Proc.MaxRssMb(),
    };
}
