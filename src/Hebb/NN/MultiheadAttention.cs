using Hebb.Ops;

namespace Hebb.NN;

/// <summary>
/// Multi-head attention: queries, keys and values are linear projections of the inputs, split into
/// NumHeads heads of EmbedDim / NumHeads features; each head computes softmax(Q·Kᵀ / sqrt(d_k))·V and the
/// heads' outputs, side by side, go through the output projection c_proj.
/// Self-attention when only the query is given; cross-attention (queries from one sequence, keys and
/// values from another, e.g. the encoder's output) when key/value are given.
/// Projections are either fused, one Linear "c_attn" of EmbedDim → 3·EmbedDim (nanoGPT's layout,
/// rows q|k|v like torch's in_proj_weight; cross-attention uses the q rows on the query and the k|v rows
/// on the memory), or separate "q_proj", "k_proj", "v_proj". The heads are read straight out of the
/// projections by one fused attention op, so there is no per-head loop and no split/merge copy.
/// Dropout (training only) applies to the attention probabilities and to the output, as in nanoGPT.
/// </summary>
public sealed class MultiheadAttention : Module
{
    private readonly Generator _generator;
    private readonly Dropout _residDropout;

    /// <summary>E, the feature size of queries, keys, values and the output.</summary>
    public int EmbedDim { get; }
    /// <summary>The number of attention heads, among which EmbedDim is split evenly.</summary>
    public int NumHeads { get; }
    /// <summary>Features per head, EmbedDim / NumHeads: d_k in softmax(Q·Kᵀ / sqrt(d_k)).</summary>
    public int HeadDim => EmbedDim / NumHeads;
    /// <summary>Dropout probability on the attention probabilities and on the output, in training only (0 = none).</summary>
    public double DropoutP { get; }
    /// <summary>True when queries, keys and values come from one Linear, <see cref="CAttn"/>; false for
    /// <see cref="QProj"/>, <see cref="KProj"/> and <see cref="VProj"/>.</summary>
    public bool FusedProjections { get; }

    /// <summary>The fused q|k|v projection (null when separate).</summary>
    public Linear? CAttn { get; }
    /// <summary>The query projection, E to E, registered as "q_proj" (null when the projections are fused).</summary>
    public Linear? QProj { get; }
    /// <summary>The key projection, E to E, registered as "k_proj" (null when the projections are fused).</summary>
    public Linear? KProj { get; }
    /// <summary>The value projection, E to E, registered as "v_proj" (null when the projections are fused).</summary>
    public Linear? VProj { get; }
    /// <summary>The output projection of the heads' outputs side by side, E to E, registered as "c_proj" (torch's out_proj).</summary>
    public Linear CProj { get; }

