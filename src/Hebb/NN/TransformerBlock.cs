namespace Hebb.NN;

/// <summary>The transformer's feed-forward block (nanoGPT's MLP): c_fc up to Hidden (4·EmbedDim by
/// default), an activation (GELU by default; ReLU also works), c_proj back down, dropout.</summary>
public sealed class Mlp : Module
{
    private readonly Module _activation;
    private readonly Dropout _dropout;

    /// <summary>The activation between the two Linear layers (GELU for GPT, exact or tanh form; ReLU also possible).</summary>
    public Module ActivationLayer => _activation;

    /// <summary>The expansion, EmbedDim to the hidden width, registered as "c_fc".</summary>
    public Linear CFc { get; }
    /// <summary>The projection back, hidden width to EmbedDim, registered as "c_proj".</summary>
    public Linear CProj { get; }

    /// <summary>Creates the two Linears, drawing their initial weights from <paramref name="generator"/>.</summary>
    /// <param name="embedDim">E, the feature size of the input and the output.</param>
    /// <param name="generator">The random source of the initial weights and of the dropout masks.</param>
    /// <param name="hidden">The hidden width; null for 4·E.</param>
    /// <param name="activation">The activation between the Linears (default GELU).</param>
    /// <param name="bias">Whether the Linears have biases (default true).</param>
    /// <param name="dropout">Dropout probability on the output in training, in [0, 1) (default 0).</param>
    public Mlp(int embedDim, Generator generator, int? hidden = null, Activation activation = Activation.Gelu, bool bias = true,
        double dropout = 0)
    {
        int h = hidden ?? 4 * embedDim;
        CFc = RegisterModule("c_fc", new Linear(embedDim, h, generator, bias));
        _activation = RegisterModule("act", Activations.Create(activation));
        CProj = RegisterModule("c_proj", new Linear(h, embedDim, generator, bias));
        _dropout = RegisterModule("dropout", new Dropout(dropout, generator));
    }

    /// <summary>dropout(c_proj(act(c_fc(x)))) for an input (..., E); the output has the input's shape.</summary>
    public override Tensor Forward(Tensor input) => _dropout.Forward(CProj.Forward(_activation.Forward(CFc.Forward(input))));
}

/// <summary>
/// A pre-norm transformer block (GPT-2 / nanoGPT): x + attn(ln_1(x)), then x + mlp(ln_2(x)). The
/// residual connections let each block add its change ΔE to the embedding stream. Causal for a GPT (each
/// position sees only itself and earlier ones); not causal in an encoder.
/// </summary>
public sealed class TransformerBlock : Module
{
    /// <summary>True when each position attends only to itself and earlier ones (a GPT); false in an encoder.</summary>
    public bool Causal { get; }
    /// <summary>The LayerNorm before the attention, "ln_1".</summary>
    public LayerNorm Ln1 { get; }
    /// <summary>The self-attention, "attn".</summary>
    public MultiheadAttention Attn { get; }
    /// <summary>The LayerNorm before the MLP, "ln_2".</summary>
    public LayerNorm Ln2 { get; }
    /// <summary>The feed-forward block, "mlp".</summary>
    public Mlp Mlp { get; }

    /// <summary>Creates the block's layers, drawing their initial weights from <paramref name="generator"/>.</summary>
    /// <param name="embedDim">E, the feature size of the input and the output.</param>
    /// <param name="numHeads">Attention heads; it must divide <paramref name="embedDim"/>.</param>
    /// <param name="generator">The random source of the initial weights and of the dropout masks.</param>
    /// <param name="causal">Whether each position sees only itself and earlier ones (default true, as in a GPT).</param>
    /// <param name="bias">Whether the Linears and LayerNorms have biases (default true).</param>
    /// <param name="dropout">Dropout probability in training, in [0, 1) (default 0).</param>
    /// <param name="fusedProjections">One q|k|v Linear (default) or three separate ones; see <see cref="MultiheadAttention"/>.</param>
    /// <param name="activation">The MLP's activation (default GELU).</param>
    /// <param name="layerNormEps">The LayerNorms' epsilon (default 1e-5).</param>
    /// <exception cref="ArgumentException"><paramref name="embedDim"/> is not a positive multiple of
    /// <paramref name="numHeads"/>.</exception>
    public TransformerBlock(int embedDim, int numHeads, Generator generator, bool causal = true, bool bias = true, double dropout = 0,
        bool fusedProjections = true, Activation activation = Activation.Gelu, double layerNormEps = 1e-5)
    {
        Causal = causal;
        Ln1 = RegisterModule("ln_1", new LayerNorm(embedDim, layerNormEps, bias: bias));
        Attn = RegisterModule("attn", new MultiheadAttention(embedDim, numHeads, generator, bias, dropout, fusedProjections));
        Ln2 = RegisterModule("ln_2", new LayerNorm(embedDim, layerNormEps, bias: bias));
        Mlp = RegisterModule("mlp", new Mlp(embedDim, generator, activation: activation, bias: bias, dropout: dropout));
    }

