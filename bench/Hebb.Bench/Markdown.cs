using Hebb.Cli.Recipes;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Hebb.Bench;

/// <summary>The human-readable report: Markdown tables built from the JSON records.</summary>
internal static class Markdown
{
    private static readonly string[] Peers = ["pytorch", "torchsharp"];

    public static string Render(IReadOnlyDictionary<string, string> meta, IReadOnlyList<JsonObject> records, IReadOnlyList<string> notes)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Hebb benchmarks").AppendLine();
        sb.AppendLine($"Command: `{meta["command"]}`").AppendLine();
        sb.AppendLine($"Machine: {meta["cpu"]}, {meta["logical_cores"]} cores, {meta["memory_gib"]} GiB; {meta["os"]}; {meta["dotnet"]}. " +
                      $"Hebb src at commit {meta["hebb_commit"]} (checkout {meta["checkout_commit"]}). {meta["date_utc"]}. " +
                      $"Load average before/after: {meta["load_before"]} / {meta["load_after"]}.");
        // Peers print a w5-info / w6-info line (version, the BLAS they call; for W6 PyTorch also whether it has oneDNN).
        var infos = records.Where(r => r.Str("workload") is "w5-info" or "w6-info")
            .GroupBy(r => r.Str("impl")).Select(g => g.First()).ToList();
        if (infos.Count > 0)
            sb.AppendLine().AppendLine("Peers: " + string.Join("; ", infos.Select(i =>
                $"{i.Str("impl")} {i.Str("version")} with {i.Str("blas")}" +
                (i.TryGetPropertyValue("mkldnn", out var dnn) && dnn is JsonValue v && v.TryGetValue(out bool has)
                    ? (has ? ", oneDNN (mkldnn) available" : ", no oneDNN (mkldnn)")
                    : ""))) + ".");
        sb.AppendLine().AppendLine("Ratio = peer time / Hebb time: above 1 means Hebb is faster. " +
            "Each implementation, workload and thread count ran in its own process; " +
            "max RSS is that process's peak resident memory (VmHWM).");

        Peak(sb, records);
        W1(sb, records);
        W2(sb, records);
        W3(sb, records);
        W4(sb, records);
        W5(sb, records);
        W6(sb, records);
        W7(sb, records);
        W8(sb, records);

