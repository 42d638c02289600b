using Hebb.Ops;

namespace Hebb.NN;

/// <summary>Layer math as functions (torch.nn.functional): what the modules call.</summary>
public static class Functional
{
    /// <summary>y = act(x Wᵀ + b), with W of shape (out, in); x may have leading batch dims. Sigmoid, Tanh
    /// and Relu run inside the product's own op (one pass and one graph node fewer, the same numbers);
    /// Gelu is applied after it.</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null, Activation activation = Activation.None)
    {
        if (weight.Rank != 2) throw new ArgumentException($"Linear: weight must be (out, in), got {ShapeUtil.Format(weight.Shape)}");
        return LinearOp.Forward(input, weight, bias, activation);
    }

    /// <summary>
    /// y = act(conv2d(x, W) + b) for x of shape (N, C_in, H, W) and W of shape (C_out, C_in/groups, kh, kw)
    /// (torch.nn.functional.conv2d). Sigmoid, Tanh and Relu are fused into the convolution's op as in
    /// <see cref="Linear(Tensor, Tensor, Tensor?, Activation)"/>.
    /// </summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, (int H, int W)? stride = null,
        (int H, int W)? padding = null, (int H, int W)? dilation = null, int groups = 1, Activation activation = Activation.None)
    {
        var (s, p, d) = (stride ?? (1, 1), padding ?? (0, 0), dilation ?? (1, 1));
        if (weight.Rank != 4)
            throw new ArgumentException($"Conv2d: weight must be (out, in/groups, kh, kw), got {ShapeUtil.Format(weight.Shape)}");
        if (s.H <= 0 || s.W <= 0 || p.H < 0 || p.W < 0 || d.H <= 0 || d.W <= 0 || groups <= 0)
            throw new ArgumentException($"Conv2d: invalid stride {s}, padding {p}, dilation {d} or groups {groups}");
        var options = new Conv2dOp.Options(s.H, s.W, p.H, p.W, d.H, d.W, groups);
        return Conv2dOp.Forward(input, weight, bias, options, activation);
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

    /// <summary>Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p)
    /// in training; the identity otherwise.</summary>
    public static Tensor Dropout(Tensor input, double p, bool training, Generator generator)
    {
        if (!(p >= 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: p must be in [0, 1), got {p}");
        if (!training || p == 0) return input;
        var keep = Tensor.Rand(generator, input.DType, input.ShapeArray).Ge(Tensor.Scalar(p, input.DType)).To(input.DType);
        return input.Mul(keep.Mul(1.0 / (1.0 - p)));
    }

    /// <summary>
    /// A stack of recurrent layers over a batch-first sequence (torch's RNN/LSTM/GRU forward): input
    /// (B, T, in), per layer l the tensors weight_ih (G·H, in_l), weight_hh (G·H, H), bias_ih and
    /// bias_hh (G·H), with G = 1, 4 or 3 gate blocks. The state holds h (and c for LSTM) of shape
    /// (layers, B, H); null starts from zeros. Dropout with probability <paramref name="dropout"/> is
    /// applied to the output of every layer but the last, in training only.
    /// Returns the last layer's outputs (B, T, H) and the final state (h_n, c_n), each (layers, B, H).
    /// </summary>
    public static (Tensor Output, RecurrentState State) Recurrent(RecurrentCell cell, Tensor input, IReadOnlyList<RecurrentWeights> layers,
        RecurrentState? state = null, double dropout = 0, bool training = false, Generator? generator = null)
    {
        string op = cell.ToString().ToUpperInvariant();
        if (layers.Count == 0) throw new ArgumentException($"{op}: needs at least one layer");
        if (input.Rank != 3)
            throw new ArgumentException($"{op}: input must be (batch, time, features), got {ShapeUtil.Format(input.Shape)}");
        int hidden = layers[0].WeightHh.Size(-1), batch = input.Size(0);
        int inputSize = layers[0].WeightIh.Rank == 2 ? layers[0].WeightIh.Size(1) : -1;
        if (input.Size(2) != inputSize)
            throw new ArgumentException($"{op}: input of shape {ShapeUtil.Format(input.Shape)} must end in {inputSize} features");
        if (state is not null)
        {
            CheckState(state.H, "h0", layers.Count, batch, hidden, op);
            if (cell == RecurrentCell.Lstm)
                CheckState(state.C ?? throw new ArgumentException($"{op}: the initial state needs c0 as well as h0"),
                    "c0", layers.Count, batch, hidden, op);
            else if (state.C is not null)
                throw new ArgumentException($"{op}: only an LSTM takes a cell state c0");
        }
        if (dropout > 0 && training && generator is null) throw new ArgumentException($"{op}: dropout in training needs a generator");

        var x = input;
        var hn = new Tensor[layers.Count];
        var cn = cell == RecurrentCell.Lstm ? new Tensor[layers.Count] : null;
        for (int l = 0; l < layers.Count; l++)
        {
            var w = layers[l];
            var h0 = state is null ? Tensor.Zeros(input.DType, batch, hidden) : state.H.Narrow(0, l, 1).Squeeze(0);
            Tensor? c0 = cell != RecurrentCell.Lstm ? null
                : state is null ? Tensor.Zeros(input.DType, batch, hidden)
                : state.C!.Narrow(0, l, 1).Squeeze(0);
            // The input projection of all time steps at once: one GEMM of (B·T, in) by (in, G·H).
            var xg = Linear(x, w.WeightIh, w.BiasIh);
            var y = RecurrentOp.Forward(cell, xg, w.WeightHh, w.BiasHh, h0, c0);
            int steps = xg.Size(1);
            if (cell == RecurrentCell.Lstm)
            {
                x = y.Narrow(0, 0, 1).Squeeze(0);
                cn![l] = y.Narrow(0, 1, 1).Squeeze(0).Narrow(1, steps - 1, 1).Squeeze(1);
            }
            else x = y;
            hn[l] = x.Narrow(1, steps - 1, 1).Squeeze(1);
            if (l + 1 < layers.Count && dropout > 0) x = Dropout(x, dropout, training, generator!);
        }
        var finalState = new RecurrentState(layers.Count == 1 ? hn[0].Unsqueeze(0) : Tensor.Stack(hn),
            cn is null ? null : layers.Count == 1 ? cn[0].Unsqueeze(0) : Tensor.Stack(cn));
        return (x, finalState);
    }

    private static void CheckState(Tensor t, string name, int layers, int batch, int hidden, string op)
    {
        if (t.Rank != 3 || t.Size(0) != layers || t.Size(1) != batch || t.Size(2) != hidden)
            throw new ArgumentException(
                $"{op}: {name} must be (layers, batch, hidden) = ({layers}, {batch}, {hidden}), got {ShapeUtil.Format(t.Shape)}");
    }
}

/// <summary>One recurrent layer's tensors, named as in PyTorch (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0).</summary>
/// <param name="WeightIh">The input-to-hidden weights, (G·H, in), with G gate blocks (1 RNN, 4 LSTM, 3 GRU).</param>
/// <param name="WeightHh">The hidden-to-hidden weights, (G·H, H).</param>
/// <param name="BiasIh">The input-to-hidden bias, (G·H).</param>
/// <param name="BiasHh">The hidden-to-hidden bias, (G·H).</param>
public sealed record RecurrentWeights(Tensor WeightIh, Tensor WeightHh, Tensor BiasIh, Tensor BiasHh);

/// <summary>The state a recurrent stack carries between calls: h (and c for LSTM), each (layers, batch, hidden).</summary>
/// <param name="H">The hidden state of every layer, (layers, batch, hidden).</param>
/// <param name="C">The LSTM cell state of every layer, (layers, batch, hidden); null for RNN and GRU.</param>
public sealed record RecurrentState(Tensor H, Tensor? C)
{
    /// <summary>The same values cut off from the graph: what truncated backpropagation through time
    /// carries from one chunk to the next, so the next backward stops at the chunk boundary.</summary>
    public RecurrentState Detach() => new(H.Detach(), C?.Detach());

    /// <summary>The same values cut off from the graph and copied out of the current
    /// <see cref="TensorScope"/>, so they survive the end of the training step that made them: the state
    /// truncated backpropagation through time carries into the next step.</summary>
    public RecurrentState Carry()
    {
        using var _ = TensorScope.Suspend();
        using var __ = Autograd.GradMode.NoGrad();
        return new RecurrentState(H.Detach().Clone(), C?.Detach().Clone());
    }
}
