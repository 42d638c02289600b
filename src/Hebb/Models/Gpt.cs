using Hebb.NN;

namespace Hebb.Models;

/// <summary>
/// A GPT (nanoGPT's model): token embedding wte plus learned position embedding wpe, dropout, N
/// pre-norm causal transformer blocks, a final LayerNorm ln_f, and the unembedding, a Linear to the
/// vocabulary that by default reuses wte's weights (tied). That is Embedding → (Attention → MLP) × N →
/// Unembedding. State-dict names are nanoGPT's: transformer.wte.weight,
/// transformer.h.0.ln_1.weight, transformer.h.0.attn.c_attn.weight, ..., lm_head.weight when untied.
/// Weights start as in nanoGPT: N(0, 0.02), with the residual projections (c_proj) at 0.02/sqrt(2·n_layer).
/// </summary>
public sealed class Gpt : Module, ICachedLanguageModel
{
    private readonly Trunk _transformer;
    private readonly Linear? _lmHead;

    /// <summary>The shape this model was built with.</summary>
    public GptConfig Config { get; }
    /// <summary>The number of tokens: the ids' range and the logits' last dim.</summary>
    public int VocabSize => Config.VocabSize;
    /// <summary>The block size: the longest sequence <see cref="Forward(Tensor)"/> accepts.</summary>
    public int? MaxContext => Config.BlockSize;
    /// <summary>wte, token id to vector, (vocab, n_embd); with tied weights also the unembedding.</summary>
    public Embedding TokenEmbedding => _transformer.Wte;
    /// <summary>wpe, position to vector, (block_size, n_embd).</summary>
    public Embedding PositionEmbedding => _transformer.Wpe;
    /// <summary>The transformer blocks, h.0 to h.(n_layer - 1), in order.</summary>
    public IReadOnlyList<TransformerBlock> Blocks => _transformer.Blocks;

    /// <summary>Builds the network <paramref name="config"/> describes, with nanoGPT's initialisation drawn from
    /// <paramref name="generator"/>.</summary>
    /// <param name="config">The network's shape.</param>
    /// <param name="generator">The random source of the initial weights and of the dropout masks.</param>
    /// <exception cref="ArgumentException">The config is out of range (see <see cref="GptConfig.Validate"/>).</exception>
    public Gpt(GptConfig config, Generator generator)
    {
        config.Validate();
        Config = config;
        _transformer = RegisterModule("transformer", new Trunk(config, generator));
        if (!config.TiedWeights)
            _lmHead = RegisterModule("lm_head", new Linear(config.EmbeddingDim, config.VocabSize, generator, bias: false));
        InitWeights(this, config.Layers, generator);
    }

