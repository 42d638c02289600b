using System.Diagnostics;
using System.Text.Json;
using Hebb.Tests.Data;

namespace Hebb.Tests.Cli;

/// <summary>The `hebb` tool run as a user runs it: a separate process, exit code and output checked.</summary>
public class CliTests
{
    internal static (int ExitCode, string Stdout, string Stderr) Hebb(params string[] args)
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
    public void LeNet5TrainsPrintsTheConfusionMatrixAndItsFileRebuildsIt()
    {
        var dir = Directory.CreateTempSubdirectory("hebb-cli-");
        try
        {
            var model = Path.Combine(dir.FullName, "lenet.safetensors");
            var metrics = Path.Combine(dir.FullName, "metrics.json");
            var (code, stdout, stderr) = Hebb("train", "mnist", "--model", "lenet5", "--epochs", "1", "--train-limit", "6000",
                "--dropout", "0.1", "--schedule", "none", "--lr", "0.003", "--out", model, "--metrics", metrics);
            Assert.True(code == 0, stderr);
            Assert.Contains("confusion matrix", stdout);
            Assert.Contains("LeCun et al. 1998 report 0.95%", stdout);
            using var json = JsonDocument.Parse(File.ReadAllText(metrics));
            double accuracy = json.RootElement.GetProperty("test_accuracy").GetDouble();
            Assert.InRange(accuracy, 0.85, 1.0);
            Assert.Equal(10, json.RootElement.GetProperty("per_class_accuracy").GetArrayLength());

            (code, stdout, stderr) = Hebb("eval", "--model", model);
            Assert.True(code == 0, stderr);
            Assert.Contains((accuracy * 100).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + "%", stdout);
            (code, stdout, _) = Hebb("summary", "--model", model);
            Assert.Equal(0, code);
            Assert.Contains("61,706", stdout);
            Assert.Contains("[N, 6, 28, 28]", stdout);
            Assert.Contains("[N, 16, 5, 5]", stdout);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--dropout does not apply to --model mlp (it is for --model lenet5)", "train", "mnist", "--dropout", "0.5")]
    [InlineData("--retrain-full needs --early-stopping", "train", "mnist", "--retrain-full")]
    [InlineData("--momentum applies to --optimizer sgd", "train", "mnist", "--optimizer", "adam", "--momentum", "0.9")]
    [InlineData("--val-split must be in [0, 1)", "train", "mnist", "--early-stopping", "2", "--val-split", "1.5")]
    public void ToolkitOptionsThatDoNotFitTogetherAreRefused(string message, params string[] args)
    {
        var (code, _, stderr) = Hebb(args);
        Assert.Equal(1, code);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void PerceptronLearnsAndButNotXorWhichAHiddenLayerLearns()
    {
        var (code, stdout, stderr) = Hebb("perceptron", "--gate", "and");
        Assert.True(code == 0, stderr);
        Assert.Contains("converged after", stdout);
        Assert.DoesNotContain("wrong", stdout);

        (code, stdout, stderr) = Hebb("perceptron", "--gate", "xor", "--epochs", "20");
        Assert.True(code == 0, stderr);
        Assert.Contains("did not converge after 20 epochs", stdout);
        Assert.Contains("none of the", stdout);
        Assert.Contains("2-2-1 network", stdout);
        var netLines = stdout[stdout.IndexOf("2-2-1 network", StringComparison.Ordinal)..];
        Assert.DoesNotContain("wrong", netLines); // the hidden-layer network gets all four rows

        (code, _, stderr) = Hebb("perceptron", "--gate", "nand");
        Assert.NotEqual(0, code);
        Assert.Contains("nand", stderr);
        (code, _, stderr) = Hebb("perceptron", "--gate", "or", "--epochs", "0");
        Assert.Equal(1, code);
        Assert.Contains("--epochs", stderr);
    }

    [Fact]
    public void LogisticRegressionAnswersIsItAZeroAndDrawsItsWeights()
    {
        var dir = Directory.CreateTempSubdirectory("hebb-cli-");
        try
        {
            var picture = Path.Combine(dir.FullName, "w.png");
            var (code, stdout, stderr) = Hebb(
                "logistic", "--digit", "0", "--batch", "1", "--epochs", "1", "--train-limit", "5000", "--picture", picture);
            Assert.True(code == 0, stderr);
            Assert.Contains("SGD with a batch of one", stdout);
            Assert.Contains("5,000 steps", stdout);
            var accuracy = System.Text.RegularExpressions.Regex.Match(
                stdout, @"test accuracy (\d+\.\d+)% \(always answering no: 90\.20%\)");
            Assert.True(accuracy.Success, stdout);
            Assert.True(double.Parse(accuracy.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 97.0, stdout);
            var png = File.ReadAllBytes(picture);
            Assert.Equal(0x89, png[0]);
            // one 28x28 tile, doubled, plus borders
            Assert.Equal(58, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));

            (code, stdout, stderr) = Hebb("logistic", "--batch", "full", "--epochs", "3", "--train-limit", "2000");
            Assert.True(code == 0, stderr);
            Assert.Contains("full-batch gradient descent", stdout);
            Assert.Contains("epoch   1/3  train loss 0.6931", stdout); // w = 0: ln 2

            (code, _, stderr) = Hebb("logistic", "--batch", "0");
            Assert.Equal(1, code);
            Assert.Contains("--batch", stderr);
            (code, _, stderr) = Hebb("logistic", "--digit", "12");
            Assert.Equal(1, code);
            Assert.Contains("--digit", stderr);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void WeightsDrawsTheFirstLayerOfASavedModel()
    {
        var dir = Directory.CreateTempSubdirectory("hebb-cli-");
        try
        {
            // A seed-shaped model saved straight from the library (training is tested elsewhere).
            var config = global::Hebb.Models.MlpConfig.Seed;
            var model = Path.Combine(dir.FullName, "seed.safetensors");
            global::Hebb.IO.ModelFile.Save(model, config.Build(new Generator(0)), config.ToMetadata());
            var picture = Path.Combine(dir.FullName, "weights.png");

            var (code, stdout, stderr) = Hebb("weights", "--model", model, "--out", picture);
            Assert.True(code == 0, stderr);
            Assert.Contains("16 units, each a 28x28 picture", stdout);
            var png = File.ReadAllBytes(picture);
            Assert.Equal("PNG", System.Text.Encoding.ASCII.GetString(png, 1, 3));
            Assert.Equal(229, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16))); // 4 tiles of 56 + 5 borders
            Assert.Equal(229, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));

            (code, _, stderr) = Hebb("weights", "--model", model, "--out", picture, "--scale", "1");
            Assert.True(code == 0, stderr);
            Assert.Equal(117, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(File.ReadAllBytes(picture).AsSpan(16)));

            (code, _, stderr) = Hebb("weights", "--model", Path.Combine(dir.FullName, "missing.safetensors"), "--out", picture);
            Assert.Equal(1, code);
            Assert.Contains("missing.safetensors", stderr);

            var noFolder = Path.Combine(dir.FullName, "no-such-folder", "w.png");
            (code, _, stderr) = Hebb("weights", "--model", model, "--out", noFolder);
            Assert.Equal(1, code);
            Assert.Contains("does not exist", stderr);
            Assert.Single(stderr.Trim().Split('\n'));

            var notAModel = Path.Combine(dir.FullName, "junk.safetensors");
            File.WriteAllText(notAModel, "not a model");
            (code, _, stderr) = Hebb("weights", "--model", notAModel, "--out", picture);
            Assert.Equal(1, code);
            Assert.Contains("junk.safetensors", stderr);
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
            var (code, stdout, stderr) = Hebb("train", "text", "--data", corpus, "--model", "gru", "--hidden", "32", "--block", "16",
                "--batch-size", "8", "--steps", "20", "--eval-interval", "10", "--out", model, "--metrics", metrics);
            Assert.True(code == 0, stderr);
            Assert.Contains("step     10/20", stdout);
            Assert.Contains("val loss", stdout);

            using var json = JsonDocument.Parse(File.ReadAllText(metrics));
            Assert.Equal(20, json.RootElement.GetProperty("steps").GetInt32());
            double val = json.RootElement.GetProperty("val_loss").GetDouble();
            Assert.InRange(val, 0.5, Math.Log(65));
            Assert.True(json.RootElement.GetProperty("train_loss").GetDouble() > 0);
            Assert.True(json.RootElement.GetProperty("seconds").GetDouble() > 0);

            (code, stdout, stderr) = Hebb("generate", "--model", model, "--prompt", "ROMEO:", "--length", "50",
                "--temperature", "0.8", "--top-k", "5", "--seed", "1");
            Assert.True(code == 0, stderr);
            Assert.StartsWith("ROMEO:", stdout);
            Assert.Equal(56, stdout.TrimEnd('\n').Length);
            var again = Hebb("generate", "--model", model, "--prompt", "ROMEO:", "--length", "50",
                "--temperature", "0.8", "--top-k", "5", "--seed", "1");
            Assert.Equal(stdout, again.Stdout); // same seed, same text

            (code, stdout, stderr) = Hebb("embed", "nearest", "e", "--model", model, "--k", "3");
            Assert.True(code == 0, stderr);
            Assert.Equal(3, stdout.Split('\n').Count(l => l.Contains("cosine")));
            (code, stdout, stderr) = Hebb("embed", "analogy", "A", "a", "b", "--model", model);
            Assert.True(code == 0, stderr);
            Assert.Contains("'A' - 'a' + 'b'", stdout);
            (code, _, stderr) = Hebb("embed", "nearest", "e", "--model", model, "--k", "0");
            Assert.NotEqual(0, code);
            Assert.Contains("--k must be positive", stderr);
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
