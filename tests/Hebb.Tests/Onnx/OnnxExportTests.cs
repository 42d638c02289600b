using Hebb.Data;
using Hebb.IO;
using Hebb.Models;
using Hebb.NN;
using Hebb.Onnx;
using Hebb.Tests.Cli;
using Hebb.Tests.Data;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace Hebb.Tests.Onnx;

/// <summary>
/// Each exportable kind, exported and run in ONNX Runtime on real inputs (MNIST test images, Shakespeare
/// text), against Hebb's own forward pass. The figure is the largest relative difference over the whole
/// output: max|onnx - hebb| / max|hebb|; it must stay at or below 1e-5, for batch 1 and a larger batch, and
/// for two sequence lengths on the language models (the batch and sequence axes are dynamic).
/// </summary>
public class OnnxExportTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    private static float[] MnistImages(int count)
    {
        var test = MnistDataset.Load(DatasetCatalog.Mnist, train: false, TestData.DatasetsRoot);
        return test.Images.AsSpan(0, count * 784).ToArray();
    }

    private static readonly Lazy<CharDataset> Shakespeare =
        new(() => CharDataset.Load(Path.Combine(TestData.DatasetsRoot, "tinyshakespeare", "input.txt")));

    /// <summary>batch windows of length t from the validation text, each from its own offset.</summary>
    private static int[] TextWindows(int batch, int t)
    {
        var text = Shakespeare.Value.Validation;
        var ids = new int[batch * t];
        for (int b = 0; b < batch; b++) Array.Copy(text, 1000 + 997 * b, ids, b * t, t);
        return ids;
    }

    /// <summary>Adds N(0, 0.1²) noise to every parameter, so that none keeps its initial value (LayerNorm gains of 1, zero
    /// biases): a parameter exported to the wrong place or left out then changes the outputs.</summary>
    private static T Perturbed<T>(T model, int seed) where T : Module
    {
        var g = new Generator((ulong)seed);
        foreach (var p in model.Parameters())
        {
            Assert.True(p.IsContiguous);
            var data = p.Data<float>();
            for (int i = 0; i < data.Length; i++) data[i] += (float)(0.1 * g.NextNormal());
        }
        return model;
    }

    /// <summary>Runs the exported bytes in ONNX Runtime on one input; the single output's values and shape.</summary>
    private static (float[] Values, long[] Shape) RunOnnx(byte[] model, string inputName, OrtValue input)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var run = new RunOptions();
        using var outputs = session.Run(run, new Dictionary<string, OrtValue> { [inputName] = input }, session.OutputNames);
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[0].GetTensorTypeAndShape().Shape);
    }

    /// <summary>max|a - b| / max|b| over all values.</summary>
    internal static double RelativeDifference(float[] onnx, float[] hebb)
    {
        Assert.Equal(hebb.Length, onnx.Length);
        double diff = 0, scale = 0;
        for (int i = 0; i < hebb.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs((double)onnx[i] - hebb[i]));
            scale = Math.Max(scale, Math.Abs((double)hebb[i]));
        }
        Assert.True(scale > 0, "Hebb's output is all zeros: the comparison would prove nothing");
        return diff / scale;
    }

    private static double CheckClassifier(IClassifierConfig config, Sequential model, float[] images, int batch)
    {
        model.Eval();
        byte[] bytes = OnnxExport.ToBytes(config, model, out var info);
        Assert.Equal(17, info.Opset);
        int[] shape = [batch, .. config.InputShape];
        var x = images.AsSpan(0, shape.Aggregate(1, (a, b) => a * b)).ToArray();
        var hebb = model.Forward(Tensor.FromArray(x, shape)).ToFloatArray();
        using var input = OrtValue.CreateTensorValueFromMemory(x, [.. shape.Select(d => (long)d)]);
        var (onnx, outShape) = RunOnnx(bytes, "input", input);
        Assert.Equal([batch, config.Classes], outShape);
        return RelativeDifference(onnx, hebb);
    }

    private static double CheckLanguageModel(IModelConfig config, Module model, int batch, int t)
    {
        model.Eval();
        byte[] bytes = OnnxExport.ToBytes(config, model, out var info);
        Assert.Equal("ids: int64 [batch, sequence]", info.Inputs[0].ToString());
        var ids = TextWindows(batch, t);
        var hebb = model.Forward(Tensor.FromArray(ids, batch, t)).ToFloatArray();
        using var input = OrtValue.CreateTensorValueFromMemory(ids.Select(i => (long)i).ToArray(), [batch, t]);
        var (onnx, outShape) = RunOnnx(bytes, "ids", input);
        Assert.Equal([batch, t, Shakespeare.Value.Vocabulary.Count], outShape);
        return RelativeDifference(onnx, hebb);
    }

    [Theory]
    [InlineData(Activation.Sigmoid, Activation.Sigmoid)]
    [InlineData(Activation.Relu, Activation.None)]
    [InlineData(Activation.Tanh, Activation.Sigmoid)]
    [InlineData(Activation.Gelu, Activation.Tanh)]
    [InlineData(Activation.GeluTanh, Activation.None)]
    public void MlpMatchesHebbOnMnist(Activation hidden, Activation outputActivation)
    {
        var config = new MlpConfig([784, 64, 32, 10], hidden, outputActivation);
        var model = Perturbed(config.Build(new Generator(7)), 70);
        var images = MnistImages(64);
        foreach (int batch in new[] { 1, 64 })
        {
            double rel = CheckClassifier(config, model, images, batch);
            output.WriteLine($"MLP {hidden}/{outputActivation}, batch {batch}: relative difference {rel:E2}");
            Assert.True(rel <= Tolerance, $"MLP {hidden}/{outputActivation}, batch {batch}: relative difference {rel:E2}");
        }
    }

    [Fact]
    public void LeNet5MatchesHebbOnMnist()
    {
        var config = new LeNet5Config(Dropout: 0.25);
        var model = Perturbed(config.Build(new Generator(11)), 110);
        var images = MnistImages(32);
        foreach (int batch in new[] { 1, 32 })
        {
            double rel = CheckClassifier(config, model, images, batch);
            output.WriteLine($"LeNet-5, batch {batch}: relative difference {rel:E2}");
            Assert.True(rel <= Tolerance, $"LeNet-5, batch {batch}: relative difference {rel:E2}");
        }
    }

    [Theory]
    [InlineData(RecurrentCell.Lstm)]
    [InlineData(RecurrentCell.Gru)]
    [InlineData(RecurrentCell.Rnn)]
    public void CharRnnMatchesHebbOnShakespeare(RecurrentCell cell)
    {
        var config = new CharRnnConfig(cell, Shakespeare.Value.Vocabulary.Count, EmbeddingDim: 16, Hidden: 48, Layers: 2, Dropout: 0.1);
        var model = Perturbed(config.Build(new Generator(3)), 30);
        foreach (var (batch, t) in new[] { (1, 9), (1, 40), (6, 9), (6, 40) })
        {
            double rel = CheckLanguageModel(config, model, batch, t);
            output.WriteLine($"char-rnn {cell}, batch {batch}, length {t}: relative difference {rel:E2}");
            Assert.True(rel <= Tolerance, $"char-rnn {cell}, batch {batch}, length {t}: relative difference {rel:E2}");
        }
    }

    [Theory]
    [InlineData(true, true, Activation.Gelu)]
    [InlineData(false, false, Activation.Gelu)]
    [InlineData(true, true, Activation.GeluTanh)] // GPT-2's gelu_new
    [InlineData(true, false, Activation.Relu)]
    public void GptMatchesHebbOnShakespeare(bool tied, bool bias, Activation activation)
    {
        var config = new GptConfig(Shakespeare.Value.Vocabulary.Count, Layers: 2, Heads: 4, EmbeddingDim: 32, BlockSize: 48,
            Dropout: 0.1, Bias: bias, TiedWeights: tied, Activation: activation);
        var model = Perturbed(config.Build(new Generator(5)), 50);
        foreach (var (batch, t) in new[] { (1, 7), (1, 48), (5, 7), (5, 48) })
        {
            double rel = CheckLanguageModel(config, model, batch, t);
            output.WriteLine($"GPT tied={tied} bias={bias}, batch {batch}, length {t}: relative difference {rel:E2}");
            Assert.True(rel <= Tolerance, $"GPT tied={tied} bias={bias}, batch {batch}, length {t}: relative difference {rel:E2}");
        }
    }

    [Fact]
    public void Seq2SeqTransformerMatchesHebbOnShakespeare()
    {
        int vocab = Shakespeare.Value.Vocabulary.Count;
        var model = Perturbed(new Seq2SeqTransformer(vocab, vocab, 32, 4, 2, 2, maxLength: 40, new Generator(9), dropout: 0.1), 90);
        model.Eval();
        byte[] bytes = OnnxExport.ToBytes(model, out var info);
        Assert.Equal(["source_ids: int64 [batch, source_sequence]", "target_ids: int64 [batch, target_sequence]"],
            info.Inputs.Select(i => i.ToString()));
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(bytes, options);
        foreach (var (batch, s, t) in new[] { (1, 11, 6), (1, 40, 40), (4, 11, 6), (4, 23, 40) })
        {
            var source = TextWindows(batch, s);
            var target = TextWindows(batch, t + 3).Skip(3).ToArray()[..(batch * t)];
            var hebb = model.Forward(Tensor.FromArray(source, batch, s), Tensor.FromArray(target, batch, t)).ToFloatArray();
            using var src = OrtValue.CreateTensorValueFromMemory(source.Select(i => (long)i).ToArray(), [batch, s]);
            using var tgt = OrtValue.CreateTensorValueFromMemory(target.Select(i => (long)i).ToArray(), [batch, t]);
            using var run = new RunOptions();
            using var outputs = session.Run(run, new Dictionary<string, OrtValue> { ["source_ids"] = src, ["target_ids"] = tgt },
                session.OutputNames);
            Assert.Equal([batch, t, vocab], outputs[0].GetTensorTypeAndShape().Shape);
            double rel = RelativeDifference(outputs[0].GetTensorDataAsSpan<float>().ToArray(), hebb);
            output.WriteLine($"seq2seq, batch {batch}, source {s}, target {t}: relative difference {rel:E2}");
            Assert.True(rel <= Tolerance, $"seq2seq, batch {batch}, source {s}, target {t}: relative difference {rel:E2}");
        }
    }

    private sealed record OtherConfig : IModelConfig
    {
        public string Kind => "other";
        public long ParameterCount => 0;
        public Dictionary<string, string> ToMetadata() => new() { ["model"] = Kind };
        public Module Build(Generator generator) => new Sequential();
    }

    [Fact]
    public void AnUnknownKindIsRefusedByName()
    {
        var config = new OtherConfig();
        Assert.False(OnnxExport.CanExport(config));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExport.ToBytes(config, new Sequential(), out _));
        Assert.Contains("'other'", e.Message);
        var wrong = new Sequential(new Linear(3, 2, new Generator(1)));
        Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(MlpConfig.Seed, wrong, out _));
    }

    [Fact]
    public void CliExportWritesAFileOnnxRuntimeRuns()
    {
        string dir = Directory.CreateTempSubdirectory("hebb-onnx-").FullName;
        try
        {
            var config = new CharRnnConfig(RecurrentCell.Lstm, 65, EmbeddingDim: 8, Hidden: 16);
            var model = config.Build(new Generator(2));
            string file = Path.Combine(dir, "m.safetensors"), onnx = Path.Combine(dir, "m.onnx");
            model.Save(file, config.ToMetadata());
            var (code, stdout, stderr) = CliTests.Hebb("export", "--model", file, "--out", onnx);
            Assert.True(code == 0, stderr);
            Assert.Contains("opset 17", stdout);
            Assert.Contains("ids: int64 [batch, sequence]", stdout);
            Assert.Contains("logits: float [batch, sequence, 65]", stdout);
            using var input = OrtValue.CreateTensorValueFromMemory(new long[] { 1, 2, 3 }, [1, 3]);
            var (values, shape) = RunOnnx(File.ReadAllBytes(onnx), "ids", input);
            Assert.Equal([1L, 3, 65], shape);
            Assert.Equal(3 * 65, values.Length);

            var perceptron = Path.Combine(dir, "p.safetensors");
            new Sequential(new Linear(2, 1, new Generator(1))).Save(perceptron, new Dictionary<string, string> { ["model"] = "mlp-ish" });
            (code, stdout, stderr) = CliTests.Hebb("export", "--model", perceptron, "--out", Path.Combine(dir, "p.onnx"));
            Assert.Equal(1, code);
            Assert.Single(stderr.Trim().Split('\n'));
            Assert.False(File.Exists(Path.Combine(dir, "p.onnx")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
