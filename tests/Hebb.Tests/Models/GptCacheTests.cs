using Hebb.Autograd;
using Hebb.Models;
using Hebb.NN;
using Hebb.Training;

namespace Hebb.Tests.Models;

/// <summary>Generation with a key-value cache: the cached forward equals the full one, and cached generation picks the
/// same tokens as uncached generation (greedy and seeded sampling, past the block size too).</summary>
public class GptCacheTests
{
    private static Gpt Model(bool bias, Activation activation = Activation.Gelu)
    {
        var model = new Gpt(new GptConfig(23, 2, 2, 16, 12, Bias: bias, Activation: activation), new Generator(5));
        using (GradMode.NoGrad())
            foreach (var p in model.Parameters()) Init.Normal(p, new Generator(p.Numel), 0, 0.3); // larger than nanoGPT's 0.02
        return model;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void CachedLogitsEqualTheFullForwards(bool bias)
    {
        var model = Model(bias, bias ? Activation.GeluTanh : Activation.Gelu);
        model.Eval();
        int[] ids = [3, 7, 1, 22, 0, 5, 9, 9, 14, 2, 6];
        using var _ = GradMode.NoGrad();
        var full = model.Forward(Tensor.FromArray(ids, 1, ids.Length)).ToArray<float>();
        var cache = model.NewCache();
        // Chunks: a prompt of 4, three single tokens, then 4 at once on a non-empty cache (the offset causal mask).
        int start = 0;
        foreach (int n in new[] { 4, 1, 1, 1, 4 })
        {
            var logits = model.Forward(Tensor.FromArray(ids[start..(start + n)], 1, n), cache).ToArray<float>();
            for (int i = 0; i < logits.Length; i++)
                Assert.True(Math.Abs(logits[i] - full[start * 23 + i]) <= 1e-5,
                    $"position {start + i / 23}, token {i % 23}: cached {logits[i]}, full {full[start * 23 + i]}");
            start += n;
        }
        Assert.Equal(ids.Length, cache.Length);
        Assert.Throws<ArgumentException>(() => model.Forward(Tensor.FromArray(new[] { 1, 2 }, 1, 2), cache)); // past block 12
    }

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(1.0, 0)]
    [InlineData(0.8, 5)]
    public void CachedGenerationPicksTheSameTokens(double temperature, int topK)
    {
        var model = Model(bias: true);
        int[] prompt = [4, 8, 15];
        // 30 tokens: the first 9 fill the block of 12 from the cache, the rest slide the window.
        var cached = Sampling.Generate(model, prompt, 30, temperature, topK, new Generator(11));
        var uncached = Sampling.Generate(model, prompt, 30, temperature, topK, new Generator(11), useCache: false);
        Assert.Equal(uncached, cached);
    }
}
