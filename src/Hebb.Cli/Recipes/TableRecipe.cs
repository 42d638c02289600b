using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Hebb.Autograd;
using Hebb.Data;
using Hebb.Models;
using Hebb.NN;
using Hebb.Optim;
using Hebb.Training;

namespace Hebb.Cli.Recipes;

/// <summary>
/// Everything `hebb train table` can be told. The defaults suit small tables (a few hundred rows): one hidden layer of
/// 16 ReLU units, Adam at 0.01, batches of 32, 100 epochs, a fifth of the rows held out for testing.
/// </summary>
public sealed record TableOptions
{
    public required string DataPath { get; init; }
    public required string Target { get; init; }
    /// <summary>Null: the automatic rule of <see cref="TablePreprocessor.ChooseTask"/>.</summary>
    public TableTask? Task { get; init; }
    /// <summary>Hidden layer sizes; empty for none (logistic regression, or linear regression).</summary>
    public int[] Hidden { get; init; } = [16];
    public Activation Activation { get; init; } = Activation.Relu;
    public int Epochs { get; init; } = 100;
    public double LearningRate { get; init; } = 0.01;
    public int BatchSize { get; init; } = 32;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;
    /// <summary>Decay in the optimiser: L2 on the gradient for SGD and Adam, decoupled for AdamW.</summary>
    public double WeightDecay { get; init; }
    public int Seed { get; init; }
    /// <summary>The fraction of rows held out for testing, chosen at random with the seed; 0 trains on every row.</summary>
    public double TestSplit { get; init; } = 0.2;

    public void Validate()
    {
        if (Epochs <= 0) throw new ArgumentException($"--epochs must be positive, got {Epochs}");
        if (BatchSize <= 0) throw new ArgumentException($"--batch-size must be positive, got {BatchSize}");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new ArgumentException($"--lr must be positive, got {LearningRate}");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"--weight-decay must be >= 0, got {WeightDecay}");
        if (!(TestSplit >= 0 && TestSplit < 1)) throw new ArgumentException($"--test-split must be in [0, 1), got {TestSplit}");
        if (Hidden.Any(h => h <= 0)) throw new ArgumentException($"--hidden sizes must be positive, got {string.Join(",", Hidden)}");
    }
}

/// <summary>Test figures: accuracy for classification, R² and RMSE (in the target's units) for regression; the loss is
/// cross-entropy, or the squared error of the standardised target.</summary>
public sealed record TableScore(double Loss, double? Accuracy, double? RSquared, double? Rmse, ConfusionMatrix? Confusion);

/// <summary>One epoch: the mean training loss, the test figures (null without test rows) and the training seconds.</summary>
public sealed record TableEpoch(int Epoch, double TrainLoss, TableScore? Test, double Seconds);

public sealed record TableResult(TableModel Model, CsvTable Table, TableSplit Split, IReadOnlyList<TableEpoch> History, double Seconds)
{
    /// <summary>The test figures after the last epoch, or null when no row was held out.</summary>
    public TableScore? Test => History[^1].Test;

    /// <summary>What travels in the model file besides the network and the preprocessor.</summary>
    public Dictionary<string, string> Metadata(TableOptions options)
    {
        var meta = new Dictionary<string, string>
        {
            ["table.source"] = Path.GetFileName(options.DataPath),
            ["epochs"] = History.Count.ToString(CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
        };
        if (Test?.Accuracy is double a) meta["test_accuracy"] = a.ToString("R", CultureInfo.InvariantCulture);
        if (Test?.RSquared is double r2) meta["test_r2"] = r2.ToString("R", CultureInfo.InvariantCulture);
        return meta;
    }
}

/// <summary>
/// `hebb train table`: a CSV file, a target column, an MLP. The rows are split at random (seeded) into training and test
/// rows; the preprocessor learns its means and standard deviations from the training rows only; the network trains with
/// cross-entropy (classification, one logit per class) or squared error on one linear output (regression). One
/// <see cref="Generator"/>, seeded from the options, draws the split, then the initial weights, then the batch orders,
/// so a seed fixes the run.
/// </summary>
public static class TableRecipe
{
    public static TableResult Run(TableOptions options, Action<TableEpoch>? onEpoch = null) =>
        Run(options, CsvTable.Load(options.DataPath), null, onEpoch);

