// W3 (char-LSTM) and W4 (char-GPT, nanoGPT's CPU config) on tinyshakespeare: the same data split, random
// windows, evaluation windows, schedule and figures as bench/Hebb.Bench and bench/peers/torch_bench.py.
using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

static class LanguageModels
{
    /// <summary>As Hebb's CharDataset: vocabulary = sorted distinct characters, first 90% train, last 10% validation.</summary>
    static (int Vocab, Tensor Train, Tensor Validation) LoadText()
    {
        string path = Path.Combine(
            Environment.GetEnvironmentVariable("HEBB_DATASETS") ?? "/work/shared/datasets", "tinyshakespeare", "input.txt");
        string text = File.ReadAllText(path, new System.Text.UTF8Encoding(false, true));
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var chars = text.Distinct().OrderBy(c => c).ToArray(); // the text is ASCII: chars are code points
        var index = chars.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (long)p.i);
        var ids = text.Select(c => index[c]).ToArray();
        int split = (int)(ids.Length * 0.9);
        return (chars.Length, torch.tensor(ids[..split]), torch.tensor(ids[split..]));
    }

    /// <summary>batch random windows, each start uniform over [0, len - block), as Hebb's CharDataset.RandomBatch.</summary>
    static (Tensor X, Tensor Y) RandomBatch(Tensor ids, int batch, int block)
    {
        var starts = torch.randint(ids.shape[0] - block, [batch], dtype: ScalarType.Int64);
        var idx = starts.unsqueeze(1) + torch.arange(block, dtype: ScalarType.Int64);
        return (ids[idx], ids[idx + 1]);
    }

    /// <summary>Hebb's CharDataset.EvaluationBatch: count·batch windows at evenly spaced starts over the split.</summary>
    static (Tensor X, Tensor Y) EvalBatch(Tensor ids, int index, int count, int batch, int block)
    {
        long windows = (long)count * batch, last = ids.shape[0] - block - 1;
        var starts = Enumerable.Range(0, batch).Select(b => windows == 1 ? 0 : ((long)index * batch + b) * last / (windows - 1)).ToArray();
        var idx = torch.tensor(starts).unsqueeze(1) + torch.arange(block, dtype: ScalarType.Int64);
        return (ids[idx], ids[idx + 1]);
    }

    /// <summary>Mean cross-entropy over Hebb's 20 fixed validation batches, in eval mode, without gradients.</summary>
    static double ValLoss(nn.Module<Tensor, Tensor> model, Tensor val, int batch, int block, int count = 20)
    {
        model.eval();
        double total = 0;
        using (torch.no_grad())
            for (int i = 0; i < count; i++)
            {
                using var scope = torch.NewDisposeScope();
                var (x, y) = EvalBatch(val, i, count, batch, block);
                var logits = model.forward(x);
                total += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), y.reshape(-1)).item<float>();
            }
        model.train();
        return total / count;
    }

    static int WarmupSteps(int steps) => Math.Min(10, steps / 2); // as the Hebb harness: not timed

    static Dictionary<string, object?> Record(string workload, Options o, int warm, double timed, double lastLoss, double val)
    {
        double perStep = timed / (o.Steps - warm);
        var rec = new Dictionary<string, object?> { ["workload"] = workload, ["threads"] = o.Threads };
        if (workload == "w3") rec["sec_per_100_steps"] = Math.Round(perStep * 100, 5);
        else rec["ms_per_iter"] = Math.Round(perStep * 1e3, 4);
        rec["steps"] = o.Steps;
        rec["warmup_steps"] = warm;
        rec["last_loss"] = Math.Round(lastLoss, 4);
        rec["val_loss"] = Math.Round(val, 4);
        return rec;
    }

    sealed class CharLstm : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding embedding;
        private readonly LSTM rnn;
        private readonly Linear head;

        public CharLstm(int vocab, int embed = 64, int hidden = 256) : base("CharLstm")
        {
            embedding = nn.Embedding(vocab, embed);
            rnn = nn.LSTM(embed, hidden, batchFirst: true);
            head = nn.Linear(hidden, vocab);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var (output, _, _) = rnn.forward(embedding.forward(x));
            return head.forward(output);
        }
    }

    /// <summary>Char-LSTM: Embedding(65,64) -> LSTM 256 -> Linear(256,65), block 64, batch 32, Adam 2e-3, clip 1.0.</summary>
    public static void W3(Options o)
    {
        const int batch = 32, block = 64;
        torch.random.manual_seed(0);
        var (vocab, train, val) = LoadText();
        var model = new CharLstm(vocab); // PyTorch's default init
        var adam = optim.Adam(model.parameters(), lr: 2e-3);
        int warm = WarmupSteps(o.Steps);
        double last = double.NaN;
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < o.Steps; step++)
        {
            if (step == warm) clock.Restart();
            using var scope = torch.NewDisposeScope();
            var (x, y) = RandomBatch(train, batch, block);
            var loss = nn.functional.cross_entropy(model.forward(x).reshape(-1, vocab), y.reshape(-1));
            model.zero_grad(); // set_to_none, as the PyTorch script
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            adam.step();
            last = loss.item<float>(); // every step, as the Hebb recipe
        }
        double timed = clock.Elapsed.TotalSeconds;
        double v = ValLoss(model, val, batch, block);
        Console.Error.WriteLine($"torchsharp w3: {o.Steps} steps, {timed / (o.Steps - warm) * 100:F3} s/100 steps, " +
            $"last loss {last:F4}, val loss {v:F4}");
        Workloads.Emit(Record("w3", o, warm, timed, last, v));
    }

    /// <summary>nanoGPT's LayerNorm without bias (bias false, as nanoGPT's train.py).</summary>
    sealed class LayerNormNoBias : nn.Module<Tensor, Tensor>
    {
        private readonly Parameter weight;

        public LayerNormNoBias(int n) : base("LayerNorm")
        {
            weight = nn.Parameter(torch.ones(n));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => nn.functional.layer_norm(x, [weight.shape[0]], weight, null, 1e-5);
    }

    sealed class Block : nn.Module<Tensor, Tensor>
    {
        private readonly LayerNormNoBias ln_1, ln_2;
        private readonly Linear c_attn, attn_c_proj, c_fc, mlp_c_proj;
        private readonly int nHead;

        public Block(int nEmbd, int nHead) : base("Block")
        {
            this.nHead = nHead;
            ln_1 = new LayerNormNoBias(nEmbd);
            c_attn = nn.Linear(nEmbd, 3 * nEmbd, hasBias: false);
            attn_c_proj = nn.Linear(nEmbd, nEmbd, hasBias: false);
            ln_2 = new LayerNormNoBias(nEmbd);
            c_fc = nn.Linear(nEmbd, 4 * nEmbd, hasBias: false);
            mlp_c_proj = nn.Linear(4 * nEmbd, nEmbd, hasBias: false);
            RegisterComponents();
        }

        public IEnumerable<Linear> ResidualProjections => [attn_c_proj, mlp_c_proj];

        public override Tensor forward(Tensor x)
        {
            long b = x.shape[0], t = x.shape[1], c = x.shape[2];
            var qkv = c_attn.forward(ln_1.forward(x)).split(c, 2);
            Tensor Heads(Tensor z) => z.view(b, t, nHead, c / nHead).transpose(1, 2);
            // libtorch 2.x has scaled_dot_product_attention, which nanoGPT uses when available.
            var y = nn.functional.scaled_dot_product_attention(Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]), is_casual: true);
            x = x + attn_c_proj.forward(y.transpose(1, 2).contiguous().view(b, t, c));
            return x + mlp_c_proj.forward(nn.functional.gelu(c_fc.forward(ln_2.forward(x))));
        }
    }

    /// <summary>nanoGPT's GPT (dropout 0, no biases): wte + wpe, pre-norm blocks, ln_f, unembedding tied to wte, nanoGPT's init.</summary>
    sealed class Gpt : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding wte, wpe;
        private readonly ModuleList<Block> h;
        private readonly LayerNormNoBias ln_f;

        public Gpt(int vocab, int nLayer, int nHead, int nEmbd, int block) : base("Gpt")
        {
            wte = nn.Embedding(vocab, nEmbd);
            wpe = nn.Embedding(block, nEmbd);
            h = nn.ModuleList(Enumerable.Range(0, nLayer).Select(_ => new Block(nEmbd, nHead)).ToArray());
            ln_f = new LayerNormNoBias(nEmbd);
            RegisterComponents();
            using var noGrad = torch.no_grad();
            foreach (var (name, p) in named_parameters())
                if (p.dim() >= 2) nn.init.normal_(p, 0, 0.02);
            foreach (var blk in h)
                foreach (var proj in blk.ResidualProjections) nn.init.normal_(proj.weight, 0, 0.02 / Math.Sqrt(2.0 * nLayer));
        }

        public override Tensor forward(Tensor idx)
        {
            long t = idx.shape[1];
            var x = wte.forward(idx) + wpe.forward(torch.arange(t, dtype: ScalarType.Int64));
            foreach (var blk in h) x = blk.forward(x);
            // Tied lm_head: the unembedding reuses wte's weight (one parameter, as nanoGPT's weight tying).
            return nn.functional.linear(ln_f.forward(x), wte.weight!);
        }
    }

    /// <summary>Hebb's CosineWithWarmupSchedule (nanoGPT's get_lr, with warm-up lr·(it+1)/warmup).</summary>
    static double CosineLr(int it, double maxLr = 1e-3, double minLr = 1e-4, int warmup = 100, int total = 2000) =>
        it < warmup ? maxLr * (it + 1) / warmup
        : it >= total ? minLr
        : minLr + 0.5 * (1 + Math.Cos(Math.PI * (it - warmup) / (total - warmup))) * (maxLr - minLr);

    /// <summary>nanoGPT's CPU shakespeare_char run: 4x4x128, block 64, batch 12, AdamW 1e-3 (0.9, 0.99), weight decay
    /// 0.1 on 2-D parameters, cosine to 1e-4 over 2000 iterations after 100 warm-up, clip 1.0.</summary>
    public static void W4(Options o)
    {
        const int batch = 12, block = 64;
        torch.random.manual_seed(0);
        var (vocab, train, val) = LoadText();
        var model = new Gpt(vocab, 4, 4, 128, block);
        var parameters = model.parameters().ToArray();
        var groups = new[]
        {
            new AdamW.ParamGroup(parameters.Where(p => p.dim() >= 2), new AdamW.Options { weight_decay = 0.1 }),
            new AdamW.ParamGroup(parameters.Where(p => p.dim() < 2), new AdamW.Options { weight_decay = 0.0 }),
        };
        var adamw = optim.AdamW(groups, lr: 1e-3, beta1: 0.9, beta2: 0.99);
        int warm = WarmupSteps(o.Steps);
        double last = double.NaN;
        var clock = Stopwatch.StartNew();
        for (int it = 0; it < o.Steps; it++)
        {
            if (it == warm) clock.Restart();
            foreach (var g in adamw.ParamGroups) g.LearningRate = CosineLr(it);
            using var scope = torch.NewDisposeScope();
            var (x, y) = RandomBatch(train, batch, block);
            var loss = nn.functional.cross_entropy(model.forward(x).reshape(-1, vocab), y.reshape(-1));
            model.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(parameters, 1.0);
            adamw.step();
            last = loss.item<float>();
        }
        double timed = clock.Elapsed.TotalSeconds;
        double v = ValLoss(model, val, batch, block);
        Console.Error.WriteLine($"torchsharp w4: {o.Steps} iterations, {timed / (o.Steps - warm) * 1e3:F2} ms/iter, " +
            $"last loss {last:F4}, val loss {v:F4}");
        var rec = Record("w4", o, warm, timed, last, v);
        rec["parameters"] = parameters.Sum(p => p.numel());
        Workloads.Emit(rec);
    }
}
