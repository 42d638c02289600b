using Hebb.Data;

namespace Hebb.Tests.Data;

/// <summary>The CSV reader: a table with a gap in it is refused with one line naming the file, the row (and its line)
/// and the column, never filled in.</summary>
public class CsvTableTests
{
    [Fact]
    public void ReadsCellsTrimmedAndUnquotedAndSkipsBlankLines()
    {
        var table = CsvTable.Parse("a, b ,name\n1, 2,\"x, y\"\n\n3,4,z\n", "t.csv");
        Assert.Equal(["a", "b", "name"], table.Columns);
        Assert.Equal(2, table.RowCount);
        Assert.Equal("x, y", table[0, 2]);
        Assert.Equal("2", table[0, 1]);
        Assert.Equal(4, table.LineOf(1));
        Assert.Equal("t.csv: row 2 (line 4), column 'name'", table.Where(1, 2));
    }

    [Theory]
    [InlineData("")]
    [InlineData("NA")]
    [InlineData("nan")]
    [InlineData("?")]
    [InlineData("N/A")]
    public void AMissingValueNamesTheFileRowAndColumn(string missing)
    {
        var error = Assert.Throws<InvalidDataException>(() => CsvTable.Parse($"a,b,c\n1,2,3\n4,{missing},6\n", "t.csv"));
        Assert.StartsWith("t.csv: row 2 (line 3), column 'b': missing value", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void ARaggedRowIsRefused()
    {
        var error = Assert.Throws<InvalidDataException>(() => CsvTable.Parse("a,b,c\n1,2,3\n4,5\n", "t.csv"));
        Assert.Equal("t.csv: row 2 (line 3) has 2 cells but the header names 3 columns", error.Message);
        error = Assert.Throws<InvalidDataException>(() => CsvTable.Parse("a,b\n1,2,3\n", "t.csv"));
        Assert.Contains("row 1 (line 2) has 3 cells", error.Message);
    }

    [Fact]
    public void EmptyFilesHeaderOnlyAndRepeatedOrEmptyNamesAreRefused()
    {
        Assert.Contains("t.csv: the file is empty", Assert.Throws<InvalidDataException>(() => CsvTable.Parse("", "t.csv")).Message);
        Assert.Contains("no data rows", Assert.Throws<InvalidDataException>(() => CsvTable.Parse("a,b\n", "t.csv")).Message);
        Assert.Equal("t.csv: line 1 (the header) names column 'a' twice (columns 1 and 3)",
            Assert.Throws<InvalidDataException>(() => CsvTable.Parse("a,b,a\n1,2,3\n", "t.csv")).Message);
        Assert.Contains("column 2 has no name",
            Assert.Throws<InvalidDataException>(() => CsvTable.Parse("a,,c\n1,2,3\n", "t.csv")).Message);
    }

    [Fact]
    public void AnUnknownColumnListsTheColumns()
    {
        var table = CsvTable.Parse("a,b\n1,2\n", "t.csv");
        var error = Assert.Throws<ArgumentException>(() => table.ColumnIndex("B"));
        Assert.Equal("t.csv has no column 'B'; its columns are a, b", error.Message);
    }

    [Fact]
    public void LoadNamesAMissingFile()
    {
        var error = Assert.Throws<FileNotFoundException>(() => CsvTable.Load("/no/such/table.csv"));
        Assert.Contains("/no/such/table.csv", error.Message);
    }

    [Fact]
    public void TheRealTablesLoad()
    {
        var iris = CsvTable.Load(Path.Combine(TestData.DatasetsRoot, "tabular", "iris.csv"));
        Assert.Equal(150, iris.RowCount);
        Assert.Equal("species", iris.Columns[^1]);
    }

    [Fact]
    public void ACellWithALineBreakIsRefusedOnOneLine()
    {
        // Valid CSV, but no value a network reads; every later message that quotes a cell stays one line.
        var error = Assert.Throws<InvalidDataException>(() => CsvTable.Parse("a,kind\n1,\"cat\nor dog\"\n2,dog\n", "t.csv"));
        Assert.Equal("t.csv: line 2, column 2: the cell 'cat\\u000Aor dog' holds a line break or another control character; " +
            "a cell holds one value", error.Message);
    }
}
