using Hebb.Data;

namespace Hebb.Tests.Data;

/// <summary>The preprocessor: standardisation from the training rows only, one-hot categories, classes and the task rule,
/// and its metadata round trip.</summary>
public class TablePreprocessorTests
{
    private static readonly CsvTable Mixed = CsvTable.Parse(
        "size,colour,weight,kind\n" +
        "1,red,10,b\n" +
        "2,green,10,a\n" +
        "3,red,10,b\n" +
        "100,blue,10,c\n", "mixed.csv");

    [Fact]
    public void StandardisesWithTheTrainingRowsOnly()
    {
        // Row 3 (size 100) is a test row: were it used, the mean would be 26.5, not 2.
        var pre = TablePreprocessor.Fit(Mixed, "kind", trainRows: [0, 1, 2]);
        var size = pre.Inputs[0];
        Assert.Equal(2, size.Mean, 12);
        Assert.Equal(Math.Sqrt(2.0 / 3), size.Std, 12);
        var x = pre.TransformInputs(Mixed).ToArray<float>();
        int width = pre.Features;
        Assert.Equal((float)((100 - 2) / Math.Sqrt(2.0 / 3)), x[3 * width], 3);
        // The constant column gets std 1, so it becomes 0 rather than a division by zero.
        var weight = pre.Inputs.Single(c => c.Name == "weight");
        Assert.Equal((10.0, 1.0), (weight.Mean, weight.Std));
    }

    [Fact]
    public void NonNumericColumnsAreOneHotWithCategoriesFromTheFile()
    {
        var pre = TablePreprocessor.Fit(Mixed, "kind", trainRows: [0, 1, 2]);
        var colour = pre.Inputs.Single(c => c.Name == "colour");
        Assert.Equal(["blue", "green", "red"], colour.Categories!);
        Assert.Equal(["size", "colour=blue", "colour=green", "colour=red", "weight"], pre.FeatureNames());
        var x = pre.TransformInputs(Mixed).ToArray<float>();
        Assert.Equal([0f, 0f, 1f], x[1..4]);      // row 0 is red
        Assert.Equal([1f, 0f, 0f], x[16..19]);    // row 3 is blue
        Assert.Equal(TableTask.Classification, pre.Task);
        Assert.Equal(["a", "b", "c"], pre.Classes);
        Assert.Equal([1, 0, 1, 2], pre.TransformTargets(Mixed).ToArray<int>());
    }

    [Fact]
    public void AnUnknownCategoryNamesTheRowColumnAndValue()
    {
        var pre = TablePreprocessor.Fit(Mixed, "kind");
        var rows = CsvTable.Parse("size,colour,weight\n1,red,10\n2,purple,10\n", "new.csv");
        var error = Assert.Throws<ArgumentException>(() => pre.TransformInputs(rows));
        Assert.Equal("new.csv: row 2 (line 3), column 'colour': unknown category 'purple' (the model knows blue, green, red)",
            error.Message);
        var missing = Assert.Throws<ArgumentException>(() => pre.TransformInputs(CsvTable.Parse("size\n1\n", "few.csv")));
        Assert.Contains("few.csv lacks the input columns 'colour', 'weight'", missing.Message);
    }

    [Theory]
    [InlineData("1,2,3,1,2", TableTask.Classification)]    // few whole numbers: classes
    [InlineData("1.5,2,3,1,2", TableTask.Regression)]      // a fraction: a quantity
    [InlineData("yes,no,yes,no,yes", TableTask.Classification)]
    public void TheAutomaticTaskRule(string targets, TableTask expected)
    {
        var csv = "x,y\n" + string.Join("\n", targets.Split(',').Select((t, i) => $"{i},{t}"));
        Assert.Equal(expected, TablePreprocessor.ChooseTask(CsvTable.Parse(csv), "y"));
    }

    [Fact]
    public void ManyDistinctWholeNumbersAreRegressionAndNumericClassesSortAsNumbers()
    {
        var many = CsvTable.Parse("x,y\n" + string.Join("\n", Enumerable.Range(0, 21).Select(i => $"{i},{i * 3}")));
        Assert.Equal(TableTask.Regression, TablePreprocessor.ChooseTask(many, "y"));
        var numeric = CsvTable.Parse("x,y\n1,10\n2,9\n3,2\n");
        Assert.Equal(["2", "9", "10"], TablePreprocessor.Fit(numeric, "y").Classes);
    }

    [Fact]
    public void TheRegressionTargetIsStandardisedOnTheTrainingRowsAndTurnedBack()
    {
        var table = CsvTable.Parse("x,y\n1,10.5\n2,20.5\n3,30.5\n4,1000.5\n");
        var pre = TablePreprocessor.Fit(table, "y", TableTask.Regression, [0, 1, 2]);
        Assert.Equal(20.5, pre.TargetMean, 12);
        var y = pre.TransformTargets(table, [2]).ToArray<float>();
        Assert.Equal(30.5, pre.InverseTarget(y[0]), 4);
        Assert.Throws<ArgumentException>(() => TablePreprocessor.Fit(CsvTable.Parse("x,y\n1,a\n2,b\n"), "y", TableTask.Regression));
    }

    [Fact]
    public void MetadataRoundTrips()
    {
        foreach (var pre in new[]
                 {
                     TablePreprocessor.Fit(Mixed, "kind", trainRows: [0, 1, 3]),
                     TablePreprocessor.Fit(Mixed, "size", TableTask.Regression, [0, 1, 2]),
                 })
        {
            var back = TablePreprocessor.FromMetadata(pre.ToMetadata(), "m.safetensors");
            Assert.Equal((pre.Target, pre.Task, pre.TargetMean, pre.TargetStd), (back.Target, back.Task, back.TargetMean, back.TargetStd));
            Assert.Equal(pre.Classes, back.Classes);
            Assert.Equal(pre.FeatureNames(), back.FeatureNames());
            Assert.Equal(pre.Inputs.Select(c => (c.Mean, c.Std)), back.Inputs.Select(c => (c.Mean, c.Std)));
            Assert.Equal(pre.TransformInputs(Mixed).ToArray<float>(), back.TransformInputs(Mixed).ToArray<float>());
        }
        var meta = TablePreprocessor.Fit(Mixed, "kind").ToMetadata();
        meta["table.columns"] = "[{\"name\": 3}";
        Assert.StartsWith("m.safetensors: the table model's metadata is damaged",
            Assert.Throws<InvalidDataException>(() => TablePreprocessor.FromMetadata(meta, "m.safetensors")).Message);
    }

    [Fact]
    public void TheSplitIsSeededAndCoversEveryRowOnce()
    {
        var a = TableSplit.Random(150, 0.2, new Generator(7));
        var b = TableSplit.Random(150, 0.2, new Generator(7));
        Assert.Equal(a.TestRows, b.TestRows);
        Assert.Equal(30, a.TestRows.Length);
        Assert.Equal(Enumerable.Range(0, 150), a.TrainRows.Concat(a.TestRows).Order());
        Assert.NotEqual(a.TestRows, TableSplit.Random(150, 0.2, new Generator(8)).TestRows);
    }
}
