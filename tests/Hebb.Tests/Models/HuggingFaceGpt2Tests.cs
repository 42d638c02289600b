using System.Globalization;
using Hebb.Autograd;
using Hebb.Data;
using Hebb.Models;
using Hebb.Tests.Cli;
using Xunit.Abstractions;

namespace Hebb.Tests.Models;

/// <summary>
/// A Hugging Face GPT-2 folder (tests/reference/pytorch_import/gpt2-tiny: config.json + model.safetensors with HF's names,
/// Conv1D weights [in, out], tanh GELU, the attn.bias buffers), written by scripts/torch_import_reference.py from a small
/// random GPT-2 in plain torch (vocab 101, 2 layers, 2 heads, n_embd 32, 16 positions): Hebb's logits equal torch's.
/// </summary>
public class HuggingFaceGpt2Tests(ITestOutputHelper output)
{
    private static readonly string Folder = Path.Combine(PyTorchImportTests.Dir, "gpt2-tiny");

    [Fact]
    public void LogitsEqualPyTorchs()
    {
        var hf = HuggingFaceGpt2.Load(Folder);
        Assert.Equal(new GptConfig(101, 2, 2, 32, 16, Bias: true, TiedWeights: true, Activation: Activation.GeluTanh), hf.Config);
        var expected = PyTorchImportTests.Expected("gpt2_tiny");
        using var _ = GradMode.NoGrad();
        hf.Model.Eval();
        var logits = hf.Model.Forward(PyTorchImportTests.Input(expected.GetProperty("input"), ids: true));
        double diff = PyTorchImportTests.MaxDiff(expected.GetProperty("logits"), logits);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gpt2-tiny: max |Hebb - torch| = {diff:E2}"));
        Assert.True(diff <= PyTorchImportTests.Tolerance, $"max abs diff {diff:E2}");
        Assert.Equal("gpt2", hf.Metadata["tokenizer"]);
        Assert.Equal("gelutanh", hf.Metadata["activation"]);
    }

    [Theory]
    [InlineData("Hello world")]
    [InlineData("ROMEO:\nBut, soft! what light through yonder window breaks?\n\n  indented\ttab")]
    [InlineData("Crème brûlée, naïve façade, Ærøskøbing, Straße, ñandú")]
    [InlineData("emoji 🙂👍🏽 and 日本語のテキスト, Ελληνικά, עברית")]
    [InlineData("<|endoftext|> is a special token")]
    public void TheTokenizerRoundTrips(string text)
    {
        var tokenizer = Gpt2Tokenizer.Builtin();
        var ids = tokenizer.Encode(text);
        Assert.All(ids, id => Assert.InRange(id, 0, tokenizer.Count - 1));
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void TheTokenizerIsGpt2s()
    {
        var tokenizer = Gpt2Tokenizer.Builtin();
        Assert.Equal(50257, tokenizer.Count);
        Assert.Equal([15496, 995], tokenizer.Encode("Hello world"));
        Assert.Equal([64], tokenizer.Encode("a"));
    }

    /// <summary>A folder's own vocab.json + merges.txt (byte-level: a space is stored as 'Ġ').</summary>
    [Fact]
    public void TheTokenizerReadsAFoldersFiles()
    {
        var dir = Directory.CreateTempSubdirectory("hebb-bpe-");
        try
        {
            string vocab = Path.Combine(dir.FullName, "vocab.json"), merges = Path.Combine(dir.FullName, "merges.txt");
            File.WriteAllText(vocab, """{"a": 0, "b": 1, "Ġ": 2, "ab": 3, "Ġab": 4}""");
            File.WriteAllText(merges, "#version: 0.2\na b\nĠ ab\n");
            var tokenizer = Gpt2Tokenizer.FromFiles(vocab, merges);
            Assert.Equal(5, tokenizer.Count);
            Assert.Equal([3, 4, 4], tokenizer.Encode("ab ab ab"));
            Assert.Equal("ab ab ab", tokenizer.Decode([3, 4, 4]));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void HebbGenerateTakesTheFolder()
    {
        var (code, stdout, stderr) = CliTests.Hebb("generate", "--model", Folder, "--prompt", "a", "--length", "6", "--temperature", "0");
        Assert.True(code == 0, stderr);
        var hf = HuggingFaceGpt2.Load(Folder);
        var greedy = global::Hebb.Training.Sampling.Generate(hf.Model, [64], 6, 0, 0, new Generator(0));
        Assert.Equal("a" + hf.Tokenizer.Decode(greedy) + "\n", stdout.Replace("\r\n", "\n"));

        // Converted to one Hebb file, the model generates the same (the file records GPT-2's tokenizer).
        var dir = Directory.CreateTempSubdirectory("hebb-hf-");
        try
        {
            string file = Path.Combine(dir.FullName, "gpt2-tiny.safetensors");
            var (converted, _, error) = CliTests.Hebb("convert", "--from-huggingface", Folder, "--out", file);
            Assert.True(converted == 0, error);
            var fromFile = CliTests.Hebb("generate", "--model", file, "--prompt", "a", "--length", "6", "--temperature", "0");
            Assert.True(fromFile.ExitCode == 0, fromFile.Stderr);
            Assert.Equal(stdout, fromFile.Stdout);
        }
        finally
        {
            dir.Delete(recursive: true);
        }

        (code, _, stderr) = CliTests.Hebb("generate", "--model", Folder, "--prompt", "Hello", "--length", "2");
        Assert.Equal(1, code);
        Assert.Contains("outside the model's vocabulary of 101", stderr);
    }
}
