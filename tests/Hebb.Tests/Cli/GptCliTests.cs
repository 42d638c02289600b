using Hebb.Cli.Pictures;
using System.Buffers.Binary;
using System.Text.Json;
using Hebb.IO;
using Hebb.Tests.Data;

namespace Hebb.Tests.Cli;

/// <summary>`hebb train text --model gpt`, `generate` on a GPT and `hebb attention`, run as separate processes.</summary>
public class GptCliTests
{
    private static (int ExitCode, string Stdout, string Stderr) Hebb(params string[] args) => CliTests.Hebb(args);

    private static string Corpus(DirectoryInfo dir)
    {
        string text = File.ReadAllText(Path.Combine(TestData.DatasetsRoot, "tinyshakespeare", "input.txt"))[..20000];
        string corpus = Path.Combine(dir.FullName, "corpus.txt");
        File.WriteAllText(corpus, text);
        return corpus;
    }

    [Fact]
    public void TrainTextGptThenGenerateAndDrawAttention()
    {
        var dir = Directory.CreateTempSubdirectory("hebb-cli-gpt-");
        try
        {
            string corpus = Corpus(dir);
            var model = Path.Combine(dir.FullName, "gpt.safetensors");
            var metrics = Path.Combine(dir.FullName, "metrics.json");
            var (code, stdout, stderr) = Hebb(
                "train", "text", "--data", corpus, "--model", "gpt", "--layers", "2", "--heads", "2", "--embd", "32",
                "--block", "16", "--batch-size", "8", "--steps", "30", "--lr", "3e-3", "--dropout", "0.1", "--eval-interval", "15",
                "--out", model, "--metrics", metrics);
            Assert.True(code == 0, stderr);
            // The GPT's own defaults apply where no option was given: AdamW, betas, decay, the cosine schedule (warm-up
            // shrunk to fit 30 steps).
            Assert.Contains("gpt 2 layer(s) x 2 heads, embedding 32, dropout 0.1, block 16, batch 8, " +
                "AdamW lr 0.003 betas (0.9, 0.99) weight decay 0.1, 1 warm-up steps then cosine to 0.0001", stdout);
            Assert.Contains("step     15/30", stdout);
            using (var json = JsonDocument.Parse(File.ReadAllText(metrics)))
            {
                Assert.Equal("gpt", json.RootElement.GetProperty("model").GetString());
                Assert.InRange(json.RootElement.GetProperty("val_loss").GetDouble(), 0.5, Math.Log(65)); // learnt something: below uniform
            }

            // Generation past the block size (16) crops the context to the last 16 characters.
            (code, stdout, stderr) = Hebb("generate", "--model", model, "--prompt", "ROMEO:", "--length", "40",
                "--temperature", "0.8", "--top-k", "5", "--seed", "3");
            Assert.True(code == 0, stderr);
            Assert.StartsWith("ROMEO:", stdout);
            Assert.Equal(46, stdout.TrimEnd('\n').Length);
            Assert.Equal(stdout, Hebb("generate", "--model", model, "--prompt", "ROMEO:", "--length", "40",
                "--temperature", "0.8", "--top-k", "5", "--seed", "3").Stdout);
            (code, var greedy, stderr) = Hebb("generate", "--model", model, "--prompt", "ROMEO:", "--length", "40",
                "--temperature", "0", "--seed", "9");
            Assert.True(code == 0, stderr);
            Assert.Equal(greedy, Hebb("generate", "--model", model, "--prompt", "ROMEO:", "--length", "40",
                "--temperature", "0", "--seed", "10").Stdout); // argmax ignores the seed

            string png = Path.Combine(dir.FullName, "attn.png");
            (code, stdout, stderr) = Hebb("attention", "--model", model, "--text", "First Citizen:", "--out", png, "--scale", "3");
            Assert.True(code == 0, stderr);
            var bytes = File.ReadAllBytes(png);
            Assert.True(bytes.AsSpan(0, 8).SequenceEqual(Png.Signature));
            // IHDR: 2 heads x (14 tokens x 3 px + border) + border wide, 2 layers the same high, 8-bit RGB.
            Assert.Equal(2 * (14 * 3 + 1) + 1, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
            Assert.Equal(2 * (14 * 3 + 1) + 1, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
            Assert.Equal(8, bytes[24]);
            Assert.Equal(2, bytes[25]);
            using (var tokens = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.FullName, "attn.tokens.json"))))
            {
                Assert.Equal(
                    "First Citizen:".Select(c => c.ToString()),
                    tokens.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()!));
                Assert.Equal(2, tokens.RootElement.GetProperty("layers").GetInt32());
                Assert.False(tokens.RootElement.GetProperty("labelled").GetBoolean()); // 3 pixels per weight: too small for the font
            }

