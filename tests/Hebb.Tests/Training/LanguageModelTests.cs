using Hebb.Cli.Recipes;
using Hebb.Data;
using Hebb.IO;
using Hebb.Models;
using Hebb.Tests.Data;
using Hebb.Training;

namespace Hebb.Tests.Training;

/// <summary>Sampling with temperature and top-k, and the text-training recipe on small models.</summary>
public class LanguageModelTests
{
    [Fact]
    public void ProbabilitiesAreTheSeedsSoftmaxWithTemperature()
    {
        float[] logits = [1.5f, -0.5f, 3f, 0f];
        foreach (double t in new[] { 0.5, 1.0, 2.0 })
        {
            var p = Sampling.Probabilities(logits, t);
            double sum = logits.Sum(x => Math.Exp(x / t));
            for (int i = 0; i < logits.Length; i++) Assert.Equal(Math.Exp(logits[i] / t) / sum, p[i], 12);
        }
        // low T sharpens towards the argmax, high T flattens towards uniform
        Assert.True(Sampling.Probabilities(logits, 0.1)[2] > 0.99);
        Assert.True(Sampling.Probabilities(logits, 100).All(v => Math.Abs(v - 0.25) < 0.01));
        // top-k keeps the k largest, renormalised
        var top2 = Sampling.Probabilities(logits, 1.0, topK: 2);
        Assert.Equal(0, top2[1]);
        Assert.Equal(0, top2[3]);
        Assert.Equal(Math.Exp(3) / (Math.Exp(3) + Math.Exp(1.5)), top2[2], 12);
    }

    [Fact]
    public void ZeroTemperatureIsArgmaxAndNegativeIsAnError()
    {
        float[] logits = [0.1f, 2f, 1.9f];
        var g = new Generator(0);
        for (int i = 0; i < 20; i++) Assert.Equal(1, Sampling.Next(logits, 0, 0, g));
        Assert.Contains("--temperature", Assert.Throws<ArgumentException>(() => Sampling.Next(logits, -0.5, 0, g)).Message);
        Assert.Throws<ArgumentException>(() => Sampling.Next(logits, double.NaN, 0, g));
        Assert.Throws<ArgumentException>(() => Sampling.Next(logits, 1, -1, g));
    }

    [Fact]
    public void DrawsFollowTheProbabilities()
    {
        float[] logits = [0f, 1f, 2f];
        var p = Sampling.Probabilities(logits, 1.0);
        var g = new Generator(5);
        var counts = new int[3];
        const int n = 20000;
        for (int i = 0; i < n; i++) counts[Sampling.Next(logits, 1.0, 0, g)]++;
        // 5 standard deviations of a binomial count: a wrong formula (e.g. no exp, or T applied twice) is far outside
        for (int i = 0; i < 3; i++)
            Assert.InRange(counts[i], n * p[i] - 5 * Math.Sqrt(n * p[i] * (1 - p[i])), n * p[i] + 5 * Math.Sqrt(n * p[i] * (1 - p[i])));
        var top1 = new int[3];
        for (int i = 0; i < 100; i++) top1[Sampling.Next(logits, 1.0, 1, g)]++;
        Assert.Equal(100, top1[2]);
    }

    private static CharDataset SmallText()
    {
        string text = File.ReadAllText(Path.Combine(TestData.DatasetsRoot, "tinyshakespeare", "input.txt"))[..30000];
        return new CharDataset(text, "tinyshakespeare[..30000]");
    }