    /// <summary>x (B, T, E) to (B, T, E), with no mask beyond causality.</summary>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>x (B, T, E); mask as in <see cref="MultiheadAttention"/> (e.g. key padding), on top of causality.</summary>
    public Tensor Forward(Tensor x, Tensor? mask)
    {
        x = x.Add(Attn.Forward(Ln1.Forward(x), mask: mask, isCausal: Causal));
        return x.Add(Mlp.Forward(Ln2.Forward(x)));
    }

    /// <summary>The block on new positions past..past+n-1 of a causal sequence whose keys and values so far are in
    /// <paramref name="keysValues"/> (see <see cref="MultiheadAttention.ForwardCached"/>); inference only.</summary>
    public Tensor ForwardCached(Tensor x, Tensor keysValues, int past)
    {
        x = x.Add(Attn.ForwardCached(Ln1.Forward(x), keysValues, past));
        return x.Add(Mlp.Forward(Ln2.Forward(x)));
    }

    /// <summary>Forward that also returns this block's attention weights (B, heads, T, T).</summary>
    public Tensor Forward(Tensor x, out Tensor weights, Tensor? mask = null)
    {
        x = x.Add(Attn.Forward(Ln1.Forward(x), out weights, mask: mask, isCausal: Causal));
        return x.Add(Mlp.Forward(Ln2.Forward(x)));
    }
}

/// <summary>
/// A pre-norm decoder block of an encoder-decoder transformer: causal self-attention over the target
/// so far, then cross-attention (queries from the target, keys and values from the encoder's output),
/// then the MLP, each with a residual connection.
/// </summary>
public sealed class DecoderBlock : Module
{
    /// <summary>The LayerNorm before the causal self-attention, "ln_1".</summary>
    public LayerNorm Ln1 { get; }
    /// <summary>The causal self-attention over the target, "attn".</summary>
    public MultiheadAttention Attn { get; }
    /// <summary>The LayerNorm before the cross-attention, "ln_2".</summary>
    public LayerNorm Ln2 { get; }
    /// <summary>The cross-attention, queries from the target and keys and values from the encoder's output, "cross_attn".</summary>
    public MultiheadAttention CrossAttn { get; }
    /// <summary>The LayerNorm before the MLP, "ln_3".</summary>
    public LayerNorm Ln3 { get; }
    /// <summary>The feed-forward block, "mlp".</summary>
    public Mlp Mlp { get; }

    /// <summary>Creates the block's layers, drawing their initial weights from <paramref name="generator"/>.</summary>
    /// <param name="embedDim">E, the feature size of the target, the memory and the output.</param>
    /// <param name="numHeads">Attention heads; it must divide <paramref name="embedDim"/>.</param>
    /// <param name="generator">The random source of the initial weights and of the dropout masks.</param>
    /// <param name="bias">Whether the Linears and LayerNorms have biases (default true).</param>
    /// <param name="dropout">Dropout probability in training, in [0, 1) (default 0).</param>
    /// <param name="activation">The MLP's activation (default GELU).</param>
    /// <exception cref="ArgumentException"><paramref name="embedDim"/> is not a positive multiple of
    /// <paramref name="numHeads"/>.</exception>
    public DecoderBlock(
        int embedDim, int numHeads, Generator generator, bool bias = true, double dropout = 0, Activation activation = Activation.Gelu)
    {
        Ln1 = RegisterModule("ln_1", new LayerNorm(embedDim, bias: bias));
        Attn = RegisterModule("attn", new MultiheadAttention(embedDim, numHeads, generator, bias, dropout));
        Ln2 = RegisterModule("ln_2", new LayerNorm(embedDim, bias: bias));
        CrossAttn = RegisterModule("cross_attn", new MultiheadAttention(embedDim, numHeads, generator, bias, dropout));
        Ln3 = RegisterModule("ln_3", new LayerNorm(embedDim, bias: bias));
        Mlp = RegisterModule("mlp", new Mlp(embedDim, generator, activation: activation, bias: bias, dropout: dropout));
    }

    /// <summary>x (B, T, E) the target, memory (B, S, E) the encoder's output; memoryMask (non-zero =
    /// hidden) broadcasts to (B, heads, T, S), e.g. to hide source padding.</summary>
    public Tensor Forward(Tensor x, Tensor memory, Tensor? memoryMask = null)
    {
        x = x.Add(Attn.Forward(Ln1.Forward(x), isCausal: true));
        x = x.Add(CrossAttn.Forward(Ln2.Forward(x), memory, memory, memoryMask));
        return x.Add(Mlp.Forward(Ln3.Forward(x)));
    }
}
