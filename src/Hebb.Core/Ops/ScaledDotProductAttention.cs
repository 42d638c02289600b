using System.Numerics;
using Hebb.Autograd;
using Hebb.Kernels;

namespace Hebb.Ops;

/// <summary>
/// softmax(Q·Kᵀ·scale + mask)·V as one op, forward and backward (the kernel is
/// <see cref="AttentionKernel{T}"/>): the scores and probabilities never become graph tensors, the
/// probabilities are the only thing saved, and the backward produces dQ, dK and dV in one pass.
/// Two ways in: <see cref="Forward"/> takes (..., T, d) tensors as torch's scaled_dot_product_attention;
/// <see cref="MultiHead"/> reads the heads straight out of (batch, time, heads·d) projections (columns
/// [start + h·d, start + (h+1)·d) are head h) and writes (batch, time, heads·d), so multi-head attention
/// needs no split-heads/merge-heads copies, and a packed q|k|v projection gets one gradient tensor back.
/// </summary>
internal static class AttentionOp
{
    /// <summary>Where one operand's matrices come from: input Source (an index into the distinct
    /// inputs); Heads = 0 for (..., rows, cols) tensors, else the head columns of a (B, T, W) tensor.</summary>
    private readonly record struct Spec(int Source, int Start, int Heads, int HeadDim);

    public static Tensor Forward(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal, double? scale, double dropoutP,
        Generator? generator, out Tensor? weights, bool needWeights)
    {
        const string op = "ScaledDotProductAttention";
        CheckFloat(q, k, v, op);
        if (q.Rank < 2 || k.Rank != q.Rank || v.Rank != q.Rank)
            throw new ArgumentException(
                $"{op}: query, key and value must have the same rank (at least 2: (..., time, features)), got {Shapes(q, k, v)}");
        for (int i = 0; i < q.Rank - 2; i++)
            if (k.ShapeArray[i] != q.ShapeArray[i] || v.ShapeArray[i] != q.ShapeArray[i])
                throw new ArgumentException(
                    $"{op}: query, key and value must share their leading (batch, head) dims, got {Shapes(q, k, v)}");
        int tq = q.ShapeArray[^2], d = q.ShapeArray[^1], tk = k.ShapeArray[^2], dv = v.ShapeArray[^1];
        if (k.ShapeArray[^1] != d)
            throw new ArgumentException($"{op}: query and key must have the same feature size, got {Shapes(q, k, v)}");
        if (v.ShapeArray[^2] != tk)
            throw new ArgumentException($"{op}: key and value must have the same length (dim -2), got {Shapes(q, k, v)}");
        var lead = q.ShapeArray[..^2];
        int[] outShape = [.. lead, tq, dv];
        return Run(op, [q, k, v], lead, tq, tk, d, dv, outShape, null, mask, causal, scale ?? 1 / Math.Sqrt(d), dropoutP, generator,
            needWeights, out weights);
    }

    /// <summary>Multi-head attention on (B, T, W) projections: head h of the queries is columns
    /// [qStart + h·headDim, ...) of query (B, Tq, Wq), likewise for key and value (B, Tk, ·); the result is
    /// (B, Tq, heads·headDim) with head h in columns h·headDim... The three may be the same tensor (a packed
    /// q|k|v projection). Mask broadcasts to (B, heads, Tq, Tk); weights come out in that shape.</summary>
    public static Tensor MultiHead(Tensor query, int qStart, Tensor key, int kStart, Tensor value, int vStart, int heads, int headDim,
        Tensor? mask, bool causal, double dropoutP, Generator? generator, out Tensor? weights, bool needWeights)
    {
        const string op = "MultiheadAttention";
        CheckFloat(query, key, value, op);
        if (query.Rank != 3 || key.Rank != 3 || value.Rank != 3)
            throw new ArgumentException($"{op}: query, key and value must be (batch, time, features), got {Shapes(query, key, value)}");
        int b = query.ShapeArray[0], tq = query.ShapeArray[1], tk = key.ShapeArray[1];
        if (key.ShapeArray[0] != b || value.ShapeArray[0] != b || value.ShapeArray[1] != tk)
            throw new ArgumentException($"{op}: batch sizes or key/value lengths differ: {Shapes(query, key, value)}");
        if (heads <= 0 || headDim <= 0) throw new ArgumentException($"{op}: heads ({heads}) and head size ({headDim}) must be positive");
        foreach (var (t, start, name) in new[] { (query, qStart, "query"), (key, kStart, "key"), (value, vStart, "value") })
            if (start < 0 || start + heads * headDim > t.ShapeArray[2])
                throw new ArgumentException(
                    $"{op}: {name} columns [{start}, {start + heads * headDim}) for {heads} heads of {headDim} " +
                    $"lie outside its {t.ShapeArray[2]} features");
        int[] outShape = [b, tq, heads * headDim];
        return Run(op, [query, key, value], [b, heads], tq, tk, headDim, headDim, outShape, [qStart, kStart, vStart], mask, causal,
            1 / Math.Sqrt(headDim), dropoutP, generator, needWeights, out weights);
    }

