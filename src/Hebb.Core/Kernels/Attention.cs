using System.Numerics;

namespace Hebb.Kernels;

/// <summary>Where the matrices of one attention operand lie in its array: matrix i (one per batch and
/// head) starts at Offsets[i]; element (r, c) is at Offsets[i] + r·RowStride + c·ColStride.</summary>
internal readonly record struct MatrixSet(int[] Offsets, int RowStride, int ColStride);

/// <summary>
/// Scaled dot-product attention over many (batch, head) matrices at once, forward and backward:
/// S = scale·Q·Kᵀ, masked entries (causal: column &gt; row; or a non-zero mask value) get probability 0,
/// P = softmax(S) row by row, O = (P ⊙ keep)·V, where keep holds the dropout factors (0 or 1/(1-p)) when
/// dropout is on. The products go through <see cref="Gemm"/> on strided operands, so the heads of a
/// packed (batch, time, 3·channels) projection are read in place; P is kept for the backward.
/// A row whose every key is masked attends to nothing: its probabilities and output are zero.
/// Work is split over matrices, `group` at a time (one thread owns a group), so every result is
/// computed in the same order whatever the thread count.
/// </summary>
internal sealed class AttentionKernel<T> : IParallelWork where T : unmanaged, IFloatingPointIeee754<T>
{
    private const long ParallelFlops = 1 << 20;

    private bool _backward;
    private T[] _q = [], _k = [], _v = [], _o = [], _p = [], _scratch = [];
    private T[]? _keep, _gradQ, _gradK, _gradV;
    private int[]? _mask;
    private MatrixSet _qs, _ks, _vs, _os, _ms, _dqs, _dks, _dvs;
    private int _count, _group, _tq, _tk, _d, _dValue;
    private T _scale;
    private bool _causal;

    /// <summary>Computes O = (softmax(scale·Q·Kᵀ, masked) ⊙ keep)·V for <c>count</c> matrices, <c>group</c> per thread.
    /// q, k, v are read where qs, ks, vs say (Q (tq, d), K (tk, d), V (tk, dv) each); o is written where os says,
    /// and its matrices must have column stride 1. p receives the probabilities densely (matrix i at i·tq·tk).
    /// causal masks the columns past the row; mask (or null) masks where it is non-zero, laid out by ms. keep holds
    /// dropout's factors (null when dropout is off); scratch holds <see cref="ScratchLength"/> values (used when
    /// dropout is on).</summary>
    public static void Forward(T[] q, MatrixSet qs, T[] k, MatrixSet ks, T[] v, MatrixSet vs, T[] o, MatrixSet os,
        T[] p, int count, int group, int tq, int tk, int d, int dv, T scale, bool causal, int[]? mask, MatrixSet ms, T[]? keep, T[] scratch)
    {
        var w = new AttentionKernel<T>
        {
            _q = q, _k = k, _v = v, _o = o, _p = p, _qs = qs, _ks = ks, _vs = vs, _os = os, _count = count, _group = group,
            _tq = tq, _tk = tk, _d = d, _dValue = dv, _scale = scale, _causal = causal, _mask = mask, _ms = ms,
            _keep = keep, _scratch = scratch,
        };
        w.Launch();
    }

    /// <summary>Adds the gradients into dq, dk, dv (any may be null when not needed); g is dL/dO.
    /// scratch holds <see cref="ScratchLength"/> values.</summary>
    public static void Backward(T[] q, MatrixSet qs, T[] k, MatrixSet ks, T[] v, MatrixSet vs, T[] g, MatrixSet gs, T[] p,
        T[]? dq, MatrixSet dqs, T[]? dk, MatrixSet dks, T[]? dvArr, MatrixSet dvs,
        int count, int group, int tq, int tk, int d, int dv, T scale, T[]? keep, T[] scratch)
    {
        var w = new AttentionKernel<T>
        {
            _backward = true, _q = q, _k = k, _v = v, _o = g, _p = p, _qs = qs, _ks = ks, _vs = vs, _os = gs,
            _gradQ = dq, _gradK = dk, _gradV = dvArr, _dqs = dqs, _dks = dks, _dvs = dvs, _count = count, _group = group,
            _tq = tq, _tk = tk, _d = d, _dValue = dv, _scale = scale, _keep = keep, _scratch = scratch,
        };
        w.Launch();
    }

    /// <summary>Turns uniform draws r in [0, 1) into dropout's keep factors, in place: 1/(1-p) where r ≥ p, else 0.</summary>
    public static void ToKeepFactors(Span<T> r, T p)
    {
        T factor = T.One / (T.One - p);
        for (int i = 0; i < r.Length; i++) r[i] = r[i] >= p ? factor : T.Zero;
    }

    /// <summary>Threads this call may use: never more than the groups, and one when the work is small.</summary>
    public static int Parts(int count, int group, int tq, int tk, int d, int dv)
    {
        long flops = 2L * count * tq * tk * (d + dv);
        return flops < ParallelFlops ? 1 : Math.Max(1, Math.Min(ComputeSettings.Threads, count / group));
    }

    /// <summary>Scratch values a call needs: per thread, tq·tk (forward) or 2·tq·tk (backward).</summary>
    public static int ScratchLength(int count, int group, int tq, int tk, int d, int dv, bool backward) =>
        Parts(count, group, tq, tk, d, dv) * tq * tk * (backward ? 2 : 1);

    private void Launch() => WorkerPool.Run(this, Parts(_count, _group, _tq, _tk, _d, _dValue));

