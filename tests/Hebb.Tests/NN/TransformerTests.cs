using Hebb.Autograd;
using Hebb.NN;
using Hebb.Optim;

namespace Hebb.Tests.NN;

public class TransformerTests
{
    /// <summary>Copies the fused module's q|k|v rows into a separate-projection module.</summary>
    private static MultiheadAttention SeparateCopyOf(MultiheadAttention fused, Generator g)
    {
        int e = fused.EmbedDim;
        var sep = new MultiheadAttention(e, fused.NumHeads, g, fusedProjections: false);
        using var _ = GradMode.NoGrad();
        sep.QProj!.Weight.CopyFrom(fused.CAttn!.Weight.Narrow(0, 0, e));
        sep.KProj!.Weight.CopyFrom(fused.CAttn.Weight.Narrow(0, e, e));
        sep.VProj!.Weight.CopyFrom(fused.CAttn.Weight.Narrow(0, 2 * e, e));
        sep.QProj.Bias!.CopyFrom(fused.CAttn.Bias!.Narrow(0, 0, e));
        sep.KProj.Bias!.CopyFrom(fused.CAttn.Bias.Narrow(0, e, e));
        sep.VProj.Bias!.CopyFrom(fused.CAttn.Bias.Narrow(0, 2 * e, e));
        sep.CProj.Weight.CopyFrom(fused.CProj.Weight);
        sep.CProj.Bias!.CopyFrom(fused.CProj.Bias!);
        return sep;
    }

    [Fact]
    public void FusedAndSeparateProjectionsAgreeForSelfAndCrossAttention()
    {
        var g = new Generator(2);
        var fused = new MultiheadAttention(8, 2, g);
        var sep = SeparateCopyOf(fused, g);
        var x = Tensor.Randn(g, 2, 5, 8);
        var memory = Tensor.Randn(g, 2, 3, 8);
        AttentionTests.Close(sep.Forward(x, isCausal: true), fused.Forward(x, isCausal: true), 1e-5, "self");
        AttentionTests.Close(sep.Forward(x, memory, memory), fused.Forward(x, memory, memory), 1e-5, "cross");
        var value = Tensor.Randn(g, 2, 3, 8);
        AttentionTests.Close(sep.Forward(x, memory, value), fused.Forward(x, memory, value), 1e-5, "cross, separate k and v");
    }

    [Fact]
    public void CrossAttentionMatchesPerHeadFormula()
    {
        // Queries from x, keys and values from memory: per head, softmax(q kᵀ/sqrt(d)) v with the projections applied by hand.
        var g = new Generator(4);
        var mha = new MultiheadAttention(6, 3, g);
        var x = Tensor.Randn(g, 1, 4, 6);
        var memory = Tensor.Randn(g, 1, 5, 6);
        var y = mha.Forward(x, out var weights, memory);
        Semantics.Check.Shape(weights, 1, 3, 4, 5);
        var w = mha.CAttn!.Weight;
        var b = mha.CAttn.Bias!;
        var q = x.MatMul(w.Narrow(0, 0, 6).T).Add(b.Narrow(0, 0, 6));
        var k = memory.MatMul(w.Narrow(0, 6, 6).T).Add(b.Narrow(0, 6, 6));
        var v = memory.MatMul(w.Narrow(0, 12, 6).T).Add(b.Narrow(0, 12, 6));
        var heads = Enumerable.Range(0, 3).Select(h =>
        {
            var (qh, kh, vh) = (q.Narrow(2, 2 * h, 2), k.Narrow(2, 2 * h, 2), v.Narrow(2, 2 * h, 2));
            return qh.MatMul(kh.Transpose(-2, -1)).Div(Math.Sqrt(2)).Softmax(-1).MatMul(vh);
        }).ToArray();
        var expected = Tensor.Cat(heads, 2).MatMul(mha.CProj.Weight.T).Add(mha.CProj.Bias!);
        AttentionTests.Close(expected, y, 1e-5, "cross-attention");
    }

