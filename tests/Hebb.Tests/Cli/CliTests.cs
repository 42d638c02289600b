using System.Diagnostics;
using System.Text.Json;
using Hebb.Tests.Data;

namespace Hebb.Tests.Cli;

/// <summary>The `hebb` tool run as a user runs it: a separate process, exit code and output checked.</summary>
public class CliTests
{
    private static (int ExitCode, string Stdout, string Stderr) Hebb(params string[] args)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "Hebb.Cli.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(cli);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["HEBB_DATASETS"] = TestData.DatasetsRoot;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "hebb did not finish in 5 minutes");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void SummaryShowsTheSeedNetworksParameterCount()
    {
        var (code, stdout, _) = Hebb("summary");
        Assert.Equal(0, code);
        Assert.Contains("13,002", stdout);
        Assert.Contains("12,560", stdout); // 784*16 + 16
        Assert.Contains("[N, 10]", stdout);
    }

    [Theory]
    [InlineData("train", "cifar")]
    [InlineData("train", "mnist", "--activation", "softplus")]
    [InlineData("train", "mnist", "--epochs", "ten")]
    [InlineData("frobnicate")]
    public void BadArgumentsGiveOneLineAndNonZeroExit(params string[] args)
    {
        var (code, stdout, stderr) = Hebb(args);
        Assert.NotEqual(0, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", stderr); // no stack trace
        Assert.Equal("", stdout);
    }

    [Fact]
    public void InvalidValuesAndMissingDataGiveOneClearLine()
    {
        var (code, _, stderr) = Hebb("train", "mnist", "--epochs", "0");
        Assert.Equal(1, code);
        Assert.Contains("--epochs", stderr);

        var missing = Path.Combine(Path.GetTempPath(), "hebb-no-such-folder");
        (code, _, stderr) = Hebb("train", "mnist", "--data", missing);
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains(missing, stderr);

        (code, _, stderr) = Hebb("eval", "--model", "/nonexistent/model.safetensors");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/model.safetensors", stderr);
    }

    [Fact]
    public void TrainSavesAModelThatEvalAndSummaryRead()
    {
        var dir = Directory.CreateTempSubdirectory("hebb-cli-");
        try
        {
            var model = Path.Combine(dir.FullName, "seed.safetensors");
            var metrics = Path.Combine(dir.FullName, "metrics.json");
            var (code, stdout, stderr) = Hebb("train", "mnist", "--epochs", "1", "--out", model, "--metrics", metrics);
            Assert.True(code == 0, stderr);
            Assert.Contains("epoch   1/1", stdout);

            using var json = JsonDocument.Parse(File.ReadAllText(metrics));
            double accuracy = json.RootElement.GetProperty("test_accuracy").GetDouble();
            Assert.InRange(accuracy, 0.8, 1.0);
            Assert.Equal(1, json.RootElement.GetProperty("epochs").GetInt32());
            Assert.True(json.RootElement.GetProperty("seconds").GetDouble() > 0);
            Assert.True(json.RootElement.GetProperty("test_loss").GetDouble() > 0);

            (code, stdout, stderr) = Hebb("eval", "--model", model);
            Assert.True(code == 0, stderr);
            Assert.Contains((accuracy * 100).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + "%", stdout);

            (code, stdout, _) = Hebb("summary", "--model", model);
            Assert.Equal(0, code);
            Assert.Contains("13,002", stdout);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void TrainTextSavesAModelThatGenerateAndEmbedRead()
    {
        var dir = Directory.CreateTempSubdirectory("hebb-cli-text-");
        try
        {
            string text = File.ReadAllText(Path.Combine(TestData.DatasetsRoot, "tinyshakespeare", "input.txt"))[..20000];
            string corpus = Path.Combine(dir.FullName, "corpus.txt");
            File.WriteAllText(corpus, text);
            var model = Path.Combine(dir.FullName, "char.safetensors");
            var metrics = Path.Combine(dir.FullName, "metrics.json");
            var (code, stdout, stderr) = Hebb("train", "text", "--data", corpus, "--model", "gru", "--hidden", "32", "--block", "16", "--batch-size", "8",
                "--steps", "20", "--eval-interval", "10", "--out", model, "--metrics", metrics);
            Assert.True(code == 0, stderr);
            Assert.Contains("step     10/20", stdout);
            Assert.Contains("val loss", stdout);

            using var json = JsonDocument.Parse(File.ReadAllText(metrics));
            Assert.Equal(20, json.RootElement.GetProperty("steps").GetInt32());
            double val = json.RootElement.GetProperty("val_loss").GetDouble();
            Assert.InRange(val, 0.5, Math.Log(65));
            Assert.True(json.RootElement.GetProperty("train_loss").GetDouble() > 0);
            Assert.True(json.RootElement.GetProperty("seconds").GetDouble() > 0);

            (code, stdout, stderr) = Hebb("generate", "--model", model, "--prompt", "ROMEO:", "--length", "50", "--temperature", "0.8", "--top-k", "5", "--seed", "1");
            Assert.True(code == 0, stderr);
            Assert.StartsWith("ROMEO:", stdout);
            Assert.Equal(56, stdout.TrimEnd('\n').Length);
            var again = Hebb("generate", "--model", model, "--prompt", "ROMEO:", "--length", "50", "--temperature", "0.8", "--top-k", "5", "--seed", "1");
            Assert.Equal(stdout, again.Stdout); // same seed, same text

            (code, stdout, stderr) = Hebb("embed", "nearest", "e", "--model", model, "--k", "3");
            Assert.True(code == 0, stderr);
            Assert.Equal(3, stdout.Split('\n').Count(l => l.Contains("cosine")));
            (code, stdout, stderr) = Hebb("embed", "analogy", "A", "a", "b", "--model", model);
            Assert.True(code == 0, stderr);
            Assert.Contains("'A' - 'a' + 'b'", stdout);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("-0.5")]
    [InlineData("NaN")]
    public void GenerateRefusesANegativeTemperature(string temperature)
    {
        // Checked before the model is read: the file need not exist for this error.
        var (code, stdout, stderr) = Hebb("generate", "--model", "/nonexistent/model.safetensors", "--temperature", temperature);
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("--temperature must be a finite number >= 0", stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public void TrainTextOnAMissingOrEmptyFileGivesOneClearLine()
    {
        var dir = Directory.CreateTempSubdirectory("hebb-cli-text-");
        try
        {
            string missing = Path.Combine(dir.FullName, "missing.txt");
            var (code, _, stderr) = Hebb("train", "text", "--data", missing);
            Assert.Equal(1, code);
            Assert.Single(stderr.Trim().Split('\n'));
            Assert.Contains(missing, stderr);

            string empty = Path.Combine(dir.FullName, "empty.txt");
            File.WriteAllText(empty, "");
            (code, _, stderr) = Hebb("train", "text", "--data", empty);
            Assert.Equal(1, code);
            Assert.Contains("empty", stderr);

            string tiny = Path.Combine(dir.FullName, "tiny.txt");
            File.WriteAllText(tiny, "To be, or not to be.");
            (code, _, stderr) = Hebb("train", "text", "--data", tiny);
            Assert.Equal(1, code);
            Assert.Contains("--block 64", stderr);
            Assert.DoesNotContain("   at ", stderr);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