    public void Run(int part, int parts)
    {
        int groups = _count / _group;
        int first = (int)((long)groups * part / parts) * _group, last = (int)((long)groups * (part + 1) / parts) * _group;
        int sOff = part * _tq * _tk * (_backward ? 2 : 1); // this thread's scratch
        for (int i = first; i < last; i++)
        {
            if (_backward) BackwardOne(i, sOff);
            else ForwardOne(i, sOff);
        }
    }

    private void ForwardOne(int i, int sOff)
    {
        int tq = _tq, tk = _tk, pOff = i * tq * tk;
        // S = Q·Kᵀ: Kᵀ is K read with its strides swapped.
        Gemm.Multiply(_q, _qs.Offsets[i], _qs.RowStride, _qs.ColStride, _k, _ks.Offsets[i], _ks.ColStride, _ks.RowStride,
            _p, pOff, tq, _d, tk);
        for (int r = 0; r < tq; r++) SoftmaxRow(_p.AsSpan(pOff + r * tk, tk), r, i);

        T[] a = _p;
        int aOff = pOff;
        if (_keep is not null)
        {
            // Dropout on the probabilities: O = (P ⊙ keep)·V, with P itself kept unchanged for the backward.
            MulOp.Apply<T>(_p.AsSpan(pOff, tq * tk), _keep.AsSpan(pOff, tq * tk), _scratch.AsSpan(sOff, tq * tk));
            (a, aOff) = (_scratch, sOff);
        }
        Gemm.Multiply(a, aOff, tk, 1, _v, _vs.Offsets[i], _vs.RowStride, _vs.ColStride,
            _o, _os.Offsets[i], tq, tk, _dValue, ldc: _os.RowStride);
    }

    /// <summary>Scales one row of scores, masks it and turns it into probabilities in place.</summary>
    private void SoftmaxRow(Span<T> row, int r, int i)
    {
        int allowed = _causal ? Math.Min(r + 1, row.Length) : row.Length;
        row[allowed..].Clear();
        var live = row[..allowed];
        MulOp.Apply<T>(live, _scale, live);
        if (_mask is not null)
        {
            int mOff = _ms.Offsets[i] + r * _ms.RowStride;
            for (int j = 0; j < live.Length; j++)
                if (_mask[mOff + j * _ms.ColStride] != 0) live[j] = T.NegativeInfinity;
        }
        T max = live.Length == 0 ? T.NegativeInfinity : F32.Max<T>(live);
        if (T.IsNegativeInfinity(max))
        {
            live.Clear(); // every key masked: this query attends to nothing
            return;
        }
        SubOp.Apply<T>(live, max, live);
        ExpOp.Apply<T>(live, live); // e^-inf = 0 for the masked entries
        MulOp.Apply<T>(live, T.One / F32.Sum<T>(live), live);
    }

    private void BackwardOne(int i, int sOff)
    {
        int tq = _tq, tk = _tk, size = tq * tk, pOff = i * size;
        int dpOff = sOff, dropOff = sOff + size;
        var p = _p.AsSpan(pOff, size);
        var dP = _scratch.AsSpan(dpOff, size);

        // dP' = dO·Vᵀ (the gradient of the dropped probabilities).
        Gemm.Multiply(_o, _os.Offsets[i], _os.RowStride, _os.ColStride, _v, _vs.Offsets[i], _vs.ColStride, _vs.RowStride,
            _scratch, dpOff, tq, _dValue, tk);
        if (_gradV is not null)
        {
            // dV += (P ⊙ keep)ᵀ·dO: the transpose is P read with swapped strides.
            T[] a = _p;
            int aOff = pOff;
            if (_keep is not null)
            {
                MulOp.Apply<T>(p, _keep.AsSpan(pOff, size), _scratch.AsSpan(dropOff, size));
                (a, aOff) = (_scratch, dropOff);
            }
            Gemm.Multiply(a, aOff, 1, tk, _o, _os.Offsets[i], _os.RowStride, _os.ColStride,
                _gradV, _dvs.Offsets[i], tk, tq, _dValue, accumulate: true, ldc: _dvs.RowStride);
        }
        if (_gradQ is null && _gradK is null) return;
        if (_keep is not null) MulOp.Apply<T>(dP, _keep.AsSpan(pOff, size), dP);

        // dS = P ⊙ (dP - rowsum(dP ⊙ P)) · scale (the softmax backward, then the scale of the scores).
        for (int r = 0; r < tq; r++)
        {
            var pr = p.Slice(r * tk, tk);
            var dr = dP.Slice(r * tk, tk);
            T dot = Dot(dr, pr);
            SubOp.Apply<T>(dr, dot, dr);
            MulOp.Apply<T>(dr, pr, dr);
            MulOp.Apply<T>(dr, _scale, dr);
        }
        // dQ += dS·K and dK += dSᵀ·Q.
        if (_gradQ is not null)
            Gemm.Multiply(_scratch, dpOff, tk, 1, _k, _ks.Offsets[i], _ks.RowStride, _ks.ColStride,
                _gradQ, _dqs.Offsets[i], tq, tk, _d, accumulate: true, ldc: _dqs.RowStride);
        if (_gradK is not null)
            Gemm.Multiply(_scratch, dpOff, 1, tk, _q, _qs.Offsets[i], _qs.RowStride, _qs.ColStride,
                _gradK, _dks.Offsets[i], tk, tq, _d, accumulate: true, ldc: _dks.RowStride);
    }

    private static T Dot(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
    {
        if (F32.Is<T>()) return F32.Back<T>(System.Numerics.Tensors.TensorPrimitives.Dot(F32.R(a), F32.R(b)));
        T sum = T.Zero;
        for (int j = 0; j < a.Length; j++) sum += a[j] * b[j];
        return sum;
    }
}