    /// <summary>A tiny causal self-attention layer (embed 4, 2 heads) with fixed weights, against plain loops:
    /// projections, per-head softmax(q·k/sqrt(2)) over earlier positions, weighted values, output projection.</summary>
    [Fact]
    public void TinyAttentionLayerMatchesPlainLoops()
    {
        const int e = 4, heads = 2, d = 2, t = 3;
        var mha = new MultiheadAttention(e, heads, new Generator(0));
        float[] wAttn = Enumerable.Range(0, 3 * e * e).Select(i => (i * 7 % 11 - 5) / 8f).ToArray();   // (3e, e)
        float[] bAttn = Enumerable.Range(0, 3 * e).Select(i => (i % 5 - 2) / 16f).ToArray();
        float[] wProj = Enumerable.Range(0, e * e).Select(i => (i * 5 % 9 - 4) / 8f).ToArray();        // (e, e)
        float[] bProj = [0.25f, -0.5f, 0, 0.125f];
        float[] x = [1, 0, -1, 0.5f, 0.25f, 2, 0, -1, -0.5f, 1, 1, 0];                                   // (1, t, e)
        mha.LoadStateDict(new Dictionary<string, Tensor>
        {
            ["c_attn.weight"] = Tensor.FromArray(wAttn, 3 * e, e), ["c_attn.bias"] = Tensor.FromArray(bAttn, 3 * e),
            ["c_proj.weight"] = Tensor.FromArray(wProj, e, e), ["c_proj.bias"] = Tensor.FromArray(bProj, e),
        });

        // qkv[i, j] = sum_c x[i, c] · W[j, c] + b[j]: q = columns 0..e, k = e..2e, v = 2e..3e.
        var qkv = new double[t, 3 * e];
        for (int i = 0; i < t; i++)
            for (int j = 0; j < 3 * e; j++)
            {
                double sum = bAttn[j];
                for (int c = 0; c < e; c++) sum += x[i * e + c] * wAttn[j * e + c];
                qkv[i, j] = sum;
            }
        var merged = new double[t, e];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < t; i++)
            {
                var score = new double[i + 1]; // causal: keys 0..i
                for (int j = 0; j <= i; j++)
                {
                    for (int c = 0; c < d; c++) score[j] += qkv[i, h * d + c] * qkv[j, e + h * d + c];
                    score[j] /= Math.Sqrt(d);
                }
                double max = score.Max(), total = score.Sum(s => Math.Exp(s - max));
                for (int j = 0; j <= i; j++)
                    for (int c = 0; c < d; c++) merged[i, h * d + c] += Math.Exp(score[j] - max) / total * qkv[j, 2 * e + h * d + c];
            }
        var expected = new float[t * e];
        for (int i = 0; i < t; i++)
            for (int j = 0; j < e; j++)
            {
                double sum = bProj[j];
                for (int c = 0; c < e; c++) sum += merged[i, c] * wProj[j * e + c];
                expected[i * e + j] = (float)sum;
            }
        Semantics.Check.Values(mha.Forward(Tensor.FromArray(x, 1, t, e), isCausal: true), expected, 1e-5);
    }

    [Fact]
    public void GradientsReachEveryParameterOfABlock()
    {
        var g = new Generator(5);
        var block = new TransformerBlock(8, 2, g);
        var dec = new DecoderBlock(8, 2, g);
        var x = Tensor.Randn(g, 2, 4, 8).RequireGrad();
        var memory = block.Forward(Tensor.Randn(g, 2, 3, 8));
        var o = dec.Forward(x, memory);
        o.Mul(o).Sum().Backward();
        foreach (var (name, p) in dec.NamedParameters().Concat(block.NamedParameters()))
            Assert.True(p.Grad is not null && p.Grad.ToFloatArray().Any(v => v != 0), $"{name} got no gradient");
        Assert.NotNull(x.Grad);
    }

    [Fact]
    public void BlockIsPreNormWithResiduals()
    {
        var g = new Generator(6);
        var block = new TransformerBlock(8, 2, g, causal: true);
        var x = Tensor.Randn(g, 1, 3, 8);
        var h = x.Add(block.Attn.Forward(block.Ln1.Forward(x), isCausal: true));
        var expected = h.Add(block.Mlp.Forward(block.Ln2.Forward(h)));
        AttentionTests.Close(expected, block.Forward(x), 0, "block");
        var mlp = block.Mlp;
        AttentionTests.Close(mlp.CProj.Forward(mlp.CFc.Forward(x).Gelu()), mlp.Forward(x), 0, "mlp");
        Assert.Equal(32, mlp.CFc.OutFeatures);
    }

    [Fact]
    public void AdamWDecaysMatricesButNotVectorsWhenGrouped()
    {
        var g = new Generator(7);
        var layer = new Linear(3, 2, g);
        var ln = new LayerNorm(2);
        var parameters = layer.Parameters().Concat(ln.Parameters()).ToArray();
        var opt = new AdamW(ParameterGroup.DecayMatricesOnly(parameters, 0.5), learningRate: 0.1);
        var before = parameters.Select(p => p.ToFloatArray()).ToArray();
        foreach (var p in parameters) p.Grad = Tensor.ZerosLike(p); // zero gradient: only decay can move a weight
        opt.Step();
        for (int i = 0; i < parameters.Length; i++)
        {
            float factor = parameters[i].Rank >= 2 ? 1 - 0.1f * 0.5f : 1;
            Assert.Equal(before[i].Select(v => v * factor), parameters[i].ToFloatArray());
        }
        Assert.Equal([0.5, 0, 0, 0], Enumerable.Range(0, 4).Select(opt.WeightDecayOf));
    }

    [Fact]
    public void BadConfigurationsAreRefused()
    {
        var g = new Generator(0);
        Assert.Contains("multiple", Assert.Throws<ArgumentException>(() => new MultiheadAttention(10, 3, g)).Message);
        var mha = new MultiheadAttention(8, 2, g);
        Assert.Contains("(batch, time, 8)", Assert.Throws<ArgumentException>(() => mha.Forward(Tensor.Zeros(2, 8))).Message);
        Assert.Contains("(batch, time, 8)",
            Assert.Throws<ArgumentException>(() => mha.Forward(Tensor.Zeros(1, 2, 8), Tensor.Zeros(1, 2, 6))).Message);
    }
}
