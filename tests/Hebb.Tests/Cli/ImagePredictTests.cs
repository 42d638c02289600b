using System.Text.RegularExpressions;
using Hebb.Data;
using Hebb.Models;
using Hebb.Tests.Data;

namespace Hebb.Tests.Cli;

/// <summary>`hebb predict` on image files: a trained classifier answers for each image as it does in the library, and
/// images in class folders are checked against their folder's class.</summary>
public class ImagePredictTests
{
    [Fact]
    public void PredictAnswersEachImageAsTheModelDoesAndChecksClassFolders()
    {
        using var folder = TestData.CreateTempFolder();
        string model = folder.Combine("lenet.safetensors");
        var (code, _, stderr) = CliTests.Hebb(
            "train", "mnist", "--model", "lenet5", "--train-limit", "2000", "--epochs", "1", "--out", model);
        Assert.True(code == 0, stderr);

        var test = MnistDataset.Load(DatasetCatalog.Mnist, train: false, TestData.DatasetsRoot);
        var digits = ImageFiles.Take(test, 40);
        ImageFiles.WriteFolders(folder.Path, "new", digits, 28);
        string predictions = folder.Combine("predictions.csv");
        (code, var stdout, stderr) = CliTests.Hebb("predict", "--model", model, "--input", folder.Combine("new"), "--out", predictions);
        Assert.True(code == 0, stderr);

        // The same digits through the library: the model's argmax, image by image.
        var loaded = ModelFactory.Load(model);
        loaded.Model.Eval();
        var pixels = new float[digits.Length * 784];
        for (int i = 0; i < digits.Length; i++)
            for (int j = 0; j < 784; j++) pixels[i * 784 + j] = digits[i].Pixels[j] / 255f;
        var expected = loaded.Model.Forward(Tensor.FromArray(pixels, digits.Length, 1, 28, 28)).Argmax(1).ToArray<int>();
        int right = expected.Zip(digits, (p, d) => p == d.Label ? 1 : 0).Sum();

        var lines = File.ReadAllLines(predictions);
        Assert.Equal(digits.Length + 1, lines.Length);
        Assert.StartsWith("file,predicted,p(0),p(1)", lines[0]);
        foreach (var (digit, answer) in digits.Zip(expected))
        {
            string row = lines.Single(l => l.Contains($"{Path.DirectorySeparatorChar}{digit.Index:D5}.png,", StringComparison.Ordinal));
            Assert.Equal(answer.ToString(System.Globalization.CultureInfo.InvariantCulture), row.Split(',')[1]);
        }
        Assert.Contains($"({right} of {digits.Length} images in class folders right)", stdout);
        Assert.True(right >= 20, $"only {right} of 40 right"); // chance is 4; one short epoch on 2,000 digits gives about 25

        // One image on its own.
        string one = Directory.GetFiles(folder.Combine("new", "7")).First();
        (code, stdout, _) = CliTests.Hebb("predict", "--model", model, "--input", one);
        Assert.Equal(0, code);
        Assert.Matches(new Regex(@": \S+ \(\S+ 0\.\d{4}, \S+ 0\.\d{4}, \S+ 0\.\d{4}\)"), stdout);
    }

    [Fact]
    public void AFileThatIsNotAnImageIsNamed()
    {
        using var folder = TestData.CreateTempFolder();
        string model = folder.Combine("mlp.safetensors");
        var (code, _, stderr) = CliTests.Hebb("train", "mnist", "--train-limit", "500", "--epochs", "1", "--out", model);
        Assert.True(code == 0, stderr);
        string text = folder.Write("digit.png", "not an image"u8.ToArray()); // named like an image, but it is text
        (code, _, stderr) = CliTests.Hebb("predict", "--model", model, "--input", text);
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains(text, stderr);
    }
}