    private static Tensor Run(string op, Tensor[] qkv, int[] lead, int tq, int tk, int d, int dv, int[] outShape, int[]? starts,
        Tensor? mask, bool causal, double scale, double dropoutP, Generator? generator, bool needWeights, out Tensor? weights)
    {
        if (!(dropoutP >= 0 && dropoutP < 1))
            throw new ArgumentOutOfRangeException(nameof(dropoutP), $"{op}: dropout must be in [0, 1), got {dropoutP}");
        if (dropoutP > 0 && generator is null) throw new ArgumentException($"{op}: dropout needs a generator");
        if (!(scale > 0) || double.IsInfinity(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), $"{op}: scale must be positive and finite, got {scale}");

        // Distinct inputs: a tensor passed as several of q, k, v is one input with one gradient.
        var sources = new List<Tensor>(3);
        var specs = new Spec[3];
        for (int j = 0; j < 3; j++)
        {
            int s = sources.FindIndex(t => ReferenceEquals(t, qkv[j]));
            if (s < 0) { s = sources.Count; sources.Add(qkv[j]); }
            specs[j] = new Spec(s, starts?[j] ?? 0, starts is null ? 0 : lead[1], j == 2 ? dv : d);
        }
        int count = ShapeUtil.Numel(lead);
        int group = SafeToSplitHeads(specs) ? 1 : lead[^1];
        int[] scoreShape = [.. lead, tq, tk];

        int[]? maskData = null;
        MatrixSet maskSet = default;
        if (mask is not null)
        {
            if (mask.DType != DType.Int32)
                throw new ArgumentException($"{op}: mask must be an int32 tensor (non-zero = masked out), got {mask.DType.Name()}");
            bool fits = mask.Rank <= scoreShape.Length;
            for (int i = 1; fits && i <= mask.Rank; i++) fits = mask.ShapeArray[^i] == 1 || mask.ShapeArray[^i] == scoreShape[^i];
            if (!fits)
                throw new ArgumentException(
                    $"{op}: mask of shape {ShapeUtil.Format(mask.Shape)} does not broadcast to the scores' shape " +
                    $"{ShapeUtil.Format(scoreShape)}");
            var m = mask.Expand(scoreShape);
            maskData = m.Data<int>();
            maskSet = Matrices(m.ShapeArray, m.StrideArray, m.Offset);
        }

        var dtype = qkv[0].DType;
        var probs = Tensor.Uninitialized(dtype, [count, tq, tk]);
        Tensor? keep = null;
        if (dropoutP > 0)
        {
            using (GradMode.NoGrad()) keep = Tensor.Rand(generator!, dtype, count, tq, tk);
            if (dtype == DType.Float32) AttentionKernel<float>.ToKeepFactors(keep.Data<float>(), (float)dropoutP);
            else AttentionKernel<double>.ToKeepFactors(keep.Data<double>(), dropoutP);
        }
        var y = Tensor.Uninitialized(dtype, outShape);
        var ySet = Layout(new Spec(0, 0, starts is null ? 0 : lead[1], dv), y.ShapeArray, y.StrideArray, 0);
        var scratch = Tensor.Uninitialized(
            dtype, [keep is null ? 0 : AttentionKernel<float>.ScratchLength(count, group, tq, tk, d, dv, backward: false)]);
        if (dtype == DType.Float32)
            AttentionKernel<float>.Forward(
                qkv[0].Data<float>(), Set(specs[0], qkv[0]), qkv[1].Data<float>(), Set(specs[1], qkv[1]),
                qkv[2].Data<float>(), Set(specs[2], qkv[2]),
                y.Data<float>(), ySet, probs.Data<float>(), count, group, tq, tk, d, dv, (float)scale, causal, maskData, maskSet,
                keep?.Data<float>(), scratch.Data<float>());
        else
            AttentionKernel<double>.Forward(
                qkv[0].Data<double>(), Set(specs[0], qkv[0]), qkv[1].Data<double>(), Set(specs[1], qkv[1]),
                qkv[2].Data<double>(), Set(specs[2], qkv[2]),
                y.Data<double>(), ySet, probs.Data<double>(), count, group, tq, tk, d, dv, scale, causal, maskData, maskSet,
                keep?.Data<double>(), scratch.Data<double>());

        weights = needWeights ? probs.Detach().View(scoreShape) : null;
        if (GradMode.ShouldRecord([.. sources]))
            y.GradFn = new ScaledDotProductAttentionBackward([.. sources], specs, probs, keep, count, group, tq, tk, d, dv, scale);
        return y;
    }