            // By default the maps are large enough for the tokens on the axes (14 tokens: 256 / 14 = 18 pixels each).
            (code, _, stderr) = Hebb("attention", "--model", model, "--text", "First Citizen:", "--out", png);
            Assert.True(code == 0, stderr);
            using (var tokens = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.FullName, "attn.tokens.json"))))
            {
                Assert.True(tokens.RootElement.GetProperty("labelled").GetBoolean());
                Assert.Equal(18, tokens.RootElement.GetProperty("pixels_per_token").GetInt32());
            }

            // Clear one-line errors: unknown character, text past the block size, unwritable path, a non-GPT model.
            (code, _, stderr) = Hebb("attention", "--model", model, "--text", "café", "--out", png);
            Assert.Equal(1, code);
            Assert.Contains("--text: character 'é'", stderr);
            (code, _, stderr) = Hebb("attention", "--model", model, "--text", new string('a', 17), "--out", png);
            Assert.Equal(1, code);
            Assert.Contains("--text has 17 characters, more than the model's block size of 16", stderr);
            string noFolder = Path.Combine(dir.FullName, "missing", "a.png");
            (code, _, stderr) = Hebb("attention", "--model", model, "--text", "First", "--out", noFolder);
            Assert.Equal(1, code);
            Assert.Contains("--out", stderr);
            Assert.False(File.Exists(noFolder));

            var lstm = Path.Combine(dir.FullName, "lstm.safetensors");
            (code, _, stderr) = Hebb("train", "text", "--data", corpus, "--hidden", "8", "--block", "8", "--steps", "2", "--out", lstm);
            Assert.True(code == 0, stderr);
            (code, _, stderr) = Hebb("attention", "--model", lstm, "--text", "First", "--out", png);
            Assert.Equal(1, code);
            Assert.Single(stderr.Trim().Split('\n'));
            Assert.Contains("attention maps need a GPT", stderr);

            // Sizes that would exhaust memory are refused up front, naming the option.
            (code, _, stderr) = Hebb("attention", "--model", model, "--text", "First", "--out", png, "--scale", "600");
            Assert.Equal(1, code);
            Assert.Contains("--scale must be between 0 and 64", stderr);
            (code, _, stderr) = Hebb("generate", "--model", lstm, "--length", "2147483647");
            Assert.Equal(1, code);
            Assert.Contains("--length must be between 0 and 10000000", stderr);
            (code, _, stderr) = Hebb("train", "text", "--data", corpus, "--steps", "1", "--layers", "100000", "--hidden", "4096");
            Assert.Equal(1, code);
            Assert.Contains("more than the 1,073,741,824 Hebb accepts", stderr);
            // A language model is not an image classifier.
            (code, _, stderr) = Hebb("eval", "--model", lstm);
            Assert.Equal(1, code);
            Assert.Single(stderr.Trim().Split('\n'));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--heads", "3", "--embd ")] // 128 is not a multiple of 3
    [InlineData("--heads", "0", "--heads must be positive")]
    [InlineData("--layers", "0", "--layers must be positive")]
    [InlineData("--dropout", "1", "--dropout must be in [0, 1)")]
    [InlineData("--lr", "-1", "--lr must be positive")]
    public void BadGptOptionsGiveOneClearLine(string option, string value, string message)
    {
        var (code, stdout, stderr) = Hebb("train", "text", "--model", "gpt", option, value);
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains(message, stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public void AttentionNeedsItsOptions()
    {
        var (code, _, stderr) = Hebb("attention", "--model", "x.safetensors", "--out", "a.png");
        Assert.NotEqual(0, code);
        Assert.Contains("--text", stderr);
    }
}
