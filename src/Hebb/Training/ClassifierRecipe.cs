using System.Diagnostics;
using Hebb.Data;
using Hebb.Models;
using Hebb.NN;
using Hebb.Optim;

namespace Hebb.Training;

public enum LossKind
{
    /// <summary>The seed cost: sum over outputs of (output - one-hot)², mean over the batch.</summary>
    Mse,
    /// <summary>Cross-entropy from logits (the output layer then has no activation).</summary>
    CrossEntropy,
}

public enum OptimizerKind { Sgd, Adam }

/// <summary>Everything `hebb train mnist` can be told. Defaults give the seed network and its recipe.</summary>
public sealed record ClassifierOptions
{
    public string Dataset { get; init; } = "mnist";
    public int[] Hidden { get; init; } = [16, 16];
    public Activation Activation { get; init; } = Activation.Sigmoid;
    public LossKind Loss { get; init; } = LossKind.Mse;
    public int Epochs { get; init; } = 10;
    /// <summary>Null picks the recipe's default: 3.0 for SGD on the seed cost, 0.5 for SGD on cross-entropy, 1e-3 for Adam.</summary>
    public double? LearningRate { get; init; }
    public int BatchSize { get; init; } = 100;
    public int Seed { get; init; }
    public InitScheme Init { get; init; } = InitScheme.Default;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    public double Momentum { get; init; }
    public double WeightDecay { get; init; }
    public string? DataPath { get; init; }
    /// <summary>Use only the first N training images (0 = all): for quick runs and tests.</summary>
    public int TrainLimit { get; init; }

    public double EffectiveLearningRate => LearningRate ?? (Optimizer == OptimizerKind.Adam ? 1e-3 : Loss == LossKind.Mse ? 3.0 : 0.5);

    public void Validate()
    {
        if (Epochs <= 0) throw new ArgumentException($"--epochs must be positive, got {Epochs}");
        if (BatchSize <= 0) throw new ArgumentException($"--batch-size must be positive, got {BatchSize}");
        if (Hidden.Any(h => h <= 0)) throw new ArgumentException($"--hidden sizes must be positive, got {string.Join(",", Hidden)}");
        if (!(EffectiveLearningRate > 0) || !double.IsFinite(EffectiveLearningRate)) throw new ArgumentException($"--lr must be positive, got {EffectiveLearningRate}");
        if (Momentum < 0 || Momentum >= 1) throw new ArgumentException($"--momentum must be in [0, 1), got {Momentum}");
        if (WeightDecay < 0) throw new ArgumentException($"--weight-decay must be >= 0, got {WeightDecay}");
        if (TrainLimit < 0) throw new ArgumentException($"train limit must be >= 0, got {TrainLimit}");
    }
}

public sealed record EpochResult(int Epoch, double TrainLoss, Evaluation Test, double Seconds);

public sealed record ClassifierResult(Sequential Model, MlpConfig Config, IReadOnlyList<EpochResult> History, Evaluation Test, double Seconds)
{
    /// <summary>What travels in the model file's header: the network config plus how it was trained.</summary>
    public Dictionary<string, string> Metadata(ClassifierOptions options)
    {
        var meta = Config.ToMetadata();
        meta["dataset"] = options.Dataset;
        meta["loss"] = options.Loss == LossKind.Mse ? "mse" : "ce";
        meta["epochs"] = History.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        meta["seed"] = options.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        meta["test_accuracy"] = Test.Accuracy.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return meta;
    }
}

/// <summary>
/// Trains an MLP classifier on MNIST or Fashion-MNIST: the seed network by default (784-16-16-10,
/// sigmoid everywhere, squared-error cost on one-hot targets, plain SGD, minibatches of 100).
/// One generator, seeded from options.Seed, drives both initialisation and shuffling, so a seed
/// fixes the run to the last digit.
/// </summary>
public static class ClassifierRecipe
{
    public static LossFunction LossFor(LossKind kind, int classes) => kind switch
    {
        LossKind.Mse => (output, labels) => Losses.SquaredErrorCost(output, Losses.OneHot(labels, classes)),
        _ => Losses.CrossEntropy,
    };

    public static (TensorDataset Train, TensorDataset Test) LoadData(string dataset, string? dataPath, int trainLimit = 0)
    {
        var info = DatasetCatalog.Get(dataset);
        var train = TensorDataset.FromMnist(MnistDataset.Load(info, train: true, dataPath));
        var test = TensorDataset.FromMnist(MnistDataset.Load(info, train: false, dataPath));
        if (trainLimit > 0 && trainLimit < train.Count) train = train.Slice(0, trainLimit);
        return (train, test);
    }

    public static ClassifierResult Run(ClassifierOptions options, Action<StepInfo>? onStep = null, Action<EpochResult>? onEpoch = null)
    {
        options.Validate();
        var (train, test) = LoadData(options.Dataset, options.DataPath, options.TrainLimit);
        return Run(options, train, test, onStep, onEpoch);
    }

    public static ClassifierResult Run(ClassifierOptions options, TensorDataset train, TensorDataset test,
        Action<StepInfo>? onStep = null, Action<EpochResult>? onEpoch = null)
    {
        options.Validate();
        var generator = new Generator(options.Seed);
        int inputs = ShapeUtil.Numel(train.SampleShape);
        var config = new MlpConfig([inputs, .. options.Hidden, 10], options.Activation,
            options.Loss == LossKind.Mse ? options.Activation : Activation.None, options.Init);
        var model = config.Build(generator);
        Optimizer optimizer = options.Optimizer == OptimizerKind.Adam
            ? new Adam(model.Parameters(), options.EffectiveLearningRate, weightDecay: options.WeightDecay)
            : new SGD(model.Parameters(), options.EffectiveLearningRate, options.Momentum, options.WeightDecay);
        var loss = LossFor(options.Loss, 10);
        var trainer = new Trainer(model, optimizer, loss);
        var loader = new DataLoader(train, options.BatchSize, shuffle: true, generator, recycleBatches: true);

        var history = new List<EpochResult>();
        var total = Stopwatch.StartNew();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            double trainLoss = trainer.TrainEpoch(loader, onStep);
            double seconds = clock.Elapsed.TotalSeconds;
            var result = new EpochResult(epoch, trainLoss, Trainer.Evaluate(model, test, loss), seconds);
            history.Add(result);
            onEpoch?.Invoke(result);
        }
        return new ClassifierResult(model, config, history, history[^1].Test, total.Elapsed.TotalSeconds);
    }
}
