using Hebb.Autograd;
using Hebb.NN;

namespace Hebb.Models;

/// <summary>
/// An encoder-decoder transformer (as in translation): the encoder reads the whole source with
/// unmasked self-attention; the decoder reads the target so far with causal self-attention and looks at
/// the encoder's output through cross-attention (queries from the target, keys and values from the
/// source). Pre-norm blocks, learned position embeddings, nanoGPT's initialisation. Sequences have
/// fixed lengths up to MaxLength (no padding masks). Names: encoder.wte, encoder.h.0.attn.c_attn.weight,
/// decoder.h.0.cross_attn.c_attn.weight, lm_head.weight, ...
/// </summary>
public sealed class Seq2SeqTransformer : Module
{
    private readonly Stack _encoder, _decoder;
    private readonly ModuleList<TransformerBlock> _encoderBlocks;
    private readonly ModuleList<DecoderBlock> _decoderBlocks;
    private readonly Linear _lmHead;

    /// <summary>The number of source tokens: the source ids' range.</summary>
    public int SourceVocab { get; }
    /// <summary>The number of target tokens: the target ids' range and the logits' last dim.</summary>
    public int TargetVocab { get; }
    /// <summary>The longest source or target sequence: the rows of each position embedding.</summary>
    public int MaxLength { get; }

    /// <summary>Builds the encoder and decoder, with nanoGPT's initialisation drawn from <paramref name="generator"/>.</summary>
    /// <param name="sourceVocab">The number of source tokens.</param>
    /// <param name="targetVocab">The number of target tokens.</param>
    /// <param name="embedDim">E, the width of every embedding and block.</param>
    /// <param name="heads">Attention heads per block; it must divide <paramref name="embedDim"/>.</param>
    /// <param name="encoderLayers">The number of encoder blocks.</param>
    /// <param name="decoderLayers">The number of decoder blocks.</param>
    /// <param name="maxLength">The longest source or target sequence.</param>
    /// <param name="generator">The random source of the initial weights and of the dropout masks.</param>
    /// <param name="dropout">Dropout probability in training, in [0, 1) (default 0).</param>
    /// <exception cref="ArgumentException">A vocabulary, layer count or the length is not positive, or
    /// <paramref name="embedDim"/> is not a positive multiple of <paramref name="heads"/>.</exception>
    public Seq2SeqTransformer(int sourceVocab, int targetVocab, int embedDim, int heads, int encoderLayers, int decoderLayers,
        int maxLength, Generator generator, double dropout = 0)
    {
        if (sourceVocab <= 0 || targetVocab <= 0 || maxLength <= 0 || encoderLayers <= 0 || decoderLayers <= 0)
            throw new ArgumentException($"Seq2SeqTransformer: vocabularies ({sourceVocab}, {targetVocab}), " +
                $"layers ({encoderLayers}, {decoderLayers}) and max length ({maxLength}) must be positive");
        (SourceVocab, TargetVocab, MaxLength) = (sourceVocab, targetVocab, maxLength);
        _encoder = RegisterModule("encoder", new Stack(sourceVocab, embedDim, maxLength, dropout, generator));
        _encoderBlocks = _encoder.RegisterBlocks(new ModuleList<TransformerBlock>(
            Enumerable.Range(0, encoderLayers)
                .Select(_ => new TransformerBlock(embedDim, heads, generator, causal: false, dropout: dropout))));
        _encoder.RegisterFinalNorm(embedDim);
        _decoder = RegisterModule("decoder", new Stack(targetVocab, embedDim, maxLength, dropout, generator));
        _decoderBlocks = _decoder.RegisterBlocks(new ModuleList<DecoderBlock>(
            Enumerable.Range(0, decoderLayers).Select(_ => new DecoderBlock(embedDim, heads, generator, dropout: dropout))));
        _decoder.RegisterFinalNorm(embedDim);
        _lmHead = RegisterModule("lm_head", new Linear(embedDim, targetVocab, generator, bias: false));
        Gpt.InitWeights(this, encoderLayers + decoderLayers, generator);
    }

