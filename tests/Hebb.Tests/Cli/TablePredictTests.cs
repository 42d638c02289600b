using System.Globalization;
using System.Text.Json;
using Hebb.Cli.Recipes;
using Hebb.Data;
using Hebb.IO;
using Hebb.Models;
using Hebb.NN;
using Hebb.Tests.Data;

namespace Hebb.Tests.Cli;

/// <summary>A table model saved and used again: in process and through `hebb train table` and `hebb predict` as processes.</summary>
public class TablePredictTests
{
    private static readonly string Iris = Path.Combine(TestData.DatasetsRoot, "tabular", "iris.csv");

    [Fact]
    public void ASavedTableModelPredictsWhatTheTrainedOneDid()
    {
        using var folder = TestData.CreateTempFolder();
        var result = TableRecipe.Run(new TableOptions { DataPath = Iris, Target = "species", Epochs = 10 });
        var table = CsvTable.Load(Iris);
        var before = result.Model.PredictProbabilities(table);
        string path = folder.Combine("iris.safetensors");
        result.Model.Save(path);

        var loaded = TableModel.Load(path);
        Assert.Equal(before, loaded.PredictProbabilities(table));
        Assert.Equal(result.Model.Preprocessor.FeatureNames(), loaded.Preprocessor.FeatureNames());

        // Through the tool: the probabilities it writes are the in-process ones, to the last digit.
        string predictions = folder.Combine("predictions.csv");
        var (code, stdout, stderr) = CliTests.Hebb("predict", "--model", path, "--input", Iris, "--out", predictions);
        Assert.True(code == 0, stderr);
        Assert.Contains("row 150: ", stdout);
        Assert.Contains("true: virginica", stdout);
        var written = CsvTable.Load(predictions);
        for (int r = 0; r < table.RowCount; r++)
            for (int k = 0; k < 3; k++)
            {
                string name = $"p({loaded.Preprocessor.Classes[k]})";
                Assert.Equal(before[r][k], float.Parse(written[r, written.ColumnIndex(name)], CultureInfo.InvariantCulture));
            }
    }

    [Fact]
    public void TrainTableThenPredictAsProcesses()
    {
        using var folder = TestData.CreateTempFolder();
        string model = folder.Combine("wine.safetensors"), metrics = folder.Combine("m.json"), split = folder.Combine("split.json");
        string wine = Path.Combine(TestData.DatasetsRoot, "tabular", "wine.csv");
        var (code, stdout, stderr) = CliTests.Hebb("train", "table", "--data", wine, "--target", "cultivar", "--epochs", "30",
            "--out", model, "--metrics", metrics, "--save-split", split);
        Assert.True(code == 0, stderr);
        Assert.Contains("task: classification (--task auto: the target has values that are not numbers)", stdout);
        Assert.Contains("13 numeric columns standardised", stdout);
        Assert.Contains("epoch  30/30", stdout);
        Assert.Contains("test accuracy", stdout);
        using (var json = JsonDocument.Parse(File.ReadAllText(metrics)))
            Assert.InRange(json.RootElement.GetProperty("test_accuracy").GetDouble(), 0.85, 1.0);
        using (var json = JsonDocument.Parse(File.ReadAllText(split)))
            Assert.Equal(36, json.RootElement.GetProperty("test_rows").GetArrayLength());

        // Two rows without the target column: predictions only.
        var lines = File.ReadAllLines(wine);
        string rows = folder.Write("rows.csv", System.Text.Encoding.UTF8.GetBytes(string.Join("\n",
            new[] { lines[0], lines[1], lines[^1] }.Select(l => l[..l.LastIndexOf(',')])) + "\n"));
        (code, stdout, stderr) = CliTests.Hebb("predict", "--model", model, "--input", rows);
        Assert.True(code == 0, stderr);
        Assert.Contains("row 1: class_0 (class_0 ", stdout);
        Assert.Contains("row 2: class_2", stdout);
        Assert.DoesNotContain("true:", stdout);
    }

    [Fact]
    public void RegressionPredictsInTheTargetsUnits()
    {
        using var folder = TestData.CreateTempFolder();
        string diabetes = Path.Combine(TestData.DatasetsRoot, "tabular", "diabetes.csv"), model = folder.Combine("d.safetensors");
        var (code, stdout, stderr) = CliTests.Hebb("train", "table", "--data", diabetes, "--target", "progression", "--epochs", "20",
            "--out", model);
        Assert.True(code == 0, stderr);
        Assert.Contains("task: regression (--task auto: the target holds 214 distinct whole numbers, more than 20)", stdout);
        Assert.Contains("test R²", stdout);
        (code, stdout, stderr) = CliTests.Hebb("predict", "--model", model, "--input", diabetes);
        Assert.True(code == 0, stderr);
        Assert.Contains("row 1: ", stdout);
        Assert.Contains("true: 151, error ", stdout);
        Assert.Contains("on 442 rows", stdout);
    }

    [Theory]
    [InlineData("Species", "has no column 'Species'; its columns are sepal_length_cm")]
    [InlineData("species --hidden 0,4", "--hidden: '0' is not a positive layer size")]
    [InlineData("species --test-split 1", "--test-split must be in [0, 1)")]
    public void BadTrainTableArgumentsGiveOneLine(string rest, string expected)
    {
        var (code, stdout, stderr) = CliTests.Hebb(["train", "table", "--data", Iris, "--target", .. rest.Split(' ')]);
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains(expected, stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public void PredictRefusesAModelThatDoesNotReadTablesAndNamesAnUnknownCategory()
    {
        using var folder = TestData.CreateTempFolder();
        var config = new MlpConfig([784, 10], Activation.None, Activation.None);
        string image = folder.Combine("digits.safetensors");
        var meta = config.ToMetadata();
        meta["dataset"] = "mnist";
        ModelFile.Save(image, config.Build(new Generator(0)), meta);
        var (code, _, stderr) = CliTests.Hebb("predict", "--model", image, "--input", Iris);
        Assert.Equal(1, code);
        Assert.Contains($"--input '{Iris}' is not an image: the model is an image classifier", stderr);

        string pets = folder.Write("pets.csv", "weight,kind,legs\n4,cat,4\n30,dog,4\n5,cat,4\n25,dog,4\n"u8.ToArray());
        string model = folder.Combine("pets.safetensors");
        (code, _, stderr) = CliTests.Hebb("train", "table", "--data", pets, "--target", "legs", "--task", "regression",
            "--epochs", "2", "--test-split", "0", "--out", model);
        Assert.True(code == 0, stderr);
        string fox = folder.Write("fox.csv", "weight,kind\n6,fox\n"u8.ToArray());
        (code, _, stderr) = CliTests.Hebb("predict", "--model", model, "--input", fox);
        Assert.Equal(1, code);
        Assert.Contains("fox.csv: row 1 (line 2), column 'kind': unknown category 'fox' (the model knows cat, dog)", stderr);
    }
}
