using System.Globalization;
using System.Text.Json;

namespace Hebb.Data;

/// <summary>
/// Turns the rows of a <see cref="CsvTable"/> into network inputs and targets, as scikit-learn's StandardScaler and
/// OneHotEncoder do. Numeric input columns are standardised with the mean and standard deviation of the training
/// rows only (so nothing is learnt from the test rows); other columns are one-hot encoded. The target is a class
/// index (classification: the class names sorted, numerically when they are all numbers) or, for regression, the
/// value standardised on the training rows (predictions are turned back with <see cref="InverseTarget"/>).
/// What a column can hold (number or category, and the categories and classes) is read from all the rows given to
/// <see cref="Fit"/>: it describes the file, not its values. The whole state travels in a model file's metadata
/// (<see cref="ToMetadata"/>, <see cref="FromMetadata"/>), so that the file alone can predict.
/// </summary>
public sealed class TablePreprocessor
{
    /// <summary>Targets with only whole numbers and at most this many distinct values are classes under the automatic rule.</summary>
    public const int MaxAutoClasses = 20;

    /// <summary>The metadata entry that says a model reads table rows: "data" = "table".</summary>
    public const string DataKind = "table";

    /// <summary>The target column's name.</summary>
    public string Target { get; }

    /// <summary>Classification or regression.</summary>
    public TableTask Task { get; }

    /// <summary>The input columns (every column but the target), in file order.</summary>
    public IReadOnlyList<TableColumn> Inputs { get; }

    /// <summary>The class names, index order (classification); empty for regression.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>The target's mean over the training rows (regression; 0 for classification).</summary>
    public double TargetMean { get; }

    /// <summary>The target's standard deviation over the training rows, or 1 if constant (regression; 1 for classification).</summary>
    public double TargetStd { get; }

    /// <summary>The number of network inputs: one per numeric column plus one per category of each categorical column.</summary>
    public int Features => Inputs.Sum(c => c.Width);

    /// <summary>The number of network outputs: one per class, or 1 for regression.</summary>
    public int Outputs => Task == TableTask.Classification ? Classes.Count : 1;

    /// <summary>Builds a preprocessor from its parts (as <see cref="Fit"/> and <see cref="FromMetadata"/> do).</summary>
    /// <param name="target">The target column's name.</param>
    /// <param name="task">Classification or regression.</param>
    /// <param name="inputs">The input columns.</param>
    /// <param name="classes">The class names (classification), else empty.</param>
    /// <param name="targetMean">The target's training mean (regression).</param>
    /// <param name="targetStd">The target's training standard deviation (regression), positive.</param>
    /// <exception cref="ArgumentException">The parts do not fit together.</exception>
    public TablePreprocessor(string target, TableTask task, IReadOnlyList<TableColumn> inputs, IReadOnlyList<string> classes,
        double targetMean = 0, double targetStd = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(classes);
        if (inputs.Count == 0) throw new ArgumentException("a table needs at least one input column besides the target");
        if (task == TableTask.Classification && classes.Count < 2)
            throw new ArgumentException($"classification needs at least two classes in column '{target}', " +
                $"found {classes.Count}: {string.Join(", ", classes)}");
        if (!(targetStd > 0) || !double.IsFinite(targetStd) || !double.IsFinite(targetMean))
            throw new ArgumentException($"the target's standard deviation must be positive and finite, got {targetStd}");
        foreach (var c in inputs)
            if (!(c.Std > 0) || !double.IsFinite(c.Std) || !double.IsFinite(c.Mean) || c.Categories is { Count: 0 })
                throw new ArgumentException($"column '{c.Name}': a numeric column needs a finite mean and a positive standard " +
                    "deviation, a categorical one at least one category");
        Target = target;
        Task = task;
        Inputs = inputs;
        Classes = classes;
        TargetMean = targetMean;
        TargetStd = targetStd;
    }

