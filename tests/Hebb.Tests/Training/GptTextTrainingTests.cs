using Hebb.Cli.Pictures;
using Hebb.Cli.Recipes;
using Hebb.Data;
using Hebb.IO;
using Hebb.Models;
using Hebb.Tests.Data;
using Hebb.Training;

namespace Hebb.Tests.Training;

/// <summary>`train text --model gpt`: the per-kind defaults (W3 for recurrent models, W4 for the GPT), a short
/// GPT run through the recipe, and the attention heat-map picture.</summary>
public class GptTextTrainingTests
{
    [Fact]
    public void DefaultsDependOnTheModelKind()
    {
        // W3 stays exactly what it was: the plain record's defaults.
        var plain = new TextTrainingOptions();
        foreach (var kind in new[] { "lstm", "gru", "rnn" })
            Assert.Equal(plain with { Model = kind }, TextTrainingOptions.For(kind));
        Assert.Equal((2e-3, 32, 1000, "adam", 0.0, "constant"),
            (plain.LearningRate, plain.BatchSize, plain.Steps, plain.Optimizer, plain.WeightDecay, plain.Schedule));

        // W4 = nanoGPT's CPU configuration of shakespeare_char.
        var w4 = TextTrainingOptions.For("gpt");
        Assert.Equal((4, 4, 128, 64, 12, 0.0, false), (w4.Layers, w4.Heads, w4.EmbeddingDim, w4.Block, w4.BatchSize, w4.Dropout, w4.Bias));
        Assert.Equal(("adamw", 1e-3, 0.9, 0.99, 0.1), (w4.Optimizer, w4.LearningRate, w4.Beta1, w4.Beta2, w4.WeightDecay));
        Assert.Equal(("cosine", 100, 1e-4, 1.0, 2000, 20),
            (w4.Schedule, w4.WarmupSteps, w4.MinLearningRate, w4.Clip, w4.Steps, w4.EvalBatches));
        w4.Validate();
        Assert.Contains("--model", Assert.Throws<ArgumentException>(() => TextTrainingOptions.For("transformer")).Message);

        // The W4 network is nanoGPT's 0.80M-parameter model.
        var config = (GptConfig)LanguageModelRecipe.ModelKinds["gpt"](w4, 65);
        Assert.Equal(new GptConfig(65, 4, 4, 128, 64, 0, Bias: false, TiedWeights: true), config);
        Assert.Equal(804_096, config.ParameterCount);
    }

    [Fact]
    public void BadScheduleAndOptimizerSettingsNameTheProblem()
    {
        var w4 = TextTrainingOptions.For("gpt");
        Assert.Contains("warm-up", Assert.Throws<ArgumentException>(() => (w4 with { Steps = 50 }).Validate()).Message);
        Assert.Contains("minimum learning rate",
            Assert.Throws<ArgumentException>(() => (w4 with { LearningRate = 1e-5 }).Validate()).Message);
        Assert.Contains("adamw", Assert.Throws<ArgumentException>(() => (w4 with { Optimizer = "adam" }).Validate()).Message);
        Assert.Contains("--embd (128) must be a multiple of --heads (3)",
            Assert.Throws<ArgumentException>(() => (w4 with { Heads = 3 }).Validate()).Message);
        Assert.Contains("betas", Assert.Throws<ArgumentException>(() => (w4 with { Beta2 = 1 }).Validate()).Message);
    }

    private static TextTrainingOptions SmallGpt() => TextTrainingOptions.For("gpt") with
    {
        Layers = 2,
        Heads = 2,
        EmbeddingDim = 32,
        Block = 24,
        BatchSize = 16,
        Steps = 200,
        WarmupSteps = 10,
        LearningRate = 1e-2,
        MinLearningRate = 1e-3,
        EvalInterval = 100,
        EvalBatches = 5,
        SampleLength = 40,
        Seed = 5,
    };

    [Fact]
    public void AShortGptRunLearnsIsRepeatableAndRoundTripsThroughItsFile()
    {
        string text = File.ReadAllText(Path.Combine(TestData.DatasetsRoot, "tinyshakespeare", "input.txt"))[..30000];
        var data = new CharDataset(text, "tinyshakespeare[..30000]");
        var options = SmallGpt();
        var a = LanguageModelRecipe.Run(options, data);
        var b = LanguageModelRecipe.Run(options, data);
        Assert.Equal(a.ValidationLoss, b.ValidationLoss);
        Assert.True(a.ValidationLoss < Math.Log(data.Vocabulary.Count) - 1.0, $"validation loss {a.ValidationLoss:F3}");
        Assert.IsType<Gpt>(a.Model);
        // A constant learning rate (same peak) is a different run: the schedule is in effect.
        Assert.NotEqual(a.ValidationLoss, LanguageModelRecipe.Run(options with { Schedule = "constant" }, data).ValidationLoss);

        using var dir = TestData.CreateTempFolder();
        string path = dir.Combine("gpt.safetensors");
        ModelFile.Save(path, a.Model, a.Metadata(options, data.Source));
        var loaded = LanguageModelRecipe.Load(path);
        Assert.Equal(24, loaded.Model.MaxContext);
        var prompt = data.Vocabulary.Encode("ROMEO:");
        // 60 new characters from a 6-character prompt run past the 24-character context: it must be cropped, not fail.
        var fromMemory = Sampling.Generate((ILanguageModel)a.Model, prompt, 60, 0.8, 10, new Generator(7));
        Assert.Equal(fromMemory, Sampling.Generate(loaded.Model, prompt, 60, 0.8, 10, new Generator(7)));
        Assert.Equal(a.ValidationLoss, LanguageModelRecipe.Evaluate(loaded.Model, data, validation: true, options));
    }

