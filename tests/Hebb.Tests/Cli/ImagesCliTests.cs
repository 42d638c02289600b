using System.Globalization;
using System.Text.Json;
using Hebb.Data;
using Hebb.IO;
using Hebb.Tests.Data;
using Xunit.Abstractions;

namespace Hebb.Tests.Cli;

/// <summary>`hebb train images --data DIR` run as a user runs it, on MNIST digits written out as image folders or IDX files.</summary>
public sealed class ImagesCliTests(RealMnistFixture real, ITestOutputHelper output) : IClassFixture<RealMnistFixture>, IDisposable
{
    private readonly TestData.TempFolder _temp = TestData.CreateTempFolder();

    public void Dispose() => _temp.Dispose();

    private static double Accuracy(string metricsPath)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(metricsPath));
        return json.RootElement.GetProperty("test_accuracy").GetDouble();
    }

    [Fact]
    public void ImageFoldersTrainAndTheModelFileKeepsTheInputPipeline()
    {
        string data = _temp.Combine("digits");
        ImageFiles.WriteFolders(data, "train", ImageFiles.Take(real.Train, 2000), 28);
        ImageFiles.WriteFolders(data, "test", ImageFiles.Take(real.Test, 500), 28);
        string model = _temp.Combine("lenet.safetensors"), metrics = _temp.Combine("metrics.json");
        var (code, stdout, stderr) = CliTests.Hebb("train", "images", "--data", data, "--model", "lenet5", "--epochs", "2",
            "--out", model, "--metrics", metrics);
        Assert.True(code == 0, stderr);
        output.WriteLine(stdout);
        Assert.Contains("(image folders; 28x28 grayscale, 10 classes: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9): 2,000 training and 500 test images",
            stdout);
        Assert.Contains("every training image is grayscale: 1 channel", stdout);
        Assert.InRange(Accuracy(metrics), 0.6, 1.0); // 76.4% after 2 epochs on 2,000 images; chance is 10%

        // hebb eval reads the folder as the file says and measures the same test images.
        (code, stdout, stderr) = CliTests.Hebb("eval", "--model", model, "--data", data);
        Assert.True(code == 0, stderr);
        Assert.Contains($"images test accuracy {(Accuracy(metrics) * 100).ToString("F2", CultureInfo.InvariantCulture)}%", stdout);
        (code, _, stderr) = CliTests.Hebb("eval", "--model", model);
        Assert.Equal(1, code);
        Assert.Contains("was trained on your own images: give their folder with --data DIR", stderr);

        var meta = Safetensors.Load(model).Metadata;
        Assert.Equal("images", meta["dataset"]);
        var input = ImagePreprocessing.FromMetadata(meta, model)!;
        Assert.Equal((1, 28, 28, 10), (input.Channels, input.Height, input.Width, input.ClassNames.Count));
        Assert.Equal("28", meta["image_size"]); // LeNet-5's own config agrees
    }

    [Fact]
    public void AnIdxFolderOfAnotherSizeAndFiveClassesLearns()
    {
        // MNIST digits 0-4, cropped to their central 20x20: not MNIST's size, count or classes.
        string data = _temp.Combine("small");
        ImageFiles.WriteIdx(data, "train", ImageFiles.Take(real.Train, 2000, classes: 5, side: 20), 20);
        ImageFiles.WriteIdx(data, "t10k", ImageFiles.Take(real.Test, 500, classes: 5, side: 20), 20, gzip: false);
        string metrics = _temp.Combine("metrics.json");
        var (code, stdout, stderr) = CliTests.Hebb("train", "images", "--data", data, "--activation", "relu", "--loss", "ce",
            "--hidden", "64", "--epochs", "5", "--metrics", metrics);
        Assert.True(code == 0, stderr);
        output.WriteLine(stdout);
        Assert.Contains("(IDX files; 20x20 grayscale, 5 classes: 0, 1, 2, 3, 4): 2,000 training and 500 test images", stdout);
        Assert.Contains("network 400-64-5, relu", stdout);
        double accuracy = Accuracy(metrics);
        output.WriteLine($"20x20, 5 classes: test accuracy {accuracy:P2} (chance 20%)");
        Assert.InRange(accuracy, 0.85, 1.0);
    }

    [Fact]
    public void ProblemsWithTheUsersDataAreOneLineNamingTheFile()
    {
        void Refused(string expected, params string[] args)
        {
            var (code, stdout, stderr) = CliTests.Hebb(["train", "images", .. args, "--epochs", "1"]);
            Assert.True(code == 1, $"exit {code}: {stdout} {stderr}");
            Assert.Single(stderr.Trim().Split('\n'));
            Assert.DoesNotContain("   at ", stderr);
            Assert.Contains(expected, stderr);
        }
        var digits = ImageFiles.Take(real.Test, 40);

        string counts = _temp.Combine("counts");
        ImageFiles.WriteIdx(counts, "train", digits, 28, gzip: false);
        File.WriteAllBytes(Path.Combine(counts, "train-labels-idx1-ubyte"), TestData.IdxBytes([39], new byte[39]));
        Refused("train-labels-idx1-ubyte' holds 39 labels but images file", "--data", counts);

        string corrupt = _temp.Combine("corrupt");
        ImageFiles.WriteFolders(corrupt, "train", digits, 28);
        var victim = Directory.GetFiles(Path.Combine(corrupt, "train", "7"))[0];
        File.WriteAllBytes(victim, File.ReadAllBytes(victim)[..40]);
        Refused($"image '{victim}'", "--data", corrupt);

        string empty = _temp.Combine("empty");
        ImageFiles.WriteFolders(empty, "train", digits, 28);
        Directory.CreateDirectory(Path.Combine(empty, "train", "unused"));
        Refused($"class folder '{Path.Combine(empty, "train", "unused")}' has no images", "--data", empty);

        string wide = _temp.Combine("wide");
        _temp.Write("wide/train/a/1.png", ImageFiles.Png(new byte[16 * 20], 20, 16, 1));
        _temp.Write("wide/train/b/1.png", ImageFiles.Png(new byte[16 * 20], 20, 16, 1));
        Refused("--model lenet5 takes square images, and these are 20x16", "--data", wide, "--model", "lenet5", "--test-split", "0.5");

        string split = _temp.Combine("split");
        ImageFiles.WriteFolders(split, "train", digits, 28);
        ImageFiles.WriteFolders(split, "test", digits, 28);
        Refused("--test-split: ", "--data", split, "--test-split", "0.3");
        string idx = _temp.Combine("idx");
        ImageFiles.WriteIdx(idx, "train", digits, 28);
        Refused("--channels: 3 channel(s) asked for, but the IDX images", "--data", idx, "--channels", "3");
        Refused("holds neither a train/ folder", "--data", _temp.Combine("corrupt", "train", "7"));
    }
}
