using Hebb.NN;
using Hebb.Ops;
using static Hebb.Tests.Autograd.GradCheck;

namespace Hebb.Tests.NN;

/// <summary>The fused attention op against finite differences, against the same formula composed from
/// MatMul/MaskedFill/Softmax, and against a hand computation with plain loops.</summary>
public class AttentionTests
{
    private readonly Generator _g = new(11);

    private static Tensor Sdpa(Tensor q, Tensor k, Tensor v, Tensor? mask = null, bool causal = false) =>
        Functional.ScaledDotProductAttention(q, k, v, mask, causal);

    /// <summary>softmax(Q·Kᵀ/sqrt(d) with masked scores at -inf)·V, from separate ops.</summary>
    private static Tensor Composed(Tensor q, Tensor k, Tensor v, Tensor? mask = null, bool causal = false)
    {
        var scores = q.MatMul(k.Transpose(-2, -1)).Div(Math.Sqrt(q.Size(-1)));
        if (causal) scores = scores.MaskedFill(Functional.CausalMask(q.Size(-2), k.Size(-2)), double.NegativeInfinity);
        if (mask is not null) scores = scores.MaskedFill(mask, double.NegativeInfinity);
        return scores.Softmax(-1).MatMul(v);
    }

    [Fact]
    public void GradcheckPlain() => Check(x => Sdpa(x[0], x[1], x[2]), Leaf(_g, 2, 3, 4), Leaf(_g, 2, 5, 4), Leaf(_g, 2, 5, 3));

    [Fact]
    public void GradcheckCausal() =>
        Check(x => Sdpa(x[0], x[1], x[2], causal: true), Leaf(_g, 2, 2, 4, 3), Leaf(_g, 2, 2, 4, 3), Leaf(_g, 2, 2, 4, 2));

    [Fact]
    public void GradcheckNonContiguous() =>
        Check(x => Sdpa(x[0], x[1], x[2], causal: true),
            NonContiguousLeaf(_g, 2, 4, 3), NonContiguousLeaf(_g, 2, 4, 3), NonContiguousLeaf(_g, 2, 4, 3));

    [Fact]
    public void GradcheckBroadcastMask()
    {
        // A (Tq, Tk) mask broadcast over batch and heads, and a per-batch key-padding mask (B, 1, 1, Tk).
        var mask = Tensor.FromArray(new[] { 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 }, 3, 4);
        Check(x => Sdpa(x[0], x[1], x[2], mask), Leaf(_g, 2, 2, 3, 3), Leaf(_g, 2, 2, 4, 3), Leaf(_g, 2, 2, 4, 2));
        var padding = Tensor.FromArray(new[] { 0, 0, 0, 1, 0, 0, 1, 1 }, 2, 1, 1, 4);
        Check(x => Sdpa(x[0], x[1], x[2], padding), Leaf(_g, 2, 2, 3, 3), Leaf(_g, 2, 2, 4, 3), Leaf(_g, 2, 2, 4, 2));
    }

    [Fact]
    public void GradcheckSameTensorAsQueryKeyAndValue() => Check(x => Sdpa(x[0], x[0], x[0], causal: true), Leaf(_g, 2, 4, 3));

    [Fact]
    public void GradcheckDropout() =>
        Check(x => Functional.ScaledDotProductAttention(x[0], x[1], x[2], dropoutP: 0.3, generator: new Generator(5)),
            Leaf(_g, 2, 4, 3), Leaf(_g, 2, 4, 3), Leaf(_g, 2, 4, 3));

    [Fact]
    public void GradcheckMultiHeadPackedProjection()
    {
        // (B, T, 3·H·d): q | k | v side by side, as a fused c_attn projection produces.
        Check(x => AttentionOp.MultiHead(x[0], 0, x[0], 4, x[0], 8, 2, 2, null, true, 0, null, out _, false), Leaf(_g, 2, 3, 12));
        // Cross-attention: queries from one tensor, keys|values packed in another of another length.
        Check(x => AttentionOp.MultiHead(x[0], 0, x[1], 0, x[1], 4, 2, 2, null, false, 0, null, out _, false),
            Leaf(_g, 2, 3, 4), Leaf(_g, 2, 5, 8));
        // Overlapping head columns of one tensor (k shifted by one head): heads cannot be split among threads.
        Check(x => AttentionOp.MultiHead(x[0], 0, x[0], 2, x[0], 0, 2, 2, null, false, 0, null, out _, false), Leaf(_g, 2, 3, 6));
    }

