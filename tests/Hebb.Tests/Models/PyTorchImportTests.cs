using System.Globalization;
using System.Text.Json;
using Hebb.Autograd;
using Hebb.IO;
using Hebb.Models;
using Xunit.Abstractions;

namespace Hebb.Tests.Models;

/// <summary>
/// Models written by PyTorch, read by Hebb: scripts/torch_import_reference.py builds each in torch (float32, fixed
/// seed), writes its state dict as safetensors under PyTorch's names with the JSON config, an input and torch's logits
/// (tests/reference/pytorch_import). Hebb's logits must equal torch's to 1e-5 (max abs difference; both float32).
/// </summary>
public class PyTorchImportTests(ITestOutputHelper output)
{
    internal static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "reference", "pytorch_import");
    internal const double Tolerance = 1e-5;

    internal static JsonElement Expected(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "expected.json")));
        return doc.RootElement.GetProperty(name).Clone();
    }

    internal static int[] Shape(JsonElement t) => t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    internal static Tensor Input(JsonElement t, bool ids) => ids
        ? Tensor.FromArray(t.GetProperty("data").EnumerateArray().Select(e => e.GetInt32()).ToArray(), Shape(t))
        : Tensor.FromArray(t.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray(), Shape(t));

    /// <summary>The largest |Hebb - torch| over the logits; the shapes must agree.</summary>
    internal static double MaxDiff(JsonElement expected, Tensor logits)
    {
        Assert.Equal(Shape(expected), logits.ShapeArray.ToArray());
        var want = expected.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var got = logits.To(DType.Float64).ToArray<double>();
        return want.Select((w, i) => Math.Abs(w - got[i])).Max();
    }

    [Theory]
    [InlineData("mlp", false)]
    [InlineData("lenet5", false)]
    [InlineData("char_lstm", true)]
    [InlineData("char_gru", true)]
    [InlineData("nanogpt", true)]
    [InlineData("nanogpt_nobias", true)]
    public void LogitsEqualPyTorchs(string name, bool ids)
    {
        var imported = PyTorchImport.Load(Path.Combine(Dir, name + ".safetensors"), Path.Combine(Dir, name + ".json"));
        var expected = Expected(name);
        imported.Model.Eval();
        using var _ = GradMode.NoGrad();
        var logits = imported.Model.Forward(Input(expected.GetProperty("input"), ids));
        double diff = MaxDiff(expected.GetProperty("logits"), logits);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: max |Hebb - torch| = {diff:E2}"));
        Assert.True(diff <= Tolerance, $"{name}: max abs diff {diff:E2} > {Tolerance}");
    }

    [Fact]
    public void WhatTheShapesTellIsReadFromThem()
    {
        var lstm = PyTorchImport.Load(Path.Combine(Dir, "char_lstm.safetensors"), Path.Combine(Dir, "char_lstm.json"));
        Assert.Equal(new CharRnnConfig(RecurrentCell.Lstm, 35, 6, 8, 2), lstm.Config);
        Assert.Equal("\n !',.:;?abcdefghijklmnopqrstuvwxyz", lstm.Metadata["vocab"]);
        var gpt = (GptConfig)PyTorchImport.Load(Path.Combine(Dir, "nanogpt.safetensors"), Path.Combine(Dir, "nanogpt.json")).Config;
        Assert.Equal(new GptConfig(13, 2, 2, 16, 8, Bias: true, TiedWeights: true), gpt);
        var noBias = (GptConfig)PyTorchImport.Load(Path.Combine(Dir, "nanogpt_nobias.safetensors"),
            Path.Combine(Dir, "nanogpt_nobias.json")).Config;
        Assert.False(noBias.Bias);
        var lenet = (LeNet5Config)PyTorchImport.Load(Path.Combine(Dir, "lenet5.safetensors"), Path.Combine(Dir, "lenet5.json")).Config;
        Assert.Equal(new LeNet5Config(0, 1, 12, 10), lenet);
        var mlp = (MlpConfig)PyTorchImport.Load(Path.Combine(Dir, "mlp.safetensors"), Path.Combine(Dir, "mlp.json")).Config;
        Assert.Equal([20, 16, 12, 10], mlp.Sizes);
    }

    [Fact]
    public void AnImportedModelSavedAsAHebbFileLoadsBackTheSame()
    {
        var imported = PyTorchImport.Load(Path.Combine(Dir, "char_gru.safetensors"), Path.Combine(Dir, "char_gru.json"));
        string path = Path.Combine(Path.GetTempPath(), $"hebb-import-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(path, imported.Model, imported.Metadata);
            var loaded = ModelFactory.Load(path);
            var expected = Expected("char_gru");
            using var _ = GradMode.NoGrad();
            var logits = loaded.Model.Forward(Input(expected.GetProperty("input"), ids: true));
            Assert.True(MaxDiff(expected.GetProperty("logits"), logits) <= Tolerance);
            Assert.Equal(imported.Metadata["vocab"], loaded.Metadata["vocab"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>safetensors' save_model drops one name of each set of shared tensors: a tied GPT may keep only
    /// lm_head.weight, or only transformer.wte.weight.</summary>
    [Theory]
    [InlineData("lm_head.weight")]
    [InlineData("transformer.wte.weight")]
    public void ATiedGptSavedUnderOneNameOnlyLoads(string kept)
    {
        var file = Safetensors.Load(Path.Combine(Dir, "nanogpt.safetensors"));
        string dropped = kept == "lm_head.weight" ? "transformer.wte.weight" : "lm_head.weight";
        using var stream = new MemoryStream();
        Safetensors.Write(stream, file.Tensors.Where(t => t.Name != dropped));
        stream.Position = 0;
        var config = new Dictionary<string, JsonElement>
        {
            ["model"] = JsonDocument.Parse("\"gpt\"").RootElement,
            ["n_head"] = JsonDocument.Parse("2").RootElement,
        };
        var imported = PyTorchImport.Load(Safetensors.Read(stream, "one-name"), config, "one-name");
        Assert.True(((GptConfig)imported.Config).TiedWeights);
        var expected = Expected("nanogpt");
        using var _ = GradMode.NoGrad();
        var logits = imported.Model.Forward(Input(expected.GetProperty("input"), ids: true));
        Assert.True(MaxDiff(expected.GetProperty("logits"), logits) <= Tolerance);
    }

    [Theory]
    [InlineData("nanogpt", """{"model": "gpt"}""", "n_head")]
    [InlineData("nanogpt", """{"model": "gpt", "n_head": 2, "n_embd": 32}""", "n_embd is 32 but the weights say 16")]
    [InlineData("mlp", """{"model": "mlp"}""", "activation")]
    [InlineData("mlp", """{"model": "mlp", "activation": "relu", "hidden": 3}""", "\"hidden\" is not one")]
    [InlineData("mlp", """{"model": "gpt", "n_head": 2}""", "transformer.wte.weight")]
    [InlineData("char_lstm", """{"model": "char-rnn", "cell": "gru"}""", "say lstm")]
    [InlineData("char_lstm", """{"model": "char-rnn", "vocab": "abc"}""", "vocab has 3 characters but the embedding has 35")]
    [InlineData("lenet5", """{"model": "mlp", "activation": "relu"}""", "uses no tensor")]
    [InlineData("mlp", """{"model": "resnet"}""", "'resnet'")]
    public void AConfigThatDoesNotFitTheWeightsIsRefusedByName(string weights, string config, string message)
    {
        string path = Path.Combine(Path.GetTempPath(), $"hebb-import-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, config);
        try
        {
            var e = Assert.ThrowsAny<InvalidDataException>(() => PyTorchImport.Load(Path.Combine(Dir, weights + ".safetensors"), path));
            Assert.Contains(message, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