    /// <summary>The automatic task rule: classification when the target column has a value that is not a number, or only
    /// whole numbers with at most <see cref="MaxAutoClasses"/> distinct values; regression otherwise.</summary>
    /// <param name="table">The table.</param>
    /// <param name="target">The target column's name.</param>
    /// <exception cref="ArgumentException">There is no such column.</exception>
    public static TableTask ChooseTask(CsvTable table, string target)
    {
        ArgumentNullException.ThrowIfNull(table);
        int t = table.ColumnIndex(target);
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        bool wholeNumbers = true;
        for (int r = 0; r < table.RowCount; r++)
        {
            if (!TryNumber(table[r, t], out double v)) return TableTask.Classification;
            wholeNumbers &= v == Math.Floor(v);
            distinct.Add(table[r, t]);
        }
        return wholeNumbers && distinct.Count <= MaxAutoClasses ? TableTask.Classification : TableTask.Regression;
    }

    /// <summary>
    /// Learns the encoding of <paramref name="table"/> for predicting <paramref name="target"/>: column kinds, categories
    /// and classes from all its rows; means and standard deviations from <paramref name="trainRows"/> only.
    /// </summary>
    /// <param name="table">The table.</param>
    /// <param name="target">The target column's name.</param>
    /// <param name="task">The task, or null for the automatic rule (<see cref="ChooseTask"/>).</param>
    /// <param name="trainRows">The training rows (0-based); null for all rows.</param>
    /// <exception cref="ArgumentException">There is no such column, the table has no other column, a regression target
    /// holds a value that is not a number, or a classification target fewer than two classes.</exception>
    public static TablePreprocessor Fit(CsvTable table, string target, TableTask? task = null, IReadOnlyList<int>? trainRows = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        int t = table.ColumnIndex(target);
        var chosen = task ?? ChooseTask(table, target);
        var rows = trainRows ?? Enumerable.Range(0, table.RowCount).ToArray();
        if (rows.Count == 0) throw new ArgumentException("the preprocessor needs at least one training row");

        var inputs = new List<TableColumn>();
        for (int c = 0; c < table.Columns.Count; c++)
        {
            if (c == t) continue;
            if (AllNumbers(table, c)) inputs.Add(Standardiser(table, c, rows));
            else inputs.Add(new TableColumn(table.Columns[c], Distinct(table, c).Order(StringComparer.Ordinal).ToArray()));
        }
        if (chosen == TableTask.Classification)
        {
            var names = Distinct(table, t);
            string[] classes = AllNumbers(table, t)
                ? [.. names.OrderBy(n => Number(n)).ThenBy(n => n, StringComparer.Ordinal)]
                : [.. names.Order(StringComparer.Ordinal)];
            return new TablePreprocessor(target, chosen, inputs, classes);
        }
        for (int r = 0; r < table.RowCount; r++)
            if (!TryNumber(table[r, t], out _))
                throw new ArgumentException($"{table.Where(r, t)}: '{table[r, t]}' is not a number, so the target cannot be " +
                    "regressed (use classification)");
        var (mean, std) = MeanStd(table, t, rows);
        return new TablePreprocessor(target, chosen, inputs, [], mean, std);
    }

    private static TableColumn Standardiser(CsvTable table, int column, IReadOnlyList<int> rows)
    {
        var (mean, std) = MeanStd(table, column, rows);
        return new TableColumn(table.Columns[column], null, mean, std);
    }

    /// <summary>Mean and population standard deviation over the rows; a constant column gets 1, so it maps to 0.</summary>
    private static (double Mean, double Std) MeanStd(CsvTable table, int column, IReadOnlyList<int> rows)
    {
        double sum = 0;
        foreach (int r in rows) sum += Number(table[r, column]);
        double mean = sum / rows.Count, squares = 0;
        foreach (int r in rows)
        {
            double d = Number(table[r, column]) - mean;
            squares += d * d;
        }
        double std = Math.Sqrt(squares / rows.Count);
        return (mean, std > 1e-12 * Math.Max(1, Math.Abs(mean)) ? std : 1);
    }

    private static bool AllNumbers(CsvTable table, int column)
    {
        for (int r = 0; r < table.RowCount; r++)
            if (!TryNumber(table[r, column], out _)) return false;
        return true;
    }