        var errors = records.Where(r => r.ContainsKey("error")).ToList();
        if (errors.Count > 0 || notes.Count > 0)
        {
            sb.AppendLine().AppendLine("## Problems").AppendLine();
            foreach (var e in errors) sb.AppendLine($"- {e.Str("impl")} {e.Str("workload")} threads {e.Num("threads")}: {e.Str("error")}");
            foreach (var n in notes) sb.AppendLine($"- {n}");
        }
        return sb.ToString();
    }

    private static IEnumerable<JsonObject> Ok(IEnumerable<JsonObject> records, string workload) =>
        records.Where(r => r.Str("workload") == workload && !r.ContainsKey("error"));

    private static void Peak(StringBuilder sb, IReadOnlyList<JsonObject> records)
    {
        var peaks = Ok(records, "peak").ToList();
        if (peaks.Count == 0) return;
        var p0 = peaks[0];
        sb.AppendLine().AppendLine($"## Peak: FMA throughput ({p0.Num("vector_bits")}-bit {p0.Str("isa")} FMA, " +
            $"{p0.Num("accumulators")} independent accumulators per thread, in the same .NET harness)").AppendLine();
        sb.AppendLine("| threads | GFLOPS | GFLOPS per thread | other load (cores) |").AppendLine("|---:|---:|---:|---:|");
        foreach (var p in peaks)
            sb.AppendLine($"| {p.Num("threads")} | {F(p.Num("gflops"), 1)} | {F(p.Num("gflops_per_thread"), 1)} | " +
                $"{F(p.Num("other_load_cores"), 2)} |");
    }

    private static void W1(StringBuilder sb, IReadOnlyList<JsonObject> records)
    {
        var rows = Ok(records, "w1").ToList();
        if (rows.Count == 0) return;
        var hebb = rows.FirstOrDefault(r => r.Str("impl") == "hebb");
        var hebbTrainer = rows.FirstOrDefault(r => r.Str("impl") == "hebb-trainer");
        int epochs = (int)(rows[0].Num("epochs") ?? 0);
        sb.AppendLine().AppendLine($"## W1 seed-mlp: MNIST 784-16-16-10 sigmoid, squared-error cost, SGD lr 3.0, " +
            $"batch 100 (600 steps/epoch), {epochs} epoch(s)").AppendLine();
        sb.AppendLine(epochs > 1
            ? $"s/epoch: median of epochs 2–{epochs} (steady state; epoch 1 apart); best: fastest epoch. " +
              $"Test accuracy on the 10,000 test images after epoch {epochs}."
            : "s/epoch: the single epoch run (--quick). Test accuracy on the 10,000 test images after it.").AppendLine();
        if (hebbTrainer is not null)
            sb.AppendLine("`hebb`: the README's step loop written out (forward, `SquaredErrorCost`, `ZeroGrad`, `Backward`, `Step`); " +
                          "`hebb-trainer`: the library's `Trainer.TrainEpoch` (what `hebb train` runs), same model, data and seed. " +
                          "Ratio = peer time / `hebb` time; ratio (trainer) = peer time / `hebb-trainer` time.").AppendLine();
        sb.AppendLine("| impl | threads | s/epoch | best epoch s | epoch 1 s | s/100 steps | test accuracy | " +
            "alloc/step (this thread / all threads) | max RSS MB | other load (cores) | ratio |" +
            (hebbTrainer is null ? "" : " ratio (trainer) |"));
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + (hebbTrainer is null ? "" : "---:|"));
        foreach (var r in rows)
        {
            string alloc = r.Num("alloc_bytes_per_step") is double a ? $"{Bytes(a)} / {Bytes(r.Num("alloc_total_bytes_per_step"))}" : "—";
            bool isHebb = r.Str("impl")!.StartsWith("hebb", StringComparison.Ordinal);
            string ratio = isHebb ? "—" : F(r.Num("epoch_seconds") / hebb?.Num("epoch_seconds"), 2);
            string ratioTrainer = hebbTrainer is null
                ? ""
                : (isHebb ? " — |" : $" {F(r.Num("epoch_seconds") / hebbTrainer.Num("epoch_seconds"), 2)} |");
            double? best = r["epoch_seconds_all"] is JsonArray all && all.Count > 0 ? all.Min(x => x!.GetValue<double>()) : null;
            sb.AppendLine($"| {r.Str("impl")} | {r.Num("threads")} | {F(r.Num("epoch_seconds"), 3)} | {F(best, 3)} | " +
                          $"{F(r.Num("first_epoch_seconds"), 3)} | {F(r.Num("sec_per_100_steps"), 4)} | " +
                          $"{F(r.Num("test_accuracy") * 100, 2)}% | {alloc} | {F(r.Num("max_rss_mb"), 0)} | " +
                          $"{F(r.Num("other_load_cores"), 2)} | {ratio} |{ratioTrainer}");
        }
    }

    private static void W2(StringBuilder sb, IReadOnlyList<JsonObject> records)
    {
        var rows = Ok(records, "w2").ToList();
        if (rows.Count == 0) return;
        var hebb = rows.FirstOrDefault(r => r.Str("impl") == "hebb");
        var r0 = rows[0];
        int epochs = (int)(r0.Num("epochs") ?? 0), steps = (int)(r0.Num("steps_per_epoch") ?? 0);
        bool whole = r0.ContainsKey("epoch_seconds");
        sb.AppendLine().AppendLine(
            $"## W2 LeNet-5: MNIST, cross-entropy, Adam lr 1e-3, batch 64 ({steps} steps/epoch), {epochs} epoch(s)").AppendLine();
        sb.AppendLine(whole
            ? (epochs > 1 ? $"s/epoch: median of epochs 2–{epochs}; epoch 1 apart." : "s/epoch: the single epoch.") +
              " Test accuracy on the 10,000 test images after epoch 1."
            : $"Shortened run (--quick or --steps): each epoch is one shuffled pass over the first {F(r0.Num("train_images"), 0)} " +
              "training images only, so there is no s/epoch; " +
              "s/100 steps is from that pass, and the test accuracy (10,000 test images) is after it.").AppendLine();
        sb.AppendLine("`hebb`: `new LeNet5Config().Build(gen)`, `Trainer.TrainEpoch` with `Adam` and `Losses.CrossEntropy`, " +
                      "`DataLoader(batch 64, shuffle, recycleBatches)`. " +
                      "Peers: the same layers with PyTorch's default init, a `randperm` per epoch, batches by `index_select`, " +
                      "`zero_grad` to None. Ratio = peer time / Hebb time.").AppendLine();
        sb.AppendLine("| impl | threads | s/epoch | epoch 1 s | s/100 steps | test accuracy | alloc/step (this thread / all threads) | " +
            "max RSS MB | other load (cores) | ratio |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            string alloc = r.Num("alloc_bytes_per_step") is double a ? $"{Bytes(a)} / {Bytes(r.Num("alloc_total_bytes_per_step"))}" : "—";
            string ratio = r.Str("impl") == "hebb" ? "—" : F(r.Num("sec_per_100_steps") / hebb?.Num("sec_per_100_steps"), 2);
            sb.AppendLine($"| {r.Str("impl")} | {r.Num("threads")} | {F(r.Num("epoch_seconds"), 3)} | " +
                          $"{F(r.Num("first_epoch_seconds"), 3)} | {F(r.Num("sec_per_100_steps"), 4)} | " +
                          $"{F(r.Num("test_accuracy") * 100, 2)}% | {alloc} | {F(r.Num("max_rss_mb"), 0)} | " +
                          $"{F(r.Num("other_load_cores"), 2)} | {ratio} |");
        }
    }

    private static void W3(StringBuilder sb, IReadOnlyList<JsonObject> records)
    {
        var rows = Ok(records, "w3").ToList();
        if (rows.Count == 0) return;
        var r0 = rows[0];
        sb.AppendLine().AppendLine($"## W3 char-LSTM: tinyshakespeare, Embedding(65,64)-LSTM(256)-Linear(256,65), block 64, batch 32, " +
            $"Adam 2e-3, clip 1.0, {F(r0.Num("steps"), 0)} steps").AppendLine();
        sb.AppendLine($"s/100 steps: steps {F(r0.Num("warmup_steps") + 1, 0)}–{F(r0.Num("steps"), 0)} " +
                      $"(the first {F(r0.Num("warmup_steps"), 0)} are warm-up). " +
                      "Validation loss after the last step: mean cross-entropy over 20 fixed batches " +
                      "(640 windows at evenly spaced starts of the last 10% of the text), the same windows in every implementation. " +
                      "`hebb`: `LanguageModelRecipe.Run` (what `hebb train text` runs) with its defaults. " +
                      "Peers: `nn.Embedding`, `nn.LSTM(batch_first)`, `nn.Linear` with PyTorch's default init, " +
                      "`clip_grad_norm_`, `Adam`. Ratio = peer time / Hebb time.").AppendLine();
        LmTable(sb, rows, "s/100 steps", "sec_per_100_steps", 4);
    }

    private static void W4(StringBuilder sb, IReadOnlyList<JsonObject> records)
    {
        var rows = Ok(records, "w4").ToList();
        if (rows.Count == 0) return;
        var r0 = rows[0];
        sb.AppendLine().AppendLine($"## W4 char-GPT: nanoGPT's CPU shakespeare_char config " +
            "(4 layers, 4 heads, n_embd 128, block 64, batch 12, dropout 0, no biases, tied lm_head), " +
            $"{F(r0.Num("steps"), 0)} iterations").AppendLine();
        sb.AppendLine($"AdamW lr 1e-3, betas (0.9, 0.99), weight decay 0.1 on 2-D parameters only, " +
                      "100 warm-up iterations then cosine to 1e-4 at iteration 2000, clip 1.0. " +
                      $"ms/iter: iterations {F(r0.Num("warmup_steps") + 1, 0)}–{F(r0.Num("steps"), 0)}. " +
                      "Validation loss after the last iteration: 20 fixed batches of 12 windows of 64 at evenly spaced starts " +
                      "of the validation split (as W3). " +
                      "`hebb`: `Gpt` (`GptConfig`), `AdamW` with `ParameterGroup.DecayMatricesOnly`, `CosineWithWarmupSchedule`, " +
                      "`GradientClipping.ClipGradNorm`, one `TensorScope` per step. " +
                      "Peers: nanoGPT's model written out (nanoGPT init; PyTorch 1.13 has no `scaled_dot_product_attention`, " +
                      "so its explicit masked-softmax path). Ratio = peer time / Hebb time.").AppendLine();
        LmTable(sb, rows, "ms/iter", "ms_per_iter", 2);
    }

    private static void LmTable(StringBuilder sb, List<JsonObject> rows, string label, string key, int decimals)
    {
        var hebb = rows.FirstOrDefault(r => r.Str("impl") == "hebb");
        sb.AppendLine($"| impl | threads | {label} | last training loss | validation loss | alloc/step (this thread / all threads) | " +
            "max RSS MB | other load (cores) | ratio |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            string alloc = r.Num("alloc_bytes_per_step") is double a ? $"{Bytes(a)} / {Bytes(r.Num("alloc_total_bytes_per_step"))}" : "—";
            string ratio = r.Str("impl") == "hebb" ? "—" : F(r.Num(key) / hebb?.Num(key), 2);
            sb.AppendLine($"| {r.Str("impl")} | {r.Num("threads")} | {F(r.Num(key), decimals)} | " +
                          $"{F(r.Num("last_loss"), 4)} | {F(r.Num("val_loss"), 4)} | {alloc} | " +
                          $"{F(r.Num("max_rss_mb"), 0)} | {F(r.Num("other_load_cores"), 2)} | {ratio} |");
        }
    }

    private static void W6(StringBuilder sb, IReadOnlyList<JsonObject> records)
    {
        var rows = Ok(records, "w6").ToList();
        if (rows.Count == 0) return;
        sb.AppendLine().AppendLine(
            "## W6 conv2d: LeNet-5's two convolutions at batch 64, float32, with bias; ms per iteration").AppendLine();
        sb.AppendLine("`fwd`: forward under no-grad (`GradMode.NoGrad`, `torch.no_grad`); " +
                      "`fwd+bwd`: zero the gradients in place, forward, `sum()`, backward " +
                      "(weight and bias gradients, plus the input's for conv2, whose input comes out of earlier layers; " +
                      "conv1's input is the images). " +
                      "Each Hebb iteration runs in a `TensorScope`. " +
                      "Warm-up, then best of 3 repetitions of ≥ 0.5 s each (0.2 s with --quick). " +
                      "In brackets: nominal GFLOPS (2·multiply-adds of the forward, ×2 for fwd+bwd without the input gradient, " +
                      "×3 with it). Ratio = peer time / Hebb time.").AppendLine();
        string[] candidates = ["hebb", .. Peers];
        var impls = candidates.Where(i => rows.Any(r => r.Str("impl") == i)).ToList();
        sb.Append("| layer | input · weight | pass | threads |");
        foreach (var i in impls) sb.Append($" {i} ms |");
        foreach (var i in impls.Where(i => Peers.Contains(i))) sb.Append($" ratio {i} |");
        sb.AppendLine();
        sb.Append("|---|---|---|---:|")
            .Append(string.Concat(Enumerable.Repeat("---:|", impls.Count + impls.Count(i => Peers.Contains(i))))).AppendLine();
        var keys = rows.Select(r => (T: (int)r.Num("threads")!.Value, Layer: r.Str("layer")!, Pass: r.Str("pass")!)).Distinct().ToList();
        foreach (var key in keys.OrderBy(k => k.T).ThenBy(k => keys.IndexOf(k)))
        {
            JsonObject? Get(string impl) => rows.FirstOrDefault(r =>
                r.Str("impl") == impl && r.Num("threads") == key.T && r.Str("layer") == key.Layer && r.Str("pass") == key.Pass);
            var any = impls.Select(Get).First(r => r is not null)!;
            string pad = any.Num("padding") is double p && p > 0 ? $", pad {p}" : "";
            sb.Append($"| {key.Layer} | {Dims(any["input_shape"])} · {Dims(any["weight_shape"])}{pad} | {key.Pass} | {key.T} |");
            foreach (var i in impls)
            {
                var r = Get(i);
                sb.Append(r is null ? " — |" : $" {F(r.Num("ms_per_iter"), 3)} ({F(r.Num("gflops"), 1)}) |");
            }
            foreach (var i in impls.Where(i => Peers.Contains(i)))
                sb.Append($" {F(Get(i)?.Num("ms_per_iter") / Get("hebb")?.Num("ms_per_iter"), 2)} |");
            sb.AppendLine();
        }
        var rss = rows.GroupBy(r => (Impl: r.Str("impl"), T: (int)r.Num("threads")!.Value))
            .Select(g => $"{g.Key.Impl} {g.Key.T}t {F(g.Max(r => r.Num("max_rss_mb")), 0)} MB " +
                $"(other load {F(g.Max(r => r.Num("other_load_cores")), 2)})");
        sb.AppendLine().AppendLine(
            $"Max RSS per W6 process, and the cores other processes on this shared machine used meanwhile: {string.Join(", ", rss)}.");
    }

    private static void W7(StringBuilder sb, IReadOnlyList<JsonObject> records)
    {
        var rows = Ok(records, "w7").ToList();
        if (rows.Count == 0) return;
        var r0 = rows[0];
        sb.AppendLine().AppendLine($"## W7 gpt2-generate: GPT-2-small-sized model ({F(r0.Num("parameters") / 1e6, 1)}M parameters, " +
            $"random weights), greedy, {F(r0.Num("prompt_tokens"), 0)}-token prompt + {F(r0.Num("new_tokens"), 0)} new tokens, " +
            "key-value cache, batch 1").AppendLine();
        sb.AppendLine("12 layers, 12 heads, n_embd 768, vocab 50,257, block 1,024, biases, tanh GELU, tied head. " +
                      "The harness writes the model once (Hebb, fixed seed) as a Hugging Face GPT-2 folder (config.json + " +
                      "model.safetensors, F32, Conv1D weights [in, out]) in a temporary folder; every process loads that same file. " +
                      "Load s: `HuggingFaceGpt2.Load(dir)` for Hebb (it builds the network, reads the file, copies the weights in, " +
                      "and makes GPT-2's tokenizer); for PyTorch, reading the file without the safetensors package " +
                      "(header length + JSON + raw F32 into one buffer, tensors as views of it). " +
                      "Tokens/s: new tokens / wall time of a whole generation (prompt included), median of 5 after one warm-up. " +
                      "`hebb`: `Sampling.Generate(model, prompt, 64, temperature: 0, ..., useCache: true)`. " +
                      "PyTorch: GPT-2's forward in plain torch (`addmm` on the Conv1D weights as stored, tied head), " +
                      "its own preallocated key-value cache fed one token at a time, argmax, under `torch.inference_mode()`. " +
                      "Ratio = peer time / Hebb time (above 1: Hebb faster).").AppendLine();
        var hebbByThreads = rows.Where(r => r.Str("impl") == "hebb").ToDictionary(r => (int)r.Num("threads")!.Value);
        sb.AppendLine("| impl | threads | load s | tokens/s | s per generation | same greedy tokens as Hebb | " +
            "max RSS MB | other load (cores) | ratio |");
        sb.AppendLine("|---|---:|---:|---:|---:|---|---:|---:|---:|");
        foreach (var r in rows.OrderBy(r => r.Num("threads")))
        {
            hebbByThreads.TryGetValue((int)r.Num("threads")!.Value, out var h);
            bool isHebb = r.Str("impl") == "hebb";
            string same = isHebb || h is null ? "—" : SameTokens(r, h);
            string ratio = isHebb ? "—" : F(r.Num("generate_seconds") / h?.Num("generate_seconds"), 2);
            sb.AppendLine($"| {r.Str("impl")} | {r.Num("threads")} | {F(r.Num("load_seconds"), 2)} | " +
                $"{F(r.Num("tokens_per_second"), 1)} | " +
                          $"{F(r.Num("generate_seconds"), 3)} | {same} | {F(r.Num("max_rss_mb"), 0)} | " +
                          $"{F(r.Num("other_load_cores"), 2)} | {ratio} |");
        }
    }

    private static void W8(StringBuilder sb, IReadOnlyList<JsonObject> records)
    {
        var rows = Ok(records, "w8").ToList();
        if (rows.Count == 0) return;
        sb.AppendLine().AppendLine("## W8 onnx-infer: forward passes (inference), ms per forward; batch 1 latency, batch 64 throughput")
            .AppendLine();
        sb.AppendLine("LeNet-5 on a random (B,1,28,28) input; the small GPT (`hebb train text --model gpt`'s default: 4 layers, " +
                      "4 heads, n_embd 128, block 64, vocab 65, no biases) on (B,64) token ids, all logits. " +
                      "`hebb`: `model.Forward(x)` in eval mode under `GradMode.NoGrad()` in a `TensorScope`; " +
                      "`onnxruntime`: ONNX Runtime 1.31.1 (C#) running Hebb's own export of the same model (`OnnxExport.ToBytes`), " +
                      "default graph optimisations, `IntraOpNumThreads` = threads, `InterOpNumThreads` = 1, input preallocated; " +
                      "`pytorch`: the same layers in torch (default init; timing does not depend on the weights) under " +
                      "`torch.inference_mode()`. Warm-up, then best of 3 repetitions of ≥ 0.5 s. " +
                      "In brackets: samples per second. Ratio = peer time / Hebb time.").AppendLine();
        string[] candidates = ["hebb", "onnxruntime", "pytorch"];
        var impls = candidates.Where(i => rows.Any(r => r.Str("impl") == i)).ToList();
        var peers = impls.Where(i => i != "hebb").ToList();
        sb.Append("| model | batch | threads |");
        foreach (var i in impls) sb.Append($" {i} ms |");
        foreach (var i in peers) sb.Append($" ratio {i} |");
        sb.AppendLine();
        sb.Append("|---|---:|---:|").Append(string.Concat(Enumerable.Repeat("---:|", impls.Count + peers.Count))).AppendLine();
        var keys = rows.Select(r => (T: (int)r.Num("threads")!.Value, Model: r.Str("model")!, B: (int)r.Num("batch")!.Value))
            .Distinct().ToList();
        foreach (var key in keys.OrderBy(k => k.T).ThenBy(k => keys.IndexOf(k)))
        {
            JsonObject? Get(string impl) => rows.FirstOrDefault(r =>
                r.Str("impl") == impl && r.Num("threads") == key.T && r.Str("model") == key.Model && r.Num("batch") == key.B);
            sb.Append($"| {key.Model} | {key.B} | {key.T} |");
            foreach (var i in impls)
            {
                var r = Get(i);
                sb.Append(r is null ? " — |" : $" {F(r.Num("ms_per_forward"), 3)} ({F(r.Num("samples_per_second"), 0)}/s) |");
            }
            foreach (var i in peers) sb.Append($" {F(Get(i)?.Num("ms_per_forward") / Get("hebb")?.Num("ms_per_forward"), 2)} |");
            sb.AppendLine();
        }
        var rss = rows.GroupBy(r => (Impl: r.Str("impl"), T: (int)r.Num("threads")!.Value))
            .Select(g => $"{g.Key.Impl} {g.Key.T}t {F(g.Max(r => r.Num("max_rss_mb")), 0)} MB");
        sb.AppendLine().AppendLine($"Max RSS per W8 process: {string.Join(", ", rss)}.");
    }

    private static string SameTokens(JsonObject a, JsonObject b)
    {
        if (a["tokens"] is not JsonArray ta || b["tokens"] is not JsonArray tb) return "?";
        int n = Math.Min(ta.Count, tb.Count), i = 0;
        while (i < n && ta[i]!.GetValue<int>() == tb[i]!.GetValue<int>()) i++;
        return i == n && ta.Count == tb.Count ? $"yes, all {n}" : $"no: first {i} of {Math.Max(ta.Count, tb.Count)} agree";
    }

    private static string Dims(JsonNode? node) =>
        node is JsonArray a ? string.Join("×", a.Select(x => x!.GetValue<int>().ToString(CultureInfo.InvariantCulture))) : "?";

    private static void W5(StringBuilder sb, IReadOnlyList<JsonObject> records)
    {
        var rows = Ok(records, "w5").ToList();
        if (rows.Count == 0) return;
        var peak = Ok(records, "peak").ToDictionary(p => (int)p.Num("threads")!.Value, p => p.Num("gflops")!.Value);
        sb.AppendLine().AppendLine("## W5 sgemm: C = A·B, float32, row-major; GFLOPS = 2·m·n·k / s").AppendLine();
        sb.AppendLine("Warm-up, then best of 3 repetitions of ≥ 0.5 s each (0.2 s with --quick). " +
                      "`hebb` is the kernel `Hebb.Kernels.Gemm.Multiply` into a preallocated C; " +
                      "`hebb-tensor` is `a.MatMul(b)` (allocates C); " +
                      "the peers write into a preallocated C (`torch.mm(a, b, out=c)`, TorchSharp `c.addmm_(a, b, beta: 0)`). " +
                      "In brackets: fraction of the measured FMA peak at that thread count. " +
                      "Ratio = peer time / Hebb kernel time.").AppendLine();
        string[] candidates = ["hebb", "hebb-tensor", .. Peers];
        var impls = candidates.Where(i => rows.Any(r => r.Str("impl") == i)).ToList();
        sb.Append("| m×k×n | threads |");
        foreach (var i in impls) sb.Append($" {i} GFLOPS |");
        foreach (var i in impls.Where(i => Peers.Contains(i))) sb.Append($" ratio {i} |");
        sb.AppendLine();
        sb.Append("|---|---:|")
            .Append(string.Concat(Enumerable.Repeat("---:|", impls.Count + impls.Count(i => Peers.Contains(i))))).AppendLine();
        var keys = rows
            .Select(r => (T: (int)r.Num("threads")!.Value, M: (int)r.Num("m")!.Value, K: (int)r.Num("k")!.Value, N: (int)r.Num("n")!.Value))
            .Distinct().ToList();
        foreach (var key in keys.OrderBy(k => k.T).ThenBy(k => keys.IndexOf(k)))
        {
            double? G(string impl) => rows.FirstOrDefault(r => r.Str("impl") == impl && r.Num("threads") == key.T
                && r.Num("m") == key.M && r.Num("k") == key.K && r.Num("n") == key.N)?.Num("gflops");
            sb.Append($"| {key.M}×{key.K}×{key.N} | {key.T} |");
            foreach (var i in impls)
            {
                double? g = G(i);
                string pct = g is double gv && peak.TryGetValue(key.T, out double pk) ? $" ({gv / pk * 100:F0}%)" : "";
                sb.Append($" {F(g, 1)}{pct} |");
            }
            foreach (var i in impls.Where(i => Peers.Contains(i))) sb.Append($" {F(G("hebb") / G(i), 2)} |");
            sb.AppendLine();
        }
        var rss = rows.GroupBy(r => (Impl: r.Str("impl") == "hebb-tensor" ? "hebb" : r.Str("impl"), T: (int)r.Num("threads")!.Value))
            .Select(g => $"{g.Key.Impl} {g.Key.T}t {F(g.Max(r => r.Num("max_rss_mb")), 0)} MB " +
                $"(other load {F(g.Max(r => r.Num("other_load_cores")), 2)})").Distinct();
        sb.AppendLine().AppendLine(
            $"Max RSS per W5 process, and the cores other processes on this shared machine used meanwhile: {string.Join(", ", rss)}.");
        var bad = rows.Where(r => r.Num("rel_err") > 1e-4).ToList();
        if (bad.Count > 0)
            sb.AppendLine().AppendLine("**Wrong results:** " + string.Join(", ", bad.Select(r =>
                $"{r.Str("impl")} {r.Num("m")}x{r.Num("k")}x{r.Num("n")} rel err {r.Num("rel_err"):G3}")));
        else
            sb.AppendLine().AppendLine("All products checked against float64 on sampled rows " +
                $"(largest relative error {rows.Max(r => r.Num("rel_err") ?? 0):G2}).");
    }

    private static string F(double? v, int decimals) =>
        v is double d && double.IsFinite(d)
            ? d.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
            : "—";

    private static string Bytes(double? b) => b switch
    {
        null => "—",
        >= 1 << 20 => $"{b.Value / (1 << 20):F2} MB",
        >= 1 << 10 => $"{b.Value / (1 << 10):F1} KB",
        _ => $"{b.Value:F0} B",
    };
}