    /// <summary>Threads may take single heads unless two operands read overlapping but different
    /// head columns of one tensor (then two heads would add into the same gradient columns).</summary>
    private static bool SafeToSplitHeads(Spec[] specs)
    {
        for (int a = 0; a < 3; a++)
            for (int b = a + 1; b < 3; b++)
            {
                var (x, y) = (specs[a], specs[b]);
                if (x.Source != y.Source || x.Heads == 0 || x.Start == y.Start) continue;
                int width = x.Heads * x.HeadDim;
                if (x.Start < y.Start + width && y.Start < x.Start + width) return false;
            }
        return true;
    }

    private static MatrixSet Set(Spec spec, Tensor t) => Layout(spec, t.ShapeArray, t.StrideArray, t.Offset);

    /// <summary>The matrices of an operand laid out with the given shape, strides and offset: either the
    /// tensor's own trailing two dims, or, for heads, the view (B, H, T, d) with strides (s0, d·s2, s1, s2).</summary>
    private static MatrixSet Layout(Spec spec, int[] shape, int[] strides, int offset)
    {
        if (spec.Heads == 0) return Matrices(shape, strides, offset);
        return Matrices(
            [shape[0], spec.Heads, shape[1], spec.HeadDim],
            [strides[0], spec.HeadDim * strides[2], strides[1], strides[2]],
            offset + spec.Start * strides[2]);
    }

    /// <summary>Offsets of every (rows, cols) matrix of a (lead..., rows, cols) view, row-major over lead.</summary>
    private static MatrixSet Matrices(int[] shape, int[] strides, int offset)
    {
        int rank = shape.Length, count = 1;
        for (int i = 0; i < rank - 2; i++) count *= shape[i];
        var offsets = new int[count];
        for (int i = 0; i < count; i++)
        {
            int o = offset, rest = i;
            for (int dim = rank - 3; dim >= 0; dim--)
            {
                o += rest % shape[dim] * strides[dim];
                rest /= shape[dim];
            }
            offsets[i] = o;
        }
        return new MatrixSet(offsets, strides[rank - 2], strides[rank - 1]);
    }

    private static void CheckFloat(Tensor q, Tensor k, Tensor v, string op)
    {
        Pointwise.CheckSameFloat(q, k, op);
        Pointwise.CheckSameFloat(q, v, op);
    }

    private static string Shapes(Tensor q, Tensor k, Tensor v) =>
        $"query {ShapeUtil.Format(q.Shape)}, key {ShapeUtil.Format(k.Shape)}, value {ShapeUtil.Format(v.Shape)}";

    /// <summary>dQ, dK, dV from the saved probabilities, summed per distinct input.</summary>
    private sealed class ScaledDotProductAttentionBackward(Tensor[] sources, Spec[] specs, Tensor probs, Tensor? keep,
        int count, int group, int tq, int tk, int d, int dv, double scale) : Node(sources, saveForBackward: [probs, keep])
    {
        public override Tensor?[] Backward(Tensor g)
        {
            var inputs = Array.ConvertAll(Inputs, t => t!); // q, k, v: never absent
            var grads = new Tensor?[inputs.Length];
            for (int s = 0; s < inputs.Length; s++)
                if (NeedsGrad(s))
                    grads[s] = Tensor.Empty(inputs[s].DType, (int[])inputs[s].ShapeArray.Clone()); // zeroed: the kernel adds into it
            var gSet = Layout(new Spec(0, 0, specs[0].Heads, dv), g.ShapeArray, g.StrideArray, g.Offset);
            var scratch = Tensor.Uninitialized(
                g.DType, [AttentionKernel<float>.ScratchLength(count, group, tq, tk, d, dv, backward: true)]);
            if (g.DType == DType.Float32) Run<float>(inputs, grads, g, gSet, scratch, (float)scale);
            else Run<double>(inputs, grads, g, gSet, scratch, scale);
            return grads;
        }

        private void Run<T>(Tensor[] inputs, Tensor?[] grads, Tensor g, MatrixSet gSet, Tensor scratch, T scale)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var (q, k, v) = (inputs[specs[0].Source], inputs[specs[1].Source], inputs[specs[2].Source]);
            var (gq, gk, gv) = (grads[specs[0].Source], grads[specs[1].Source], grads[specs[2].Source]);
            MatrixSet GradSet(int j, Tensor? t) => t is null ? default : Layout(specs[j], t.ShapeArray, t.StrideArray, 0);
            AttentionKernel<T>.Backward(
                q.Data<T>(), Set(specs[0], q), k.Data<T>(), Set(specs[1], k), v.Data<T>(), Set(specs[2], v), g.Data<T>(), gSet,
                Saved(0).Data<T>(),
                gq?.Data<T>(), GradSet(0, gq), gk?.Data<T>(), GradSet(1, gk), gv?.Data<T>(), GradSet(2, gv),
                count, group, tq, tk, d, dv, scale, SavedOrNull(1)?.Data<T>(), scratch.Data<T>());
        }
    }
}
