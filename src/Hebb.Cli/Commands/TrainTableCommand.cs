using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hebb.Cli.Recipes;
using Hebb.Models;
using Hebb.Data;
using Hebb.IO;
using Hebb.NN;
using Hebb.Training;
using Spectre.Console;
using static Hebb.Cli.Program;

namespace Hebb.Cli.Commands;

/// <summary>`hebb train table --data FILE.csv --target COLUMN`: an MLP on the rows of a CSV file (see <see cref="TableRecipe"/>).</summary>
public static class TrainTableCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data")
        {
            Description = "the CSV file: a header line naming the columns, then one row per line", Required = true,
        };
        var target = new Option<string>("--target")
        {
            Description = "the column to predict; every other column is an input", Required = true,
        };
        var task = new Option<string>("--task")
        {
            Description = "classification, regression or auto (classification when the target has a value that is not a number, " +
                $"or only whole numbers with at most {TablePreprocessor.MaxAutoClasses} distinct values)",
            DefaultValueFactory = _ => "auto",
        };
        task.AcceptOnlyFromAmong("auto", "classification", "regression");
        var hidden = new Option<string>("--hidden")
        {
            Description = "hidden layer sizes, comma-separated; 0 or none for no hidden layer (logistic or linear regression)",
            DefaultValueFactory = _ => "16",
        };
        var activation = new Option<string>("--activation")
        {
            Description = "relu, tanh, sigmoid or gelu", DefaultValueFactory = _ => "relu",
        };
        activation.AcceptOnlyFromAmong("relu", "tanh", "sigmoid", "gelu");
        var epochs = new Option<int>("--epochs") { Description = "passes over the training rows", DefaultValueFactory = _ => 100 };
        var lr = new Option<double>("--lr") { Description = "learning rate", DefaultValueFactory = _ => 0.01 };
        var batch = new Option<int>("--batch-size") { Description = "rows per minibatch", DefaultValueFactory = _ => 32 };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, adam or adamw", DefaultValueFactory = _ => "adam" };
        optimizer.AcceptOnlyFromAmong("sgd", "adam", "adamw");
        var weightDecay = new Option<double>("--weight-decay")
        {
            Description = "weight decay in the optimiser: L2 on the gradient for sgd/adam, decoupled for adamw",
            DefaultValueFactory = _ => 0,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "seed for the train/test split, initialisation and shuffling", DefaultValueFactory = _ => 0,
        };
        var testSplit = new Option<double>("--test-split")
        {
            Description = "fraction of the rows held out for testing, chosen at random with the seed (0: train on all)",
            DefaultValueFactory = _ => 0.2,
        };
        var output = new Option<string?>("--out") { Description = "save the trained model here (.safetensors); 'hebb predict' reads it" };
        var metrics = new Option<string?>("--metrics") { Description = "write final figures as JSON here" };
        var saveSplit = new Option<string?>("--save-split")
        {
            Description = "write the training and test row numbers (from 0) as JSON here",
        };

        var command = new Command("table", "Train a network on a table: a CSV file with a header line and a target column to predict")
        {
            data, target, task, hidden, activation, epochs, lr, batch, optimizer, weightDecay, seed, testSplit, output, metrics, saveSplit,
        };
        var checkpoints = new CheckpointOptions(command);
        command.SetAction(parse => Program.Guard(() =>
        {
            var options = new TableOptions
            {
                DataPath = parse.GetValue(data)!,
                Target = parse.GetValue(target)!,
                Task = parse.GetValue(task) switch
                {
                    "classification" => TableTask.Classification,
                    "regression" => TableTask.Regression,
                    _ => null,
                },
                Hidden = ParseHidden(parse.GetValue(hidden)!),
                Activation = Activations.Parse(parse.GetValue(activation)!),
                Epochs = parse.GetValue(epochs),
                LearningRate = parse.GetValue(lr),
                BatchSize = parse.GetValue(batch),
                Optimizer = Enum.Parse<OptimizerKind>(parse.GetValue(optimizer)!, ignoreCase: true),
                WeightDecay = parse.GetValue(weightDecay),
                Seed = parse.GetValue(seed),
                TestSplit = parse.GetValue(testSplit),
            };
            using var stop = StopSignal.Listen();
            string outPath = parse.GetValue(output) ?? "";
            var control = checkpoints.Control(parse, (outPath.Length > 0 ? outPath : "hebb-table") + ".ckpt", stop.Token);
            return Run(options, parse.GetValue(output), parse.GetValue(metrics), parse.GetValue(saveSplit), control);
        }));
        return command;
    }

    /// <summary>"16,8" as [16, 8]; "0" or "none" as no hidden layer.</summary>
    internal static int[] ParseHidden(string text) =>
        text.Trim() is "0" or "none" ? [] : TrainCommand.ParseSizes(text);

    private static int Run(TableOptions options, string? outPath, string? metricsPath, string? splitPath, RunControl control)
    {
        options.Validate();
        OutputPath.CheckWritable(outPath, "--out");
        OutputPath.CheckWritable(metricsPath, "--metrics");
        OutputPath.CheckWritable(splitPath, "--save-split");
        var table = CsvTable.Load(options.DataPath);
        table.ColumnIndex(options.Target);
        string name = Markup.Escape(Path.GetFileName(options.DataPath));
        int tests = (int)Math.Round(table.RowCount * options.TestSplit, MidpointRounding.AwayFromZero);
        AnsiConsole.MarkupLine($"[bold]hebb[/] training on {name}: {table.RowCount:N0} rows, {table.RowCount - tests:N0} for training " +
            $"and {tests:N0} for testing (--test-split {Number(options.TestSplit)}, seed {options.Seed})");

        int epochs = options.Epochs, every = epochs <= 20 ? 1 : (epochs + 9) / 10;
        if (control.Resume is { } resume)
            AnsiConsole.MarkupLine($"  resuming from {Markup.Escape(resume.Source!)} (step {resume.StepCount})");
        TableModel? started = null;
        TableResult result;
        try
        {
            result = TableRecipe.Run(options, table, model => Describe(table, options, started = model),
                e =>
                {
                    if (e.Epoch % every == 0 || e.Epoch == epochs) AnsiConsole.MarkupLine(EpochLine(e, epochs));
                }, control);
        }
        catch (TrainingInterruptedException stopped)
        {
            // A table model's file carries its preprocessing too (the network trained is the model's).
            return TrainCommand.Stopped(stopped, started is null ? null : outPath, () => started!.ToMetadata());
        }

        var pre = result.Model.Preprocessor;
        if (result.Test is { } test)
        {
            if (test.Confusion is { } confusion) PrintConfusion(confusion, pre.Classes);
            AnsiConsole.MarkupLine(test.Accuracy is double a
                ? $"[green]test accuracy {Percent(a)}[/] ({Right(test)} of {result.Split.TestRows.Length} test rows right), " +
                  $"test loss {test.Loss:F4}, {result.Model.Network.ParameterCount:N0} parameters, {result.Seconds:F1} s"
                : $"[green]test R² {test.RSquared:F4}[/], RMSE {Number(test.Rmse!.Value, "G5")} ({Markup.Escape(pre.Target)}'s units) " +
                  $"on {result.Split.TestRows.Length} test rows, {result.Model.Network.ParameterCount:N0} parameters, " +
                  $"{result.Seconds:F1} s");
        }
        else AnsiConsole.MarkupLine("no rows were held out (--test-split 0), so there are no test figures");

        if (outPath is not null)
        {
            result.Model.Save(outPath, result.Metadata(options));
            string escaped = Markup.Escape(outPath);
            AnsiConsole.MarkupLine($"saved model to {escaped} (hebb predict --model {escaped} --input ROWS.csv)");
        }
        else AnsiConsole.MarkupLine("the model was not saved (add --out FILE.safetensors to keep it)");
        if (splitPath is not null) WriteJson(splitPath, new Dictionary<string, object?>
        {
            ["source"] = Path.GetFileName(options.DataPath),
            ["seed"] = options.Seed,
            ["test_split"] = options.TestSplit,
            ["train_rows"] = result.Split.TrainRows,
            ["test_rows"] = result.Split.TestRows,
        });
        if (metricsPath is not null) WriteJson(metricsPath, Metrics(result, options));
        return 0;

        static long Right(TableScore score) => Enumerable.Range(0, score.Confusion!.Classes).Sum(c => (long)score.Confusion[c, c]);
    }

    /// <summary>What the table became: the task and why, the classes, which columns were standardised or one-hot
    /// encoded (and their categories), and the network.</summary>
    private static void Describe(CsvTable table, TableOptions options, Hebb.Models.TableModel model)
    {
        var pre = model.Preprocessor;
        string target = Markup.Escape(pre.Target);
        string why = options.Task is null ? $" (--task auto: {Markup.Escape(TaskReason(table, pre.Target))})" : "";
        AnsiConsole.MarkupLine(pre.Task == TableTask.Classification
            ? $"  task: classification{why}; target '{target}' has {pre.Classes.Count} classes: " +
              Markup.Escape(string.Join(", ", pre.Classes))
            : $"  task: regression{why}; target '{target}' standardised on the training rows " +
              $"(mean {Number(pre.TargetMean, "G6")}, std {Number(pre.TargetStd, "G6")}), predictions turned back into its units");
        var numeric = pre.Inputs.Where(c => !c.IsCategorical).Select(c => c.Name).ToArray();
        if (numeric.Length > 0)
            AnsiConsole.MarkupLine($"  {numeric.Length} numeric column{(numeric.Length == 1 ? "" : "s")} standardised with the " +
                $"training rows' mean and std: {Markup.Escape(string.Join(", ", numeric))}");
        foreach (var c in pre.Inputs.Where(c => c.IsCategorical))
            AnsiConsole.MarkupLine($"  one-hot encoded '{Markup.Escape(c.Name)}' ({c.Categories!.Count} categories): " +
                Markup.Escape(string.Join(", ", c.Categories)));
        string layers = string.Join("-", model.Config.Sizes);
        string activation = options.Hidden.Length > 0 ? $", {options.Activation.ToString().ToLowerInvariant()}" : "";
        AnsiConsole.MarkupLine($"  network {layers}{activation}" +
            $", {(pre.Task == TableTask.Classification ? "cross-entropy" : "squared error")}, " +
            $"{options.Optimizer.ToString().ToUpperInvariant()} lr {Number(options.LearningRate)}, batch {options.BatchSize}, " +
            $"{options.Epochs} epochs, seed {options.Seed}");
    }

    /// <summary>Why the automatic rule chose what it chose, in a user's words.</summary>
    private static string TaskReason(CsvTable table, string target)
    {
        int t = table.ColumnIndex(target);
        var values = Enumerable.Range(0, table.RowCount).Select(r => table[r, t]).ToArray();
        var numbers = values
            .Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) ? x : (double?)null)
            .ToArray();
        if (numbers.Any(n => n is null || !double.IsFinite(n.Value))) return "the target has values that are not numbers";
        int distinct = values.Distinct(StringComparer.Ordinal).Count();
        if (numbers.All(n => n == Math.Floor(n!.Value)))
            return distinct <= TablePreprocessor.MaxAutoClasses
                ? $"the target holds {distinct} distinct whole numbers, at most {TablePreprocessor.MaxAutoClasses}"
                : $"the target holds {distinct} distinct whole numbers, more than {TablePreprocessor.MaxAutoClasses}";
        return "the target holds numbers that are not all whole";
    }

    private static string EpochLine(TableEpoch e, int epochs) =>
        $"epoch {e.Epoch,3}/{epochs}  train loss {e.TrainLoss:F4}" + e.Test switch
        {
            { Accuracy: double a } t => $"  test loss {t.Loss:F4}  test accuracy [bold]{Percent(a)}[/]",
            { RSquared: double r2 } t => $"  test loss {t.Loss:F4}  test R² [bold]{r2:F4}[/]",
            _ => "",
        } + $"  ({e.Seconds:F2} s)";

    private static Dictionary<string, object?> Metrics(TableResult result, TableOptions options)
    {
        var pre = result.Model.Preprocessor;
        return new Dictionary<string, object?>
        {
            ["task"] = pre.Task.ToString().ToLowerInvariant(),
            ["target"] = pre.Target,
            ["classes"] = pre.Task == TableTask.Classification ? pre.Classes : null,
            ["test_accuracy"] = result.Test?.Accuracy,
            ["test_r2"] = result.Test?.RSquared,
            ["test_rmse"] = result.Test?.Rmse,
            ["test_loss"] = result.Test?.Loss,
            ["train_loss"] = result.History[^1].TrainLoss,
            ["epochs"] = result.History.Count,
            ["train_rows"] = result.Split.TrainRows.Length,
            ["test_rows"] = result.Split.TestRows.Length,
            ["features"] = pre.Features,
            ["one_hot"] = pre.Inputs.Where(c => c.IsCategorical).ToDictionary(c => c.Name, c => c.Categories),
            ["parameters"] = result.Model.Network.ParameterCount,
            ["seed"] = options.Seed,
            ["seconds"] = result.Seconds,
        };
    }

    private static void WriteJson(string path, Dictionary<string, object?> json) =>
        File.WriteAllText(path, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n");

    /// <summary>Rows are true classes, columns predictions, both by name; the last column is the class's accuracy.</summary>
    private static void PrintConfusion(ConfusionMatrix confusion, IReadOnlyList<string> classes)
    {
        var table = new Table { Title = new TableTitle("confusion matrix (rows: true class, columns: predicted)") };
        table.AddColumn("true");
        foreach (var c in classes) table.AddColumn(new Spectre.Console.TableColumn(Markup.Escape(c)).RightAligned());
        table.AddColumn(new Spectre.Console.TableColumn("accuracy").RightAligned());
        for (int t = 0; t < confusion.Classes; t++)
        {
            var cells = new List<string> { Markup.Escape(classes[t]) };
            for (int p = 0; p < confusion.Classes; p++)
                cells.Add(p == t ? $"[bold]{confusion[t, p]}[/]" : confusion[t, p].ToString(CultureInfo.InvariantCulture));
            double acc = confusion.ClassAccuracy(t);
            cells.Add(double.IsNaN(acc) ? "-" : Percent(acc));
            table.AddRow([.. cells]);
        }
        AnsiConsole.Write(table);
    }

    private static string Number(double value, string format = "R") => value.ToString(format, CultureInfo.InvariantCulture);
}
