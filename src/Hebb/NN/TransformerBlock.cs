namespace Hebb.NN;

/// <summary>The transformer's feed-forward block (nanoGPT's MLP): c_fc up to Hidden (4·EmbedDim by
/// default), an activation (GELU; the seed notes' ReLU also works), c_proj back down, dropout.</summary>
public sealed class Mlp : Module
{
    private readonly Module _activation;
    private readonly Dropout _dropout;

    public Linear CFc { get; }
    public Linear CProj { get; }

    public Mlp(int embedDim, Generator generator, int? hidden = null, Activation activation = Activation.Gelu, bool bias = true,
        double dropout = 0)
    {
        int h = hidden ?? 4 * embedDim;
        CFc = RegisterModule("c_fc", new Linear(embedDim, h, generator, bias));
        _activation = RegisterModule("act", Activations.Create(activation));
        CProj = RegisterModule("c_proj", new Linear(h, embedDim, generator, bias));
        _dropout = RegisterModule("dropout", new Dropout(dropout, generator));
    }

    public override Tensor Forward(Tensor input) => _dropout.Forward(CProj.Forward(_activation.Forward(CFc.Forward(input))));
}

/// <summary>
/// A pre-norm transformer block (GPT-2 / nanoGPT): x + attn(ln_1(x)), then x + mlp(ln_2(x)). The
/// residual connections let each block add its change ΔE to the embedding stream, as the seed notes put
/// it. Causal for a GPT (each position sees only itself and earlier ones); not causal in an encoder.
/// </summary>
public sealed class TransformerBlock : Module
{
    public bool Causal { get; }
    public LayerNorm Ln1 { get; }
    public MultiheadAttention Attn { get; }
    public LayerNorm Ln2 { get; }
    public Mlp Mlp { get; }

    public TransformerBlock(int embedDim, int numHeads, Generator generator, bool causal = true, bool bias = true, double dropout = 0,
        bool fusedProjections = true, Activation activation = Activation.Gelu)
    {
        Causal = causal;
        Ln1 = RegisterModule("ln_1", new LayerNorm(embedDim, bias: bias));
        Attn = RegisterModule("attn", new MultiheadAttention(embedDim, numHeads, generator, bias, dropout, fusedProjections));
        Ln2 = RegisterModule("ln_2", new LayerNorm(embedDim, bias: bias));
        Mlp = RegisterModule("mlp", new Mlp(embedDim, generator, activation: activation, bias: bias, dropout: dropout));
    }

    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>x (B, T, E); mask as in <see cref="MultiheadAttention"/> (e.g. key padding), on top of causality.</summary>
    public Tensor Forward(Tensor x, Tensor? mask)
    {
        x = x.Add(Attn.Forward(Ln1.Forward(x), mask: mask, isCausal: Causal));
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
    public LayerNorm Ln1 { get; }
    public MultiheadAttention Attn { get; }
    public LayerNorm Ln2 { get; }
    public MultiheadAttention CrossAttn { get; }
    public LayerNorm Ln3 { get; }
    public Mlp Mlp { get; }

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
