using System.Numerics;
using System.Numerics.Tensors;

namespace Hebb.Kernels;

/// <summary>
/// The point-wise part of one time step of the recurrent cells, for one batch row, forward and
/// backward. The matrix products (input projection, recurrent product) are done by the caller;
/// here x stands for the row of W_ih·x + b_ih and r for the row of W_hh·h_(t-1) + b_hh, each of
/// Gates·H values in PyTorch's gate order (LSTM i, f, g, o; GRU r, z, n).
/// Forward uses TensorPrimitives (float overloads for float); backward needs only + - ×, done with
/// Vector&lt;T&gt; loops written once for float and double. The op that runs the steps over a sequence
/// (the GEMMs, the order of steps, the tensors) is Ops/RecurrentOp.cs; the copies it makes between
/// steps are at the end of this file.
/// </summary>
internal static class RecurrentCells
{
    // ---------------------------------------------------------------- forward

    /// <summary>LSTM: gates = act(x + r) (saved as i, f, C~, o), C = f·C_prev + i·C~, h = o·tanh(C).</summary>
    public static void LstmForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> r, ReadOnlySpan<T> cPrev,
        Span<T> gates, Span<T> c, Span<T> tanhC, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = c.Length;
        Add(x, r, gates);
        Sigmoid(gates[..(2 * n)]);          // i, f
        Tanh(gates.Slice(2 * n, n));        // C~
        Sigmoid(gates.Slice(3 * n, n));     // o
        var i = gates[..n];
        var f = gates.Slice(n, n);
        var g = gates.Slice(2 * n, n);
        var o = gates.Slice(3 * n, n);
        Mul(i, g, c);
        MulAdd(f, cPrev, c, c);
        tanhC = tanhC[..n];
        Copy(c, tanhC);
        Tanh(tanhC);
        Mul(o, tanhC, h);
    }

    /// <summary>GRU (PyTorch's form): r, z = sigma(x + r); n = tanh(x_n + r·(W_hn h + b_hn)); h = (1-z)·n + z·h_prev.</summary>
    public static void GruForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> rec, ReadOnlySpan<T> hPrev,
        Span<T> gates, Span<T> recN, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = h.Length;
        Add(x[..(2 * n)], rec[..(2 * n)], gates[..(2 * n)]);
        Sigmoid(gates[..(2 * n)]);
        var rg = gates[..n];
        var z = gates.Slice(n, n);
        var ng = gates.Slice(2 * n, n);
        Copy(rec.Slice(2 * n, n), recN);
        MulAdd(rg, recN, x.Slice(2 * n, n), ng);
        Tanh(ng);
        Sub(hPrev, ng, h);   // h = n + z·(h_prev - n)
        MulAdd(z, h, ng, h);
    }

    /// <summary>Elman RNN: h = tanh(x + r).</summary>
    public static void RnnForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> r, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Add(x, r, h);
        Tanh(h);
    }

    // ---------------------------------------------------------------- backward

    /// <summary>
    /// LSTM step backward. dh: gradient of h_t (output plus recurrence); dc: in, gradient of C_t
    /// arriving from later steps and outputs; out, gradient of C_(t-1). dGates receives the gradient of
    /// the pre-activations (= of x and of r).
    /// </summary>
    public static void LstmBackward<T>(ReadOnlySpan<T> gates, ReadOnlySpan<T> tanhC, ReadOnlySpan<T> cPrev,
        ReadOnlySpan<T> dh, Span<T> dc, Span<T> dGates) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = dc.Length;
        var i = gates[..n];
        var f = gates.Slice(n, n);
        var g = gates.Slice(2 * n, n);
        var o = gates.Slice(3 * n, n);
        var di = dGates[..n];
        var df = dGates.Slice(n, n);
        var dg = dGates.Slice(2 * n, n);
        var dO = dGates.Slice(3 * n, n);
        var one = Vector<T>.One;
        int j = 0;
        for (; j <= n - Vector<T>.Count; j += Vector<T>.Count)
        {
            var vi = new Vector<T>(i[j..]); var vf = new Vector<T>(f[j..]); var vg = new Vector<T>(g[j..]); var vo = new Vector<T>(o[j..]);
            var tc = new Vector<T>(tanhC[j..]); var vdh = new Vector<T>(dh[j..]);
            var vdc = new Vector<T>(dc[j..]) + vdh * vo * (one - tc * tc);
            (vdh * tc * vo * (one - vo)).CopyTo(dO[j..]);
            (vdc * vg * vi * (one - vi)).CopyTo(di[j..]);
            (vdc * new Vector<T>(cPrev[j..]) * vf * (one - vf)).CopyTo(df[j..]);
            (vdc * vi * (one - vg * vg)).CopyTo(dg[j..]);
            (vdc * vf).CopyTo(dc[j..]);
        }
        for (; j < n; j++)
        {
            T tc = tanhC[j], vdh = dh[j];
            T vdc = dc[j] + vdh * o[j] * (T.One - tc * tc);
            dO[j] = vdh * tc * o[j] * (T.One - o[j]);
            di[j] = vdc * g[j] * i[j] * (T.One - i[j]);
            df[j] = vdc * cPrev[j] * f[j] * (T.One - f[j]);
            dg[j] = vdc * i[j] * (T.One - g[j] * g[j]);
            dc[j] = vdc * f[j];
        }
    }

    /// <summary>
    /// GRU step backward. dX and dRec receive the gradients of x and of the recurrent row (they differ
    /// in the n part: dRec_n = dX_n·r); dhPrev receives the direct part dh·z of the gradient of h_prev.
    /// </summary>
    public static void GruBackward<T>(ReadOnlySpan<T> gates, ReadOnlySpan<T> recN, ReadOnlySpan<T> hPrev,
        ReadOnlySpan<T> dh, Span<T> dX, Span<T> dRec, Span<T> dhPrev) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = dhPrev.Length;
        var r = gates[..n];
        var z = gates.Slice(n, n);
        var ng = gates.Slice(2 * n, n);
        var one = Vector<T>.One;
        int j = 0;
        for (; j <= n - Vector<T>.Count; j += Vector<T>.Count)
        {
            var vr = new Vector<T>(r[j..]); var vz = new Vector<T>(z[j..]); var vn = new Vector<T>(ng[j..]);
            var vdh = new Vector<T>(dh[j..]);
            var dPreN = vdh * (one - vz) * (one - vn * vn);
            var dPreZ = vdh * (new Vector<T>(hPrev[j..]) - vn) * vz * (one - vz);
            var dPreR = dPreN * new Vector<T>(recN[j..]) * vr * (one - vr);
            (vdh * vz).CopyTo(dhPrev[j..]);
            dPreR.CopyTo(dX[j..]); dPreR.CopyTo(dRec[j..]);
            dPreZ.CopyTo(dX[(n + j)..]); dPreZ.CopyTo(dRec[(n + j)..]);
            dPreN.CopyTo(dX[(2 * n + j)..]); (dPreN * vr).CopyTo(dRec[(2 * n + j)..]);
        }
        for (; j < n; j++)
        {
            T vdh = dh[j];
            T dPreN = vdh * (T.One - z[j]) * (T.One - ng[j] * ng[j]);
            T dPreZ = vdh * (hPrev[j] - ng[j]) * z[j] * (T.One - z[j]);
            T dPreR = dPreN * recN[j] * r[j] * (T.One - r[j]);
            dhPrev[j] = vdh * z[j];
            dX[j] = dRec[j] = dPreR;
            dX[n + j] = dRec[n + j] = dPreZ;
            dX[2 * n + j] = dPreN;
            dRec[2 * n + j] = dPreN * r[j];
        }
    }

    /// <summary>RNN step backward: d(pre) = dh·(1 - h²).</summary>
    public static void RnnBackward<T>(ReadOnlySpan<T> h, ReadOnlySpan<T> dh, Span<T> dPre) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = h.Length, j = 0;
        var one = Vector<T>.One;
        for (; j <= n - Vector<T>.Count; j += Vector<T>.Count)
        {
            var vh = new Vector<T>(h[j..]);
            (new Vector<T>(dh[j..]) * (one - vh * vh)).CopyTo(dPre[j..]);
        }
        for (; j < n; j++) dPre[j] = dh[j] * (T.One - h[j] * h[j]);
    }

    // ---------------------------------------------------------------- between steps, over the whole batch

    /// <summary>dh (batch, hidden) = dhT (hidden, batch) transposed, or += when <paramref name="add"/>: the
    /// backward computes dh_(t-1) transposed because that product splits better over threads.</summary>
    public static void FromTransposed<T>(ReadOnlySpan<T> dhT, Span<T> dh, int batch, int hidden, bool add)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int bi = 0; bi < batch; bi++)
        {
            var row = dh.Slice(bi * hidden, hidden);
            if (add) for (int j = 0; j < hidden; j++) row[j] += dhT[j * batch + bi];
            else for (int j = 0; j < hidden; j++) row[j] = dhT[j * batch + bi];
        }
    }

    /// <summary>h_(t-1) for every (b, t), rows in (b, t) order: the outputs y (batch, steps, hidden) shifted one step
    /// later, each sequence starting with its row of h0 (batch, hidden).</summary>
    public static void PreviousStates<T>(ReadOnlySpan<T> h0, ReadOnlySpan<T> y, Span<T> hPrev, int batch, int steps, int hidden)
        where T : unmanaged
    {
        for (int bi = 0; bi < batch; bi++)
        {
            h0.Slice(bi * hidden, hidden).CopyTo(hPrev.Slice(bi * steps * hidden, hidden));
            y.Slice(bi * steps * hidden, (steps - 1) * hidden).CopyTo(hPrev.Slice((bi * steps + 1) * hidden, (steps - 1) * hidden));
        }
    }

    // ---------------------------------------------------------------- span helpers: the shared element-wise ops

    public static void Add<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> =>
        AddOp.Apply(x, y, d);
    private static void Sub<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> =>
        SubOp.Apply(x, y, d);
    private static void Mul<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> =>
        MulOp.Apply(x, y, d);
    private static void MulAdd<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> a, Span<T> d)
        where T : unmanaged, IFloatingPointIeee754<T> => F32.MultiplyAdd(x, y, a, d);
    private static void Sigmoid<T>(Span<T> x) where T : unmanaged, IFloatingPointIeee754<T> => SigmoidOp.Apply<T>(x, x);
    private static void Tanh<T>(Span<T> x) where T : unmanaged, IFloatingPointIeee754<T> => TanhOp.Apply<T>(x, x);

    private static void Copy<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged => x.CopyTo(d);
}
