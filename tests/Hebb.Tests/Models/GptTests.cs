using Hebb.Autograd;
using Hebb.IO;
using Hebb.Models;
using Hebb.NN;
using Hebb.Optim;

namespace Hebb.Tests.Models;

public sealed class GptTests : IDisposable
{
    private static readonly GptConfig Tiny = new(VocabSize: 11, Layers: 2, Heads: 2, EmbeddingDim: 8, BlockSize: 6);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hebb-gpt-" + Guid.NewGuid().ToString("N"));

    public GptTests() => Directory.CreateDirectory(_dir);
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Tensor Ids(params int[][] rows) => Tensor.FromArray(rows.SelectMany(r => r).ToArray(), rows.Length, rows[0].Length);

    [Fact]
    public void ChangingALaterTokenNeverChangesEarlierOutputs()
    {
        var model = new Gpt(Tiny with { Dropout = 0.2 }, new Generator(1));
        model.Eval();
        int[] tokens = [3, 1, 4, 1, 5, 9];
        using var _ = GradMode.NoGrad();
        var before = model.Forward(Ids(tokens)).ToFloatArray();
        for (int t = 1; t < tokens.Length; t++)
        {
            var changed = (int[])tokens.Clone();
            changed[t] = (tokens[t] + 3) % Tiny.VocabSize;
            var after = model.Forward(Ids(changed)).ToFloatArray();
            int v = Tiny.VocabSize;
            for (int i = 0; i < t * v; i++) Assert.Equal(before[i], after[i]); // positions before t: bit for bit
            Assert.Contains(Enumerable.Range(t * v, v), i => before[i] != after[i]); // position t itself does change
        }
    }

    [Fact]
    public void ShapesNamesAndParameterCountFollowNanoGpt()
    {
        var model = new Gpt(Tiny, new Generator(0));
        Assert.Equal(Tiny.ParameterCount, model.ParameterCount);
        var names = model.NamedParameters().Select(p => p.Key).ToList();
        Assert.Equal("transformer.wte.weight", names[0]);
        Assert.Equal("transformer.wpe.weight", names[1]);
        Assert.Contains("transformer.h.0.ln_1.weight", names);
        Assert.Contains("transformer.h.1.attn.c_attn.weight", names);
        Assert.Contains("transformer.h.1.attn.c_proj.bias", names);
        Assert.Contains("transformer.h.0.mlp.c_fc.weight", names);
        Assert.Contains("transformer.h.0.mlp.c_proj.weight", names);
        Assert.Equal("transformer.ln_f.bias", names[^1]);
        Assert.DoesNotContain("lm_head.weight", names); // tied to wte

        var untied = new Gpt(Tiny with { TiedWeights = false, Bias = false }, new Generator(0));
        Assert.Equal((Tiny with { TiedWeights = false, Bias = false }).ParameterCount, untied.ParameterCount);
        Assert.Contains("lm_head.weight", untied.NamedParameters().Select(p => p.Key));
        Assert.DoesNotContain(untied.NamedParameters(), p => p.Key.EndsWith(".bias"));

        var logits = model.Forward(Ids([1, 2, 3], [4, 5, 6]));
        Semantics.Check.Shape(logits, 2, 3, 11);
        ILanguageModel lm = model;
        Assert.Equal(6, lm.MaxContext);
        Assert.Equal(11, lm.VocabSize);
    }

    [Fact]
    public void TiedUnembeddingIsTheTokenEmbedding()
    {
        var model = new Gpt(Tiny, new Generator(0));
        var logits = model.Forward(Ids([1, 2]));
        logits.Sum().Backward();
        // The gradient reaches wte both through the lookup and through the unembedding: every row gets some.
        var grad = model.TokenEmbedding.Weight.Grad!.ToFloatArray().Chunk(8).ToArray();
        Assert.All(grad, row => Assert.Contains(row, v => v != 0));
    }