    /// <summary>Trains on <paramref name="table"/>; <paramref name="onStart"/> sees the model (its preprocessor fitted, its
    /// weights initial) before the first epoch, <paramref name="onEpoch"/> each epoch's figures.</summary>
    public static TableResult Run(TableOptions options, CsvTable table, Action<TableModel>? onStart = null,
        Action<TableEpoch>? onEpoch = null, RunControl? control = null)
    {
        options.Validate();
        control ??= new RunControl();
        var total = Stopwatch.StartNew();
        var generator = new Generator(options.Seed);
        table.ColumnIndex(options.Target); // an unknown target is named, with the columns there are, before anything else
        var split = TableSplit.Random(table.RowCount, options.TestSplit, generator);
        var preprocessor = TablePreprocessor.Fit(table, options.Target, options.Task, split.TrainRows);
        var train = preprocessor.ToDataset(table, split.TrainRows);
        var test = split.TestRows.Length > 0 ? preprocessor.ToDataset(table, split.TestRows) : null;

        var config = new MlpConfig([preprocessor.Features, .. options.Hidden, preprocessor.Outputs], options.Activation, Activation.None);
        var network = config.Build(generator);
        var model = new TableModel(config, network, preprocessor);
        LossFunction loss = preprocessor.Task == TableTask.Classification ? Losses.CrossEntropy : (o, t) => Losses.Mse(o, t);
        onStart?.Invoke(model);
        var history = new List<TableEpoch>();
        var identity = Identity(options, config, train);
        control.Resume?.CheckIdentity(identity);
        if (control.Resume?.Progress.GetValueOrDefault("recipe.history") is { } saved)
            history.AddRange(CheckpointHistory.Read<ScoreRecord, TableEpoch>(saved, r => r.ToEpoch()));
        var trainer = new Trainer(network, MakeOptimizer(options, network), loss)
        {
            Checkpoints = control.Policy(identity, new Dictionary<string, Generator> { ["data"] = generator },
                c => c.Progress["recipe.history"] = JsonSerializer.Serialize(history.Select(ScoreRecord.From))),
            Cancellation = control.Cancellation,
        };
        var loader = new DataLoader(train, options.BatchSize, shuffle: true, generator);
        trainer.Fit(loader, options.Epochs, onEpoch: epoch =>
        {
            var result = new TableEpoch(epoch.Epoch, epoch.TrainLoss, test is null ? null : Score(model, test), epoch.Seconds);
            history.Add(result);
            onEpoch?.Invoke(result);
        }, resumeFrom: control.Resume);
        return new TableResult(model, table, split, history, total.Elapsed.TotalSeconds);
    }

    /// <summary>The model's figures on a dataset made by its preprocessor.</summary>
    public static TableScore Score(TableModel model, TensorDataset data)
    {
        var pre = model.Preprocessor;
        if (pre.Task == TableTask.Classification)
        {
            var evaluation = Trainer.Evaluate(model.Network, data, Losses.CrossEntropy, pre.Classes.Count);
            return new TableScore(evaluation.Loss, evaluation.Accuracy, null, null, evaluation.Confusion);
        }
        float[] outputs, targets;
        bool wasTraining = model.Network.Training;
        model.Network.Eval();
        using (GradMode.NoGrad())
        {
            outputs = model.Network.Forward(data.Inputs).ToFloatArray();
            targets = data.Targets.ToFloatArray();
        }
        if (wasTraining) model.Network.Train();
        double squares = outputs.Zip(targets, (o, t) => (double)(o - t) * (o - t)).Sum();
        double[] predicted = [.. outputs.Select(o => pre.InverseTarget(o))], truth = [.. targets.Select(t => pre.InverseTarget(t))];
        return new TableScore(squares / outputs.Length, null, RegressionMetrics.RSquared(truth, predicted),
            RegressionMetrics.Rmse(truth, predicted), null);
    }

    /// <summary>What a checkpoint must match to be resumed by this run: the network, the training rows as the
    /// preprocessor made them, and every setting that changes the result.</summary>
    private static Dictionary<string, string> Identity(TableOptions options, MlpConfig config, TensorDataset train) => new()
    {
        ["the network"] = RunControl.Describe(config),
        ["training rows"] = train.Fingerprint(),
        ["--target"] = options.Target,
        ["--lr"] = options.LearningRate.ToString("R", CultureInfo.InvariantCulture),
        ["--batch-size"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
        ["--optimizer"] = options.Optimizer.ToString(),
        ["--weight-decay"] = options.WeightDecay.ToString("R", CultureInfo.InvariantCulture),
        ["--epochs"] = options.Epochs.ToString(CultureInfo.InvariantCulture),
        ["--seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>A <see cref="TableEpoch"/> as a checkpoint keeps it.</summary>
    private sealed record ScoreRecord(int Epoch, double TrainLoss, double? Loss, double? Accuracy, double? RSquared, double? Rmse,
        long[][]? Confusion, double Seconds)
    {
        public static ScoreRecord From(TableEpoch e) => new(e.Epoch, e.TrainLoss, e.Test?.Loss, e.Test?.Accuracy, e.Test?.RSquared,
            e.Test?.Rmse, e.Test?.Confusion?.ToArray(), e.Seconds);

        public TableEpoch ToEpoch() => new(Epoch, TrainLoss, Loss is double loss
            ? new TableScore(loss, Accuracy, RSquared, Rmse, Confusion is null ? null : new ConfusionMatrix(Confusion))
            : null, Seconds);
    }

    private static Optimizer MakeOptimizer(TableOptions options, Module model) => options.Optimizer switch
    {
        OptimizerKind.Adam => new Adam(model.Parameters(), options.LearningRate, weightDecay: options.WeightDecay),
        OptimizerKind.AdamW => new AdamW(model.Parameters(), options.LearningRate, weightDecay: options.WeightDecay),
        _ => new SGD(model.Parameters(), options.LearningRate, weightDecay: options.WeightDecay),
    };
}