    /// <summary>Source ids (B, S) int32 → memory (B, S, E).</summary>
    public Tensor Encode(Tensor source)
    {
        var x = _encoder.Embed(source, "source");
        foreach (var block in _encoderBlocks) x = block.Forward(x);
        return _encoder.LnF!.Forward(x);
    }

    /// <summary>Target ids so far (B, T) and the memory → logits (B, T, TargetVocab); position t predicts token t + 1.</summary>
    public Tensor Decode(Tensor target, Tensor memory)
    {
        var x = _decoder.Embed(target, "target");
        foreach (var block in _decoderBlocks) x = block.Forward(x, memory);
        return _lmHead.Forward(_decoder.LnF!.Forward(x));
    }

    /// <summary>Teacher-forced logits for training: Decode(targetIn, Encode(source)).</summary>
    public Tensor Forward(Tensor source, Tensor targetIn) => Decode(targetIn, Encode(source));

    /// <summary>Greedy decoding: starts every sequence with <paramref name="startToken"/> and appends the
    /// most likely next token <paramref name="length"/> times; returns the (B, length) generated ids.</summary>
    public Tensor GreedyDecode(Tensor source, int startToken, int length)
    {
        if (length < 1 || length > MaxLength)
            throw new ArgumentException($"GreedyDecode: length {length} must be between 1 and the max length {MaxLength}");
        if (startToken < 0 || startToken >= TargetVocab)
            throw new ArgumentException($"GreedyDecode: start token {startToken} is outside the vocabulary of {TargetVocab}");
        using var _ = GradMode.NoGrad();
        var memory = Encode(source);
        int b = source.Size(0);
        var ids = new int[b * (length + 1)];
        for (int i = 0; i < b; i++) ids[i * (length + 1)] = startToken;
        for (int t = 0; t < length; t++)
        {
            var prefix = Tensor.FromArray(ids, b, length + 1).Narrow(1, 0, t + 1).Contiguous();
            var next = Decode(prefix, memory).Narrow(1, t, 1).Squeeze(1).Argmax(-1).ToArray<int>();
            for (int i = 0; i < b; i++) ids[i * (length + 1) + t + 1] = next[i];
        }
        return Tensor.FromArray(ids, b, length + 1).Narrow(1, 1, length).Contiguous();
    }

    /// <summary>One side's embeddings, blocks ("h") and final norm ("ln_f").</summary>
    private sealed class Stack : Module
    {
        private readonly Dropout _drop;
        private readonly int _maxLength;
        public Embedding Wte { get; }
        public Embedding Wpe { get; }
        public LayerNorm? LnF { get; private set; }

        public Stack(int vocab, int embedDim, int maxLength, double dropout, Generator generator)
        {
            _maxLength = maxLength;
            Wte = RegisterModule("wte", new Embedding(vocab, embedDim, generator));
            Wpe = RegisterModule("wpe", new Embedding(maxLength, embedDim, generator));
            _drop = RegisterModule("drop", new Dropout(dropout, generator));
        }

        public T RegisterBlocks<T>(T blocks) where T : Module => RegisterModule("h", blocks);
        public void RegisterFinalNorm(int embedDim) => LnF = RegisterModule("ln_f", new LayerNorm(embedDim));

        public Tensor Embed(Tensor ids, string what)
        {
            if (ids.DType != DType.Int32 || ids.Rank != 2)
                throw new ArgumentException($"Seq2SeqTransformer: {what} ids must be an int32 (batch, time) tensor, " +
                    $"got {ids.DType.Name()} of shape {ShapeUtil.Format(ids.Shape)}");
            int t = ids.ShapeArray[1];
            if (t < 1 || t > _maxLength)
                throw new ArgumentException($"Seq2SeqTransformer: {what} length {t} must be between 1 and {_maxLength}");
            return _drop.Forward(Wte.Forward(ids).Add(Wpe.Weight.Narrow(0, 0, t)));
        }
    }
}