    /// <summary>nanoGPT's initialisation for any transformer: weights and embeddings N(0, 0.02), residual
    /// projections (c_proj) N(0, 0.02/sqrt(2·layers)) so the residual stream does not grow with depth,
    /// biases 0, LayerNorm gains 1.</summary>
    internal static void InitWeights(Module model, int layers, Generator generator)
    {
        double projStd = 0.02 / Math.Sqrt(2.0 * layers);
        foreach (var (name, p) in model.NamedParameters())
        {
            if (name.Contains("ln_", StringComparison.Ordinal)) continue; // LayerNorm gains stay 1, shifts 0
            if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                Init.Zeros(p);
                continue;
            }
            Init.Normal(p, generator, 0, name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? projStd : 0.02);
        }
    }

    /// <summary>ids (B, T) int32 with T ≤ block size → logits (B, T, vocab); position t predicts token t + 1.</summary>
    public override Tensor Forward(Tensor ids) => Unembed(_transformer.Forward(ids, null));

    /// <summary>Forward that also returns every block's attention weights, (B, heads, T, T) per block.</summary>
    public Tensor Forward(Tensor ids, out IReadOnlyList<Tensor> attention)
    {
        var weights = new List<Tensor>(Config.Layers);
        var logits = Unembed(_transformer.Forward(ids, weights));
        attention = weights;
        return logits;
    }

    /// <summary>An empty key-value cache for <paramref name="batch"/> sequences of up to the block size: per block, the
    /// keys and values of every position so far, (batch, block_size, 2·n_embd).</summary>
    public KeyValueCache NewCache(int batch = 1)
    {
        if (batch < 1) throw new ArgumentException($"GPT: a cache needs a batch of at least 1, got {batch}");
        return new KeyValueCache([.. Enumerable.Range(0, Config.Layers)
            .Select(_ => Tensor.Zeros(DType.Float32, batch, Config.BlockSize, 2 * Config.EmbeddingDim))]);
    }

    /// <summary>Logits (B, n, vocab) for ids (B, n) that continue the sequence held in <paramref name="cache"/> (at positions
    /// cache.Length..), whose keys and values it appends: a new token costs one position's work. Inference only (eval
    /// mode, no gradient). Equal to the last n positions of <see cref="Forward(Tensor)"/> on the whole sequence.</summary>
    /// <exception cref="ArgumentException">The sequence would pass the block size, or ids do not fit the cache's batch.</exception>
    public Tensor Forward(Tensor ids, KeyValueCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (ids.DType != DType.Int32 || ids.Rank != 2)
            throw new ArgumentException(
                $"GPT: ids must be an int32 (batch, time) tensor, got {ids.DType.Name()} of shape {ShapeUtil.Format(ids.Shape)}");
        int n = ids.ShapeArray[1], past = cache.Length;
        if (n < 1 || past + n > Config.BlockSize)
            throw new ArgumentException($"GPT: {past} cached + {n} new positions exceed the block size {Config.BlockSize}");
        if (cache.KeysValues.Count != Config.Layers) throw new ArgumentException("GPT: the cache was made for another model");
        using var _ = Autograd.GradMode.NoGrad();
        var x = _transformer.Wte.Forward(ids).Add(_transformer.Wpe.Weight.Narrow(0, past, n));
        for (int i = 0; i < Config.Layers; i++) x = _transformer.Blocks[i].ForwardCached(x, cache.KeysValues[i], past);
        cache.Length = past + n;
        return Unembed(_transformer.LnF.Forward(x));
    }

    private Tensor Unembed(Tensor x) => _lmHead is null ? Functional.Linear(x, _transformer.Wte.Weight) : _lmHead.Forward(x);

    /// <summary>One line: layers, heads, embedding width, block size and vocabulary, e.g.
    /// "Gpt(6 layers, 6 heads, n_embd=384, block_size=256, vocab=65)".</summary>
    public override string ToString() =>
        $"Gpt({Config.Layers} layers, {Config.Heads} heads, n_embd={Config.EmbeddingDim}, block_size={Config.BlockSize}, " +
        $"vocab={Config.VocabSize})";

    /// <summary>The "transformer" container of nanoGPT: wte, wpe, drop, h.0..h.N-1, ln_f.</summary>
    private sealed class Trunk : Module
    {
        private readonly GptConfig _config;
        private readonly Dropout _drop;
        private readonly LayerNorm _lnF;
        private readonly ModuleList<TransformerBlock> _blocks;

        public Embedding Wte { get; }
        public Embedding Wpe { get; }
        public IReadOnlyList<TransformerBlock> Blocks => _blocks;
        public LayerNorm LnF => _lnF;

        public Trunk(GptConfig c, Generator generator)
        {
            _config = c;
            Wte = RegisterModule("wte", new Embedding(c.VocabSize, c.EmbeddingDim, generator));
            Wpe = RegisterModule("wpe", new Embedding(c.BlockSize, c.EmbeddingDim, generator));
            _drop = RegisterModule("drop", new Dropout(c.Dropout, generator));
            _blocks = RegisterModule("h", new ModuleList<TransformerBlock>());
            for (int i = 0; i < c.Layers; i++)
                _blocks.Add(new TransformerBlock(c.EmbeddingDim, c.Heads, generator, causal: true, bias: c.Bias, dropout: c.Dropout,
                    activation: c.Activation, layerNormEps: c.LayerNormEps));
            _lnF = RegisterModule("ln_f", new LayerNorm(c.EmbeddingDim, c.LayerNormEps, bias: c.Bias));
        }

        public Tensor Forward(Tensor ids, List<Tensor>? attention)
        {
            if (ids.DType != DType.Int32 || ids.Rank != 2)
                throw new ArgumentException(
                    $"GPT: ids must be an int32 (batch, time) tensor, got {ids.DType.Name()} of shape {ShapeUtil.Format(ids.Shape)}");
            int t = ids.ShapeArray[1];
            if (t < 1 || t > _config.BlockSize)
                throw new ArgumentException($"GPT: sequence length {t} must be between 1 and the block size {_config.BlockSize}");
            // Position embeddings are the first t rows of wpe, broadcast over the batch.
            var x = _drop.Forward(Wte.Forward(ids).Add(Wpe.Weight.Narrow(0, 0, t)));
            foreach (var block in _blocks)
            {
                if (attention is null) x = block.Forward(x);
                else
                {
                    x = block.Forward(x, out var w);
                    attention.Add(w);
                }
            }
            return _lnF.Forward(x);
        }
    }
}