    private static HashSet<string> Distinct(CsvTable table, int column)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        for (int r = 0; r < table.RowCount; r++) set.Add(table[r, column]);
        return set;
    }

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>The names of the network inputs in order: a numeric column's name, or "column=category" for each
    /// category of a one-hot one.</summary>
    public IReadOnlyList<string> FeatureNames() =>
        [.. Inputs.SelectMany(c => c.Categories is null ? [c.Name] : c.Categories.Select(k => $"{c.Name}={k}"))];

    /// <summary>The network inputs for <paramref name="rows"/> of <paramref name="table"/> (all rows if null): a float32
    /// tensor (rows, <see cref="Features"/>). The table needs every input column (found by name, in any order; other
    /// columns, the target among them, are ignored).</summary>
    /// <exception cref="ArgumentException">An input column is missing, a numeric column holds something else, or a
    /// categorical column a category the preprocessor has not seen; the message names the row, column and value.</exception>
    public Tensor TransformInputs(CsvTable table, IReadOnlyList<int>? rows = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        rows ??= Enumerable.Range(0, table.RowCount).ToArray();
        var missing = Inputs.Where(c => !table.HasColumn(c.Name)).Select(c => c.Name).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"{table.Source} lacks the input column{(missing.Length > 1 ? "s" : "")} " +
                $"{string.Join(", ", missing.Select(m => $"'{m}'"))} that the model reads");
        int width = Features;
        var values = new float[rows.Count * width];
        int offset = 0;
        foreach (var column in Inputs)
        {
            int c = table.ColumnIndex(column.Name);
            var index = column.Categories?.Select((k, i) => (k, i)).ToDictionary(p => p.k, p => p.i, StringComparer.Ordinal);
            for (int i = 0; i < rows.Count; i++)
            {
                string cell = table[rows[i], c];
                if (index is null)
                {
                    if (!TryNumber(cell, out double v))
                        throw new ArgumentException($"{table.Where(rows[i], c)}: '{cell}' is not a number (the column is numeric)");
                    values[i * width + offset] = (float)((v - column.Mean) / column.Std);
                }
                else if (index.TryGetValue(cell, out int k)) values[i * width + offset + k] = 1;
                else
                    throw new ArgumentException($"{table.Where(rows[i], c)}: unknown category '{cell}' (the model knows " +
                        $"{string.Join(", ", column.Categories!)})");
            }
            offset += column.Width;
        }
        return Tensor.FromArray(values, rows.Count, width);
    }

    /// <summary>The targets for <paramref name="rows"/> (all if null): int32 class indices (rows) for classification, or
    /// float32 standardised values (rows, 1) for regression.</summary>
    /// <exception cref="ArgumentException">The target column is missing, or a row's target is an unknown class or, for
    /// regression, not a number.</exception>
    public Tensor TransformTargets(CsvTable table, IReadOnlyList<int>? rows = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        rows ??= Enumerable.Range(0, table.RowCount).ToArray();
        int t = table.ColumnIndex(Target);
        if (Task == TableTask.Classification)
        {
            var index = Classes.Select((k, i) => (k, i)).ToDictionary(p => p.k, p => p.i, StringComparer.Ordinal);
            var labels = new int[rows.Count];
            for (int i = 0; i < rows.Count; i++)
                labels[i] = index.TryGetValue(table[rows[i], t], out int k) ? k
                    : throw new ArgumentException($"{table.Where(rows[i], t)}: unknown class '{table[rows[i], t]}' (the model " +
                        $"knows {string.Join(", ", Classes)})");
            return Tensor.FromArray(labels, rows.Count);
        }
        var values = new float[rows.Count];
        for (int i = 0; i < rows.Count; i++)
            values[i] = TryNumber(table[rows[i], t], out double v) ? (float)((v - TargetMean) / TargetStd)
                : throw new ArgumentException($"{table.Where(rows[i], t)}: '{table[rows[i], t]}' is not a number");
        return Tensor.FromArray(values, rows.Count, 1);
    }

    /// <summary>Inputs and targets of <paramref name="rows"/> (all if null) as a dataset for a <see cref="DataLoader"/>.</summary>
    public TensorDataset ToDataset(CsvTable table, IReadOnlyList<int>? rows = null) =>
        new(TransformInputs(table, rows), TransformTargets(table, rows));

    /// <summary>A regression output in the target's own units: output · std + mean.</summary>
    /// <param name="output">The network's output for a row.</param>
    public double InverseTarget(double output) => output * TargetStd + TargetMean;

    /// <summary>The state as metadata entries: "data" = "table", and "table.target", "table.task", "table.columns"
    /// (JSON: name, categories or mean and std per column), "table.classes" (JSON) or "table.target_mean" and
    /// "table.target_std" (round-trip numbers).</summary>
    public Dictionary<string, string> ToMetadata()
    {
        var meta = new Dictionary<string, string>
        {
            ["data"] = DataKind,
            ["table.target"] = Target,
            ["table.task"] = Task.ToString().ToLowerInvariant(),
            ["table.columns"] = JsonSerializer.Serialize(Inputs.Select(c => c.Categories is null
                ? new Dictionary<string, object> { ["name"] = c.Name, ["mean"] = c.Mean, ["std"] = c.Std }
                : new Dictionary<string, object> { ["name"] = c.Name, ["categories"] = c.Categories })),
        };
        if (Task == TableTask.Classification) meta["table.classes"] = JsonSerializer.Serialize(Classes);
        else
        {
            meta["table.target_mean"] = TargetMean.ToString("R", CultureInfo.InvariantCulture);
            meta["table.target_std"] = TargetStd.ToString("R", CultureInfo.InvariantCulture);
        }
        return meta;
    }

    /// <summary>Whether a model file's metadata describes a model that reads table rows ("data" = "table").</summary>
    public static bool IsTableModel(IReadOnlyDictionary<string, string> metadata) =>
        metadata is not null && metadata.TryGetValue("data", out var kind) && kind == DataKind;

    /// <summary>Reads back what <see cref="ToMetadata"/> wrote.</summary>
    /// <param name="metadata">A model file's metadata.</param>
    /// <param name="source">The file's name, for errors.</param>
    /// <exception cref="InvalidDataException">An entry is missing or malformed; the message names the file and the entry.</exception>
    public static TablePreprocessor FromMetadata(IReadOnlyDictionary<string, string> metadata, string source)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        string Get(string key) => metadata.TryGetValue(key, out var v) ? v
            : throw new InvalidDataException($"{source}: the table model's metadata lacks '{key}'");
        double GetNumber(string key) =>
            double.TryParse(Get(key), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v
                : throw new InvalidDataException($"{source}: metadata '{key}' must be a finite number, got '{Get(key)}'");
        try
        {
            var task = Get("table.task") switch
            {
                "classification" => TableTask.Classification,
                "regression" => TableTask.Regression,
                var other => throw new InvalidDataException(
                    $"{source}: metadata 'table.task' must be classification or regression, got '{other}'"),
            };
            var inputs = new List<TableColumn>();
            using (var columns = JsonDocument.Parse(Get("table.columns")))
                foreach (var c in columns.RootElement.EnumerateArray())
                {
                    string name = c.GetProperty("name").GetString() ?? throw new InvalidDataException($"{source}: a column has no name");
                    inputs.Add(c.TryGetProperty("categories", out var categories)
                        ? new TableColumn(name, [.. categories.EnumerateArray().Select(k => k.GetString()!)])
                        : new TableColumn(name, null, c.GetProperty("mean").GetDouble(), c.GetProperty("std").GetDouble()));
                }
            return task == TableTask.Classification
                ? new TablePreprocessor(Get("table.target"), task, inputs, JsonSerializer.Deserialize<string[]>(Get("table.classes"))!)
                : new TablePreprocessor(Get("table.target"), task, inputs, [], GetNumber("table.target_mean"),
                    GetNumber("table.target_std"));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or ArgumentException)
        {
            throw new InvalidDataException($"{source}: the table model's metadata is damaged ({e.Message})", e);
        }
    }
}