    [Fact]
    public void MultiHeadEqualsPerHeadAttentionOnSplitHeads()
    {
        var g = new Generator(3);
        int b = 2, t = 5, h = 3, d = 4;
        var qkv = Tensor.Randn(g, b, t, 3 * h * d);
        var y = AttentionOp.MultiHead(qkv, 0, qkv, h * d, qkv, 2 * h * d, h, d, null, true, 0, null, out var w, true);
        Tensor Heads(int start) => qkv.Narrow(2, start, h * d).Reshape(b, t, h, d).Transpose(1, 2);
        var expected = Composed(Heads(0), Heads(h * d), Heads(2 * h * d), causal: true).Transpose(1, 2).Reshape(b, t, h * d);
        Close(expected, y, 1e-5, "output");
        Semantics.Check.Shape(w!, b, h, t, t);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatchesComposedOpsOnSizesThatUseEveryThread(bool causal)
    {
        var g = new Generator(4);
        var (q, k, v) = (Tensor.Randn(g, 3, 4, 64, 32), Tensor.Randn(g, 3, 4, 64, 32), Tensor.Randn(g, 3, 4, 64, 16));
        // Random key masking, never key 0, so no query loses every key (the composed softmax would give NaN there).
        var r = Tensor.Rand(g, 3, 1, 64, 64).ToFloatArray();
        var mask = Tensor.FromArray(r.Select((u, i) => i % 64 > 0 && u < 0.2 ? 1 : 0).ToArray(), 3, 1, 64, 64);
        foreach (var m in new[] { null, mask })
        {
            var (ql, kl, vl) = (q.Detach().RequireGrad(), k.Detach().RequireGrad(), v.Detach().RequireGrad());
            var probe = Tensor.Randn(new Generator(9), 3, 4, 64, 16);
            var y = Sdpa(ql, kl, vl, m, causal);
            y.Mul(probe).Sum().Backward();
            var (qr, kr, vr) = (q.Detach().RequireGrad(), k.Detach().RequireGrad(), v.Detach().RequireGrad());
            var expected = Composed(qr, kr, vr, m, causal);
            expected.Mul(probe).Sum().Backward();
            Close(expected, y, 1e-5, "output");
            Close(qr.Grad!, ql.Grad!, 1e-4, "dq");
            Close(kr.Grad!, kl.Grad!, 1e-4, "dk");
            Close(vr.Grad!, vl.Grad!, 1e-4, "dv");
        }
    }

    internal static void Close(Tensor expected, Tensor actual, double tol, string what)
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        var (e, a) = (expected.ToFloatArray(), actual.ToFloatArray());
        for (int i = 0; i < e.Length; i++)
            if (!(Math.Abs(e[i] - a[i]) <= tol)) Assert.Fail($"{what} element {i}: expected {e[i]}, got {a[i]}");
    }

    /// <summary>The formula by hand on fixed numbers: two queries, three keys, d = 2.</summary>
    [Fact]
    public void MatchesAHandComputationOfTheFormula()
    {
        double[,] q = { { 1, 0 }, { 0.5, -1 } };
        double[,] k = { { 1, 2 }, { 0, 1 }, { -1, 0.5 } };
        double[,] v = { { 1, 0, 2 }, { 0, 1, -1 }, { 3, 1, 0 } };
        var expected = new double[2, 3];
        var weights = new double[2, 3];
        for (int i = 0; i < 2; i++)
        {
            var s = new double[3];
            for (int j = 0; j < 3; j++) s[j] = (q[i, 0] * k[j, 0] + q[i, 1] * k[j, 1]) / Math.Sqrt(2);
            double max = s.Max(), sum = 0;
            for (int j = 0; j < 3; j++) sum += Math.Exp(s[j] - max);
            for (int j = 0; j < 3; j++) weights[i, j] = Math.Exp(s[j] - max) / sum;
            for (int c = 0; c < 3; c++)
                for (int j = 0; j < 3; j++) expected[i, c] += weights[i, j] * v[j, c];
        }
        var y = Functional.ScaledDotProductAttention(
            Tensor.FromArray(Flat(q), 2, 2), Tensor.FromArray(Flat(k), 3, 2), Tensor.FromArray(Flat(v), 3, 3), out var w);
        Semantics.Check.Values(y, Flat(expected).Select(x => (float)x).ToArray(), 1e-6);
        Semantics.Check.Values(w, Flat(weights).Select(x => (float)x).ToArray(), 1e-6);

        // Causal: query 0 sees key 0 only, so its output is value row 0 exactly.
        var yc = Functional.ScaledDotProductAttention(
            Tensor.FromArray(Flat(q), 2, 2), Tensor.FromArray(Flat(k), 3, 2), Tensor.FromArray(Flat(v), 3, 3), out var wc, isCausal: true);
        Semantics.Check.Values(yc.Narrow(0, 0, 1), [1, 0, 2], 0);
        Semantics.Check.Values(wc.Narrow(0, 0, 1), [1, 0, 0], 0);
        Assert.Equal(0f, wc.ToFloatArray()[5]);
    }