    [Fact]
    public void InitialisationIsNanoGpts()
    {
        var model = new Gpt(new GptConfig(50, 4, 2, 64, 32), new Generator(0));
        var p = model.NamedParameters().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(0.02, Semantics.Check.Stats(p["transformer.wte.weight"]).Std, 2);
        Assert.Equal(0.02 / Math.Sqrt(8), Semantics.Check.Stats(p["transformer.h.0.attn.c_proj.weight"]).Std, 3);
        Assert.All(p["transformer.h.0.attn.c_attn.bias"].ToFloatArray(), v => Assert.Equal(0f, v));
        Assert.All(p["transformer.h.0.ln_1.weight"].ToFloatArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void SameSeedSameModelAndSameTraining()
    {
        float[] Run()
        {
            var model = new Gpt(Tiny with { Dropout = 0.1 }, new Generator(7));
            var opt = new AdamW(ParameterGroup.DecayMatricesOnly(model.Parameters(), 0.1), 1e-2);
            var ids = Ids([1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]);
            for (int i = 0; i < 3; i++)
            {
                using var scope = TensorScope.Begin();
                var logits = model.Forward(ids.Narrow(1, 0, 5).Contiguous());
                var loss = Losses.CrossEntropy(logits.Reshape(-1, 11), ids.Narrow(1, 1, 5).Contiguous().Reshape(-1));
                opt.ZeroGrad();
                loss.Backward();
                opt.Step();
            }
            return model.Parameters().SelectMany(p => p.ToFloatArray()).ToArray();
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void LearnsToContinueASequence()
    {
        // Next-token prediction on a fixed cycle: the loss must fall from ~ln 11 to near zero.
        var model = new Gpt(Tiny, new Generator(3));
        var opt = new AdamW(ParameterGroup.DecayMatricesOnly(model.Parameters(), 0.1), 3e-2, beta2: 0.99);
        var seq = new[] { 0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8 };
        var x = Tensor.FromArray(
            Enumerable.Range(0, 4).SelectMany(s => Enumerable.Range(0, 6).Select(t => seq[(s + t) % 11])).ToArray(), 4, 6);
        var y = Tensor.FromArray(
            Enumerable.Range(0, 4).SelectMany(s => Enumerable.Range(1, 6).Select(t => seq[(s + t) % 11])).ToArray(), 24);
        double first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            using var scope = TensorScope.Begin();
            var loss = Losses.CrossEntropy(model.Forward(x).Reshape(24, 11), y);
            if (step == 0) first = loss.Item();
            last = loss.Item();
            opt.ZeroGrad();
            loss.Backward();
            GradientClipping.ClipGradNorm(model.Parameters(), 1.0);
            opt.Step();
        }
        Assert.InRange(first, 2.0, 3.0);
        Assert.True(last < 0.1, $"loss went from {first} to {last}");
    }

    [Fact]
    public void AttentionWeightsComeOutPerBlock()
    {
        var model = new Gpt(Tiny, new Generator(0));
        model.Forward(Ids([1, 2, 3, 4]), out var attention);
        Assert.Equal(2, attention.Count);
        foreach (var w in attention) Semantics.Check.Shape(w, 1, 2, 4, 4);
    }

    [Fact]
    public void BadIdsAreRefused()
    {
        var model = new Gpt(Tiny, new Generator(0));
        Assert.Contains("block size", Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(DType.Int32, 1, 7))).Message);
        Assert.Contains("int32", Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(1, 3))).Message);
        Assert.ThrowsAny<Exception>(() => model.Forward(Ids([1, 11])));
    }

    [Fact]
    public void SavedFileRebuildsTheSameModel()
    {
        var config = Tiny with { Dropout = 0.1, Bias = false, TiedWeights = false };
        var model = new Gpt(config, new Generator(5));
        string path = Path.Combine(_dir, "gpt.safetensors");
        ModelFile.Save(path, model, config.ToMetadata());
        var loaded = ModelFactory.Load(path);
        Assert.Equal(config, loaded.Config);
        var rebuilt = Assert.IsType<Gpt>(loaded.Model);
        model.Eval();
        rebuilt.Eval();
        var ids = Ids([1, 2, 3]);
        Assert.Equal(model.Forward(ids).ToFloatArray(), rebuilt.Forward(ids).ToFloatArray());
    }

    [Theory]
    [InlineData("vocab_size", "0", "vocab_size")]
    [InlineData("vocab_size", "-5", "vocab_size")]
    [InlineData("vocab_size", "99999999999", "vocab_size")]
    [InlineData("n_layer", "ten", "n_layer")]
    [InlineData("n_layer", "100000", "n_layer")]
    [InlineData("n_head", "3", "n_head")]
    [InlineData("n_embd", " 8", "n_embd")]
    [InlineData("n_embd", "16384", "parameters")]
    [InlineData("block_size", "1e3", "block_size")]
    [InlineData("dropout", "NaN", "dropout")]
    [InlineData("dropout", "1", "dropout")]
    [InlineData("dropout", "-0.1", "dropout")]
    [InlineData("bias", "yes", "bias")]
    [InlineData("tied", "", "tied")]
    public void HostileMetadataIsRefusedNamingTheField(string key, string value, string expected)
    {
        var meta = Tiny.ToMetadata();
        meta[key] = value;
        var e = Assert.Throws<InvalidDataException>(() => GptConfig.FromMetadata(meta, "evil.safetensors"));
        Assert.Contains(expected, e.Message);
        Assert.Contains("evil.safetensors", e.Message);
        meta.Remove(key);
        Assert.Contains($"'{key}'", Assert.Throws<InvalidDataException>(() => GptConfig.FromMetadata(meta, "evil.safetensors")).Message);
    }

    [Fact]
    public void MetadataRoundTrips() =>
        Assert.Equal(Tiny with { Dropout = 0.15 }, GptConfig.FromMetadata((Tiny with { Dropout = 0.15 }).ToMetadata(), "x"));
}