    [Fact]
    public void AttentionMapLaysOutLayersAsRowsAndHeadsAsColumns()
    {
        // 2 layers x 3 heads of 2 x 2 weights; each map's value tells where it lands.
        var layers = new List<float[]>();
        for (int l = 0; l < 2; l++)
        {
            var w = new float[3 * 2 * 2];
            for (int h = 0; h < 3; h++)
            {
                w[h * 4 + 0] = 1f;               // query 0 -> key 0
                w[h * 4 + 2] = (l * 3 + h) / 8f; // query 1 -> key 0
                w[h * 4 + 3] = 1 - w[h * 4 + 2]; // query 1 -> key 1
            }
            layers.Add(w);
        }
        var image = AttentionMap.Render(layers, heads: 3, length: 2, scale: 2);
        Assert.Equal((3 * 5 + 1, 2 * 5 + 1, 3), (image.Width, image.Height, image.Channels));
        for (int l = 0; l < 2; l++)
            for (int h = 0; h < 3; h++)
            {
                int x0 = 1 + h * 5, y0 = 1 + l * 5;
                Assert.Equal(AttentionMap.Heat(1f), Pixel(image, x0, y0));                   // (q0, k0)
                Assert.Equal(AttentionMap.Heat(0f), Pixel(image, x0 + 3, y0 + 1));           // (q0, k1): masked, black
                Assert.Equal(AttentionMap.Heat((l * 3 + h) / 8f), Pixel(image, x0 + 1, y0 + 2)); // (q1, k0)
                Assert.Equal(AttentionMap.BorderValue, image[x0 - 1, y0]);
            }
        Assert.Equal(((byte)0, (byte)0, (byte)0), AttentionMap.Heat(0f));
        Assert.Equal(((byte)255, (byte)255, (byte)255), AttentionMap.Heat(1f));
        Assert.Throws<ArgumentException>(() => AttentionMap.Render(layers, heads: 2, length: 2, scale: 1));
    }

    [Fact]
    public void LabelledMapsCarryTheTokensOnBothAxes()
    {
        var layers = new List<float[]> { new float[] { 1, 0, 0.5f, 0.5f } }; // 1 layer, 1 head, 2 x 2
        string[] tokens = ["A", " "];
        var plain = AttentionMap.Render(layers, 1, 2, 6);
        Assert.Equal((2 * 6 + 2, 2 * 6 + 2), (plain.Width, plain.Height)); // no tokens, no margins
        var small = AttentionMap.Render(layers, 1, 2, 5, tokens); // below 6 pixels per weight: no room for labels
        Assert.Equal((2 * 5 + 2, 2 * 5 + 2), (small.Width, small.Height));
        var image = AttentionMap.Render(layers, 1, 2, 6, tokens);
        int left = TinyFont.Width + 2, top = TinyFont.Height + 2;
        Assert.Equal((left + 2 * 6 + 2, top + 2 * 6 + 2), (image.Width, image.Height));
        // 'A' (".#.|#.#|###|#.#|#.#"): its top middle pixel is ink, its top corners are not.
        int qy = top + 1; // query 0's label, left margin
        Assert.Equal(255, image[1 + 1, qy]);
        Assert.Equal(0, image[1, qy]);
        Assert.Equal(255, image[1, qy + 2]); // the bar of the A
        int kx = left + 1 + (6 - TinyFont.Width) / 2; // key 0's label, top margin
        Assert.Equal(255, image[kx + 1, 1]);
        Assert.Equal(0, image[kx, 1]);
        // The space draws nothing in either margin.
        for (int y = qy + 6; y < qy + 6 + TinyFont.Height; y++)
            for (int x = 1; x < 1 + TinyFont.Width; x++) Assert.Equal(0, image[x, y]);
        for (int x = kx + 6; x < kx + 6 + TinyFont.Width; x++) Assert.Equal(0, image[x, 1]);
        // The map itself moved by the margins: weight (0, 0) = 1 is white.
        Assert.Equal(AttentionMap.Heat(1f), Pixel(image, left + 1, top + 1));
        // Every printable ASCII character has a glyph with some ink, except the space.
        for (char c = '!'; c <= '~'; c++)
            Assert.True(
                Enumerable.Range(0, TinyFont.Width * TinyFont.Height).Any(i => TinyFont.Ink(c, i % TinyFont.Width, i / TinyFont.Width)),
                $"'{c}' has no ink");
        Assert.Throws<ArgumentException>(() => AttentionMap.Render(layers, 1, 2, 6, ["A"]));
    }

    private static (byte, byte, byte) Pixel(PixelImage image, int x, int y) => (image[x, y, 0], image[x, y, 1], image[x, y, 2]);
}