    private static double[] Flat(double[,] a) => a.Cast<double>().ToArray();

    [Fact]
    public void WeightsAreRowStochasticAndZeroWhereMasked()
    {
        var g = new Generator(8);
        Functional.ScaledDotProductAttention(
            Tensor.Randn(g, 2, 6, 4), Tensor.Randn(g, 2, 6, 4), Tensor.Randn(g, 2, 6, 4), out var w, isCausal: true);
        var a = w.ToFloatArray();
        for (int r = 0; r < 12; r++)
        {
            int i = r % 6;
            Assert.Equal(1.0, a.Skip(r * 6).Take(6).Sum(), 5);
            for (int j = i + 1; j < 6; j++) Assert.Equal(0f, a[r * 6 + j]);
        }
    }

    [Fact]
    public void AQueryWithEveryKeyMaskedGetsZeros()
    {
        var g = new Generator(8);
        var mask = Tensor.FromArray(new[] { 1, 1, 1, 0, 1, 0 }, 2, 3);
        var q = Tensor.Randn(g, 2, 4).RequireGrad();
        var y = Functional.ScaledDotProductAttention(q, Tensor.Randn(g, 3, 4), Tensor.Randn(g, 3, 4), mask);
        Semantics.Check.Values(y.Narrow(0, 0, 1), [0, 0, 0, 0], 0);
        Assert.All(y.Narrow(0, 1, 1).ToFloatArray(), v => Assert.True(float.IsFinite(v)));
        y.Sum().Backward();
        Assert.All(q.Grad!.ToFloatArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void BadShapesAndMasksAreRefusedClearly()
    {
        var g = new Generator(1);
        var e = Assert.Throws<ArgumentException>(() => Sdpa(Tensor.Randn(g, 2, 3, 4), Tensor.Randn(g, 2, 3, 5), Tensor.Randn(g, 2, 3, 4)));
        Assert.Contains("feature size", e.Message);
        e = Assert.Throws<ArgumentException>(() => Sdpa(Tensor.Randn(g, 2, 3, 4), Tensor.Randn(g, 2, 3, 4), Tensor.Randn(g, 2, 2, 4)));
        Assert.Contains("same length", e.Message);
        e = Assert.Throws<ArgumentException>(() => Sdpa(Tensor.Randn(g, 2, 3, 4), Tensor.Randn(g, 3, 3, 4), Tensor.Randn(g, 3, 3, 4)));
        Assert.Contains("leading", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            Sdpa(Tensor.Randn(g, 3, 4), Tensor.Randn(g, 3, 4), Tensor.Randn(g, 3, 4), Tensor.Zeros(3, 3)));
        Assert.Contains("int32", e.Message);
        e = Assert.ThrowsAny<ArgumentException>(() =>
            Sdpa(Tensor.Randn(g, 3, 4), Tensor.Randn(g, 3, 4), Tensor.Randn(g, 3, 4), Tensor.Zeros(DType.Int32, 2, 3)));
        Assert.Contains("mask", e.Message);
        Assert.Throws<ArgumentException>(() =>
            Functional.ScaledDotProductAttention(Tensor.Randn(g, 3, 4), Tensor.Randn(g, 3, 4), Tensor.Randn(g, 3, 4), dropoutP: 0.1));
    }

    [Fact]
    public void CausalMaskMarksTheFuture() =>
        Semantics.Check.Ints(Functional.CausalMask(3, 4), 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1);
}
