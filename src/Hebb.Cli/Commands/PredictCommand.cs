using System.CommandLine;
using System.Globalization;
using Hebb.Data;
using Hebb.IO;
using Hebb.Models;
using Hebb.Training;
using nietras.SeparatedValues;
using Spectre.Console;
using static Hebb.Cli.Program;

namespace Hebb.Cli.Commands;

/// <summary>
/// `hebb predict --model FILE --input ROWS.csv`: a saved model's answers for new inputs. What the input is depends on the
/// model, which its file's metadata says: a table model (from `hebb train table`) reads CSV rows. Each kind of model has
/// its own method below; a kind without one is refused with a message saying so.
/// </summary>
public static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model")
        {
            Description = "a model saved by 'hebb train ... --out': a table model or an image classifier", Required = true,
        };
        var input = new Option<string>("--input")
        {
            Description = "for a table model, a CSV file with a header line and one or more rows holding the model's input " +
                "columns (the target column may be there too: then each answer is checked); for an image classifier, " +
                "an image (PNG, JPEG, BMP) or a folder of them (in class folders named like the classes, each answer is checked)",
            Required = true,
        };
        var output = new Option<string?>("--out") { Description = "also write the predictions as CSV here (full precision)" };
        var command = new Command("predict",
            "Predict with a saved model: class probabilities or a value for each row of a CSV file, or each image")
        {
            model, input, output,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            string path = parse.GetValue(model)!;
            OutputPath.CheckWritable(parse.GetValue(output), "--out");
            var loaded = ModelFactory.Load(path);
            if (TablePreprocessor.IsTableModel(loaded.Metadata))
                return PredictTable(TableModel.From(loaded, path), parse.GetValue(input)!, parse.GetValue(output));
            if (loaded.Config is IClassifierConfig classifier && ImageInputOf(loaded, classifier, path) is { } images)
                return ImagePrediction.Run(
                    loaded.Model, classifier, images, loaded.Metadata, parse.GetValue(input)!, parse.GetValue(output));
            string what = loaded.Metadata.TryGetValue("dataset", out var dataset) ? $"a '{loaded.Config.Kind}' model of {dataset}"
                : $"a '{loaded.Config.Kind}' model";
            throw new InvalidDataException($"{path} holds {what}; hebb predict reads table models (saved by 'hebb train table') " +
                "and image classifiers (saved by 'hebb train mnist|fashion-mnist|images')");
        }));
        return command;
    }

    /// <summary>How the model's images are prepared: from its metadata, or, for a file saved before Hebb recorded it,
    /// 28x28 grayscale with classes 0..9 when the network takes exactly that.</summary>
    private static ImagePreprocessing? ImageInputOf(ModelFactory.LoadedModel loaded, IClassifierConfig config, string path)
    {
        if (ImagePreprocessing.FromMetadata(loaded.Metadata, path) is { } recorded) return recorded;
        bool mnistShaped = config.InputShape.Aggregate(1L, (a, b) => a * b) == 784 && config.Classes == 10;
        string[] digits = [.. Enumerable.Range(0, 10).Select(c => c.ToString(CultureInfo.InvariantCulture))];
        return mnistShaped ? new ImagePreprocessing(1, 28, 28, digits) : null;
    }

    private static int PredictTable(TableModel model, string inputPath, string? outPath)
    {
        var table = CsvTable.Load(inputPath);
        var pre = model.Preprocessor;
        bool hasTarget = table.HasColumn(pre.Target);
        int t = hasTarget ? table.ColumnIndex(pre.Target) : -1;
        string Row(int r) => $"row {r + 1}";
        if (pre.Task == TableTask.Classification)
        {
            var probabilities = model.PredictProbabilities(table);
            int right = 0;
            for (int r = 0; r < table.RowCount; r++)
            {
                var p = probabilities[r];
                int best = Array.IndexOf(p, p.Max());
                string line = $"{Row(r)}: [bold]{Markup.Escape(pre.Classes[best])}[/] ({string.Join(", ",
                    pre.Classes.Select((c, k) => $"{Markup.Escape(c)} {p[k].ToString("F4", CultureInfo.InvariantCulture)}"))})";
                if (hasTarget)
                {
                    string truth = table[r, t];
                    bool ok = truth == pre.Classes[best];
                    right += ok ? 1 : 0;
                    line += $"  true: {Markup.Escape(truth)}, " + (ok ? "[green]right[/]" : "[red]wrong[/]");
                }
                AnsiConsole.MarkupLine(line);
            }
            if (hasTarget)
                AnsiConsole.MarkupLine($"accuracy {Percent((double)right / table.RowCount)} ({right} of {table.RowCount} rows right)");
            if (outPath is not null)
                Write(outPath, table, pre, (row, r) =>
                {
                    var p = probabilities[r];
                    row["predicted"].Set(pre.Classes[Array.IndexOf(p, p.Max())]);
                    for (int k = 0; k < p.Length; k++) row[$"p({pre.Classes[k]})"].Set(p[k].ToString("R", CultureInfo.InvariantCulture));
                });
            return 0;
        }
        var values = model.PredictValues(table);
        var truths = new List<double>();
        for (int r = 0; r < table.RowCount; r++)
        {
            string line = $"{Row(r)}: [bold]{values[r].ToString("G6", CultureInfo.InvariantCulture)}[/]";
            if (hasTarget)
            {
                if (!double.TryParse(table[r, t], NumberStyles.Float, CultureInfo.InvariantCulture, out double truth))
                    throw new InvalidDataException($"{table.Where(r, t)}: '{table[r, t]}' is not a number");
                truths.Add(truth);
                string error = (values[r] - truth).ToString("+0.###;-0.###", CultureInfo.InvariantCulture);
                line += $"  true: {Markup.Escape(table[r, t])}, error {error}";
            }
            AnsiConsole.MarkupLine(line);
        }
        if (hasTarget)
            AnsiConsole.MarkupLine($"RMSE {RegressionMetrics.Rmse(truths, values).ToString("G5", CultureInfo.InvariantCulture)}" +
                (table.RowCount > 1 ? $", R² {RegressionMetrics.RSquared(truths, values):F4}" : "") + $" on {table.RowCount} rows");
        if (outPath is not null)
            Write(outPath, table, pre, (row, r) => row["predicted"].Set(values[r].ToString("R", CultureInfo.InvariantCulture)));
        return 0;
    }

    /// <summary>One CSV row per input row: its number (from 1), the true target when the input has it, and the prediction.</summary>
    private static void Write(string path, CsvTable table, TablePreprocessor pre, Action<SepWriter.Row, int> fill)
    {
        using var writer = Sep.New(',').Writer(o => o with { Escape = true }).ToFile(path);
        for (int r = 0; r < table.RowCount; r++)
        {
            using var row = writer.NewRow();
            row["row"].Set((r + 1).ToString(CultureInfo.InvariantCulture));
            if (table.HasColumn(pre.Target)) row[pre.Target].Set(table[r, table.ColumnIndex(pre.Target)]);
            fill(row, r);
        }
    }
}