    private static TextTrainingOptions Small(string model) => new()
    {
        Model = model, Hidden = 48, EmbeddingDim = 16, Block = 24, BatchSize = 16, Steps = 150, LearningRate = 1e-2,
        EvalInterval = 75, EvalBatches = 5, SampleLength = 40, Seed = 3,
    };

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("rnn")]
    public void TrainingLowersTheValidationLossWellBelowUniform(string model)
    {
        var data = SmallText();
        var result = LanguageModelRecipe.Run(Small(model), data);
        double uniform = Math.Log(data.Vocabulary.Count); // a model that learned nothing
        Assert.Equal(2, result.History.Count);
        Assert.True(result.ValidationLoss < uniform - 1.0, $"{model}: validation loss {result.ValidationLoss:F3} vs uniform {uniform:F3}");
        Assert.True(result.History[1].ValidationLoss < result.History[0].ValidationLoss + 0.05);
        Assert.Equal(40, result.History[1].Sample.Length);
    }

    [Fact]
    public void SameSeedSameRunAndTheFileGeneratesLikeTheModel()
    {
        var data = SmallText();
        var options = Small("lstm") with { Steps = 40, EvalInterval = 40, Layers = 2, Dropout = 0.1 };
        var a = LanguageModelRecipe.Run(options, data);
        var b = LanguageModelRecipe.Run(options, data);
        Assert.Equal(a.ValidationLoss, b.ValidationLoss);
        Assert.Equal(a.TrainLoss, b.TrainLoss);

        using var dir = TestData.CreateTempFolder();
        string path = dir.Combine("lstm.safetensors");
        ModelFile.Save(path, a.Model, a.Metadata(options, data.Source));
        var loaded = LanguageModelRecipe.Load(path);
        Assert.Equal(data.Vocabulary.Chars, loaded.Vocabulary.Chars);
        Assert.Equal("lstm", loaded.Metadata["cell"]);
        var prompt = data.Vocabulary.Encode("ROMEO:");
        var fromMemory = Sampling.Generate((ILanguageModel)a.Model, prompt, 60, 0.8, 10, new Generator(7));
        var fromFile = Sampling.Generate(loaded.Model, prompt, 60, 0.8, 10, new Generator(7));
        Assert.Equal(fromMemory, fromFile);
        Assert.Equal(a.ValidationLoss,
            LanguageModelRecipe.Evaluate(loaded.Model, data, validation: true, options)); // weights saved exactly
    }

    [Theory]
    [InlineData(0.9, 4)]
    [InlineData(1.3, 0)]
    [InlineData(0.7, 11)]
    public void GenerateDrawsWhatNextDrawsTokenByToken(double temperature, int topK)
    {
        // Generate reuses its buffers across tokens; each draw must still be what a fresh Sampling.Next on
        // the same logits and generator picks (the top-k set changes from token to token). The context
        // outgrows the block size, so the window crop is exercised too.
        var model = (ILanguageModel)new GptConfig(12, 1, 2, 16, 8).Build(new Generator(4));
        var generated = Sampling.Generate(model, [1, 2, 3], 30, temperature, topK, new Generator(9));
        var g = new Generator(9);
        var context = new List<int> { 1, 2, 3 };
        using (Hebb.Autograd.GradMode.NoGrad())
            for (int i = 0; i < 30; i++)
            {
                int window = Math.Min(context.Count, 8);
                var logits = model.Forward(Tensor.FromArray(context.Skip(context.Count - window).ToArray(), 1, window));
                context.Add(Sampling.Next(logits.Narrow(1, window - 1, 1).Reshape(-1).ToArray<float>(), temperature, topK, g));
            }
        Assert.Equal(context.Skip(3), generated);
        Assert.True(generated.Distinct().Count() > 2, "the draws should not all be one token: the comparison would be weak");
    }

    [Fact]
    public void StepwiseGenerationEqualsRerunningTheWholeContext()
    {
        // The recurrent fast path (state carried, one token per call) must pick what a full rerun would.
        var model = (CharRnn)new CharRnnConfig(RecurrentCell.Gru, 12, 8, 16, 2).Build(new Generator(4));
        var stepwise = Sampling.Generate(model, [1, 2, 3], 25, 0, 0, new Generator(0));
        var context = new List<int> { 1, 2, 3 };
        using (Hebb.Autograd.GradMode.NoGrad())
            for (int i = 0; i < 25; i++)
            {
                var logits = ((ILanguageModel)model).Forward(Tensor.FromArray(context.ToArray(), 1, context.Count));
                context.Add(Sampling.Next(logits.Narrow(1, context.Count - 1, 1).Reshape(-1).ToArray<float>(), 0, 0, new Generator(0)));
            }
        Assert.Equal(context.Skip(3), stepwise);
    }

    [Fact]
    public void TruncatedBpttTrainsWithTheStateCarried()
    {
        var data = SmallText();
        var result = LanguageModelRecipe.Run(Small("lstm") with { Tbptt = true }, data);
        Assert.True(result.ValidationLoss < Math.Log(data.Vocabulary.Count) - 1.0, $"validation loss {result.ValidationLoss:F3}");
    }

    [Fact]
    public void BadOptionsNameTheOption()
    {
        var data = SmallText();
        Assert.Contains("--model", Assert.Throws<ArgumentException>(() => LanguageModelRecipe.Run(Small("transformer"), data)).Message);
        Assert.Contains("--lr", Assert.Throws<ArgumentException>(
            () => LanguageModelRecipe.Run(Small("lstm") with { LearningRate = 0 }, data)).Message);
        Assert.Contains("--clip", Assert.Throws<ArgumentException>(
            () => LanguageModelRecipe.Run(Small("lstm") with { Clip = -1 }, data)).Message);
        Assert.Contains("--block", Assert.Throws<InvalidDataException>(
            () => LanguageModelRecipe.Run(Small("lstm") with { Block = 5000 }, data)).Message);
    }
}