    /// <summary>Creates the projections, drawing their initial weights from <paramref name="generator"/>.</summary>
    /// <param name="embedDim">E, the feature size of the inputs and the output.</param>
    /// <param name="numHeads">The number of heads; it must divide <paramref name="embedDim"/>.</param>
    /// <param name="generator">The random source of the initial weights and of the dropout masks.</param>
    /// <param name="bias">Whether the projections have biases (default true).</param>
    /// <param name="dropout">Dropout probability in training, in [0, 1) (default 0).</param>
    /// <param name="fusedProjections">One q|k|v Linear "c_attn" (default, nanoGPT's layout) or three separate ones.</param>
    /// <exception cref="ArgumentException"><paramref name="embedDim"/> is not a positive multiple of
    /// <paramref name="numHeads"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dropout"/> is outside [0, 1).</exception>
    public MultiheadAttention(
        int embedDim, int numHeads, Generator generator, bool bias = true, double dropout = 0, bool fusedProjections = true)
    {
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0)
            throw new ArgumentException(
                $"MultiheadAttention: embed_dim ({embedDim}) must be a positive multiple of num_heads ({numHeads})");
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), $"MultiheadAttention: dropout must be in [0, 1), got {dropout}");
        (EmbedDim, NumHeads, DropoutP, FusedProjections, _generator) = (embedDim, numHeads, dropout, fusedProjections, generator);
        if (fusedProjections)
        {
            CAttn = RegisterModule("c_attn", new Linear(embedDim, 3 * embedDim, generator, bias));
        }
        else
        {
            QProj = RegisterModule("q_proj", new Linear(embedDim, embedDim, generator, bias));
            KProj = RegisterModule("k_proj", new Linear(embedDim, embedDim, generator, bias));
            VProj = RegisterModule("v_proj", new Linear(embedDim, embedDim, generator, bias));
        }
        CProj = RegisterModule("c_proj", new Linear(embedDim, embedDim, generator, bias));
        _residDropout = RegisterModule("resid_dropout", new Dropout(dropout, generator));
    }

    /// <summary>Self-attention without a mask.</summary>
    public override Tensor Forward(Tensor input) => Forward(input, null, null, null, false);

    /// <summary>query (B, Tq, E); key and value (B, Tk, E), or null for self-attention (value defaults to key).
    /// mask: int32, broadcast to (B, heads, Tq, Tk), non-zero = masked out; isCausal hides later keys.</summary>
    public Tensor Forward(Tensor query, Tensor? key = null, Tensor? value = null, Tensor? mask = null, bool isCausal = false) =>
        Attend(query, key, value, mask, isCausal, needWeights: false, out _);

    /// <summary>As Forward, also returning the attention weights of every head, (B, heads, Tq, Tk) (detached).</summary>
    public Tensor Forward(
        Tensor query, out Tensor weights, Tensor? key = null, Tensor? value = null, Tensor? mask = null, bool isCausal = false)
    {
        var y = Attend(query, key, value, mask, isCausal, needWeights: true, out var w);
        weights = w!;
        return y;
    }

    private Tensor Attend(Tensor query, Tensor? key, Tensor? value, Tensor? mask, bool isCausal, bool needWeights, out Tensor? weights)
    {
        value ??= key;
        foreach (var (t, name) in new[] { (query, "query"), (key, "key"), (value, "value") })
            if (t is not null && (t.Rank != 3 || t.ShapeArray[2] != EmbedDim))
                throw new ArgumentException(
                    $"MultiheadAttention: {name} must be (batch, time, {EmbedDim}), got {ShapeUtil.Format(t.Shape)}");
        double p = Training ? DropoutP : 0;
        int e = EmbedDim;
        Tensor y;
        bool self = key is null || (ReferenceEquals(key, query) && ReferenceEquals(value, query));
        if (FusedProjections)
        {
            var c = CAttn!;
            if (self)
            {
                var qkv = c.Forward(query);
                y = AttentionOp.MultiHead(
                    qkv, 0, qkv, e, qkv, 2 * e, NumHeads, HeadDim, mask, isCausal, p, _generator, out weights, needWeights);
            }
            else
            {
                // Rows 0..E of c_attn project queries, E..2E keys, 2E..3E values (contiguous row blocks: no copy).
                var q = Project(query, c, 0, e);
                if (ReferenceEquals(key, value))
                {
                    var kv = Project(key!, c, e, 2 * e);
                    y = AttentionOp.MultiHead(
                        q, 0, kv, 0, kv, e, NumHeads, HeadDim, mask, isCausal, p, _generator, out weights, needWeights);
                }
                else
                {
                    var k = Project(key!, c, e, e);
                    var v = Project(value!, c, 2 * e, e);
                    y = AttentionOp.MultiHead(q, 0, k, 0, v, 0, NumHeads, HeadDim, mask, isCausal, p, _generator, out weights, needWeights);
                }
            }
        }
        else
        {
            var q = QProj!.Forward(query);
            var k = KProj!.Forward(key ?? query);
            var v = VProj!.Forward(value ?? query);
            y = AttentionOp.MultiHead(q, 0, k, 0, v, 0, NumHeads, HeadDim, mask, isCausal, p, _generator, out weights, needWeights);
        }
        return _residDropout.Forward(CProj.Forward(y));
    }

    /// <summary>
    /// Causal self-attention of new positions against a key-value cache, for generation (inference only: no graph).
    /// <paramref name="x"/> (B, n, E) holds positions past..past+n-1; their keys and values are written into
    /// <paramref name="keysValues"/> (B, maxLength, 2E: keys in the first E columns, values in the rest) at those rows, and
    /// each new position attends to rows 0 up to itself. The result equals the rows past..past+n-1 of a causal
    /// <see cref="Forward(Tensor, Tensor?, Tensor?, Tensor?, bool)"/> over all past+n positions, for one position's work.
    /// Needs fused projections.
    /// </summary>
    /// <exception cref="InvalidOperationException">The projections are separate.</exception>
    /// <exception cref="ArgumentException">The cache's shape does not fit, or past + n exceeds its length.</exception>
    public Tensor ForwardCached(Tensor x, Tensor keysValues, int past)
    {
        if (CAttn is null) throw new InvalidOperationException("MultiheadAttention: a key-value cache needs fused projections (c_attn)");
        int e = EmbedDim, n = x.ShapeArray[1];
        if (keysValues.Rank != 3 || keysValues.ShapeArray[0] != x.ShapeArray[0] || keysValues.ShapeArray[2] != 2 * e)
            throw new ArgumentException($"MultiheadAttention: cache of shape {ShapeUtil.Format(keysValues.Shape)} does not fit " +
                $"input {ShapeUtil.Format(x.Shape)}");
        if (past < 0 || past + n > keysValues.ShapeArray[1])
            throw new ArgumentException($"MultiheadAttention: positions {past}..{past + n - 1} lie outside the cache's " +
                $"{keysValues.ShapeArray[1]}");
        var qkv = CAttn.Forward(x);
        keysValues.Narrow(1, past, n).CopyFrom(qkv.Narrow(2, e, 2 * e));
        var kv = keysValues.Narrow(1, 0, past + n);
        // New position i (absolute past + i) sees keys 0..past + i: plain causality when the cache was empty, nothing
        // hidden for a single new position, an offset triangle otherwise.
        Tensor? mask = null;
        if (past > 0 && n > 1)
        {
            var m = new int[n * (past + n)];
            for (int i = 0; i < n; i++)
                for (int j = past + i + 1; j < past + n; j++) m[i * (past + n) + j] = 1;
            mask = Tensor.FromArray(m, n, past + n);
        }
        var y = AttentionOp.MultiHead(qkv, 0, kv, 0, kv, e, NumHeads, HeadDim, mask, causal: past == 0 && n > 1, 0, _generator,
            out _, needWeights: false);
        return CProj.Forward(y);
    }

    private static Tensor Project(Tensor x, Linear fused, int start, int rows) =>
        Functional.Linear(x, fused.Weight.Narrow(0, start, rows), fused.Bias?.Narrow(0, start, rows));

    /// <inheritdoc/>
    protected override string ExtraRepr => $"embed_dim={EmbedDim}, num_heads={NumHeads}, dropout={DropoutP}, fused={FusedProjections}";
}
