using Hebb.Ops;

namespace Hebb.NN;

/// <summary>Layer math as functions (torch.nn.functional): what the modules call.</summary>
public static class Functional
{
    /// <summary>y = x Wᵀ + b, with W of shape (out, in); x may have leading batch dims.</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        if (weight.Rank != 2) throw new ArgumentException($"Linear: weight must be (out, in), got {ShapeUtil.Format(weight.Shape)}");
        return LinearOp.Forward(input, weight, bias);
    }

    /// <summary>
    /// softmax(Q·Kᵀ / sqrt(d_k))·V (torch's scaled_dot_product_attention) for query (..., Tq, d),
    /// key (..., Tk, d) and value (..., Tk, dv) with the same leading dims; returns (..., Tq, dv).
    /// <paramref name="mask"/> is int32 and broadcasts to (..., Tq, Tk): a non-zero entry masks that score
    /// out (it is -infinity before the softmax, as MaskedFill would make it). <paramref name="isCausal"/>
    /// masks every key after the query's own position (column j &gt; row i). A query with every key masked
    /// gets a zero output row. Dropout (training only; pass the module's generator) zeroes probabilities.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? mask = null, bool isCausal = false,
        double? scale = null, double dropoutP = 0, Generator? generator = null) =>
        AttentionOp.Forward(query, key, value, mask, isCausal, scale, dropoutP, generator, out _, needWeights: false);

    /// <summary>As above, also returning the attention weights softmax(Q·Kᵀ / sqrt(d_k)) of shape
    /// (..., Tq, Tk), for pictures and inspection (a detached tensor: gradients do not flow through it).</summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, out Tensor weights, Tensor? mask = null,
        bool isCausal = false, double? scale = null)
    {
        var y = AttentionOp.Forward(query, key, value, mask, isCausal, scale, 0, null, out var w, needWeights: true);
        weights = w!;
        return y;
    }

    /// <summary>The (tq, tk) int32 mask that hides the future: 1 (masked) where column j &gt; row i.</summary>
    public static Tensor CausalMask(int tq, int tk)
    {
        if (tq < 0 || tk < 0) throw new ArgumentException($"CausalMask: sizes must be non-negative, got ({tq}, {tk})");
        var data = new int[tq * tk];
        for (int i = 0; i < tq; i++)
            for (int j = i + 1; j < tk; j++) data[i * tk + j] = 1;
        return Tensor.FromArray(data, tq, tk);
    }

    /// <summary>Layer normalisation over the trailing dims given by normalizedShape (torch's layer_norm):
    /// (x - mean) / sqrt(var + eps) · weight + bias, with the biased variance; weight and bias optional.</summary>
    public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
        LayerNormOp.Forward(input, normalizedShape, weight, bias, eps);
}
