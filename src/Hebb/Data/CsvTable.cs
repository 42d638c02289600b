using nietras.SeparatedValues;

namespace Hebb.Data;

/// <summary>
/// A table read from a comma-separated file whose first line names the columns (as pandas.read_csv): every
/// cell kept as text, with the line it came from, so that errors can name the file, row and column.
/// Quoted cells ("a, b") are unquoted and spaces around cells trimmed; blank lines are skipped. A table
/// with a gap in it is refused: a ragged row, an empty file, a repeated column name or a missing value
/// (an empty cell, NA, N/A, NaN, null or ?) ends the load with an error naming where it is, since
/// guessing a value for it would change the data silently.
/// </summary>
public sealed class CsvTable
{
    private readonly string[][] _rows;
    private readonly int[] _lines;
    private readonly Dictionary<string, int> _columnIndex;

    /// <summary>Where the table came from (a file name), as errors name it.</summary>
    public string Source { get; }

    /// <summary>The column names, from the header line, in file order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The number of data rows (the header not counted).</summary>
    public int RowCount => _rows.Length;

    private CsvTable(string source, string[] columns, string[][] rows, int[] lines)
    {
        Source = source;
        Columns = columns;
        _rows = rows;
        _lines = lines;
        _columnIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < columns.Length; c++) _columnIndex[columns[c]] = c;
    }

    /// <summary>Reads a CSV file with a header line.</summary>
    /// <param name="path">The file to read.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is empty, has a ragged row, a repeated column name or a missing
    /// value; the message names the file, the row (and its line) and the column.</exception>
    public static CsvTable Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"table file '{path}' does not exist", path);
        using var reader = Options().FromFile(path);
        return Read(reader, path);
    }

    /// <summary>Reads CSV text with a header line, as <see cref="Load"/> reads a file.</summary>
    /// <param name="text">The CSV text.</param>
    /// <param name="source">A name for the text in error messages.</param>
    /// <exception cref="InvalidDataException">As for <see cref="Load"/>.</exception>
    public static CsvTable Parse(string text, string source = "table")
    {
        ArgumentNullException.ThrowIfNull(text);
        using var reader = Options().FromText(text);
        return Read(reader, source);
    }

    /// <summary>Comma-separated, quotes unescaped, spaces around cells trimmed; the header is read as a row so that
    /// its faults (repeated names) are reported in this class's words.</summary>
    private static SepReaderOptions Options() => Sep.New(',').Reader(o => o with
    {
        HasHeader = false,
        DisableColCountCheck = true,
        Unescape = true,
        Trim = SepTrim.All,
    });

    /// <summary>The first characters of a cell, control characters written as \uXXXX, for a one-line message.</summary>
    private static string Escaped(string cell) =>
        string.Concat(cell.Take(60).Select(ch => char.IsControl(ch) ? $"\\u{(int)ch:X4}" : ch.ToString()))
        + (cell.Length > 60 ? "..." : "");

    private static CsvTable Read(SepReader reader, string source)
    {
        string[]? header = null;
        var rows = new List<string[]>();
        var lines = new List<int>();
        foreach (var row in reader)
        {
            if (row.ColCount == 1 && row[0].Span.IsEmpty) continue; // a blank line
            var cells = new string[row.ColCount];
            for (int c = 0; c < cells.Length; c++) cells[c] = row[c].ToString();
            // A line break (or another control character) inside a quoted cell is valid CSV but never a value a network
            // reads; refusing it here also keeps every later message that quotes a cell on one line.
            for (int c = 0; c < cells.Length; c++)
                if (cells[c].Any(char.IsControl))
                    throw new InvalidDataException($"{source}: line {row.LineNumberFrom}, column {c + 1}: the cell " +
                        $"'{Escaped(cells[c])}' holds a line break or another control character; a cell holds one value");
            if (header is null)
            {
                header = cells;
                CheckHeader(header, source, row.LineNumberToExcl - 1); // Sep numbers the first row's start from 2
                continue;
            }
            int number = rows.Count + 1;
            if (cells.Length != header.Length)
                throw new InvalidDataException($"{source}: row {number} (line {row.LineNumberFrom}) has {cells.Length} " +
                    $"cells but the header names {header.Length} columns");
            for (int c = 0; c < cells.Length; c++)
                if (IsMissing(cells[c]))
                    throw new InvalidDataException($"{source}: row {number} (line {row.LineNumberFrom}), column '{header[c]}': " +
                        $"missing value {(cells[c].Length == 0 ? "(empty cell)" : $"'{cells[c]}'")}; " +
                        "Hebb does not fill in missing values: remove the row or give the value");
            rows.Add(cells);
            lines.Add(row.LineNumberFrom);
        }
        if (header is null) throw new InvalidDataException($"{source}: the file is empty (a header line naming the columns is needed)");
        if (rows.Count == 0) throw new InvalidDataException($"{source}: the header names the columns but there are no data rows");
        return new CsvTable(source, header, [.. rows], [.. lines]);
    }

    private static void CheckHeader(string[] header, string source, int line)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < header.Length; c++)
        {
            if (header[c].Length == 0)
                throw new InvalidDataException($"{source}: line {line} (the header), column {c + 1} has no name");
            if (!seen.TryAdd(header[c], c))
                throw new InvalidDataException($"{source}: line {line} (the header) names column '{header[c]}' twice " +
                    $"(columns {seen[header[c]] + 1} and {c + 1})");
        }
    }

    /// <summary>Whether a cell stands for a missing value: empty, or NA, N/A, NaN, null or ? in any case.</summary>
    /// <param name="cell">The cell's text, trimmed.</param>
    public static bool IsMissing(string cell) => cell.Length == 0 || cell == "?"
        || cell.Equals("NA", StringComparison.OrdinalIgnoreCase) || cell.Equals("N/A", StringComparison.OrdinalIgnoreCase)
        || cell.Equals("NaN", StringComparison.OrdinalIgnoreCase) || cell.Equals("null", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the table has a column of that name (names are case-sensitive).</summary>
    /// <param name="name">A column name.</param>
    public bool HasColumn(string name) => _columnIndex.ContainsKey(name);

    /// <summary>The position of column <paramref name="name"/> among <see cref="Columns"/>.</summary>
    /// <param name="name">A column name.</param>
    /// <exception cref="ArgumentException">There is no such column; the message lists the columns there are.</exception>
    public int ColumnIndex(string name) => _columnIndex.TryGetValue(name, out int c) ? c
        : throw new ArgumentException($"{Source} has no column '{name}'; its columns are {string.Join(", ", Columns)}");

    /// <summary>The cell at data row <paramref name="row"/> (from 0) and column <paramref name="column"/> (from 0).</summary>
    public string this[int row, int column] => _rows[row][column];

    /// <summary>The line of the file data row <paramref name="row"/> (from 0) starts on, counted from 1 with the header on
    /// line 1: what error messages quote.</summary>
    public int LineOf(int row) => _lines[row];

    /// <summary>"iris.csv: row 7 (line 8), column 'species'": where a cell is, for error messages.</summary>
    /// <param name="row">The data row, from 0.</param>
    /// <param name="column">The column, from 0.</param>
    public string Where(int row, int column) => $"{Source}: row {row + 1} (line {_lines[row]}), column '{Columns[column]}'";
}
