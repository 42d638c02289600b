using Hebb.Training;
using System.Diagnostics;
using Hebb.Autograd;
using Hebb.Data;
using Hebb.NN;
using Hebb.Optim;

namespace Hebb.Cli.Recipes;

/// <summary>What `hebb logistic` can be told: which digit is the positive class, and how big a step's batch is.</summary>
public sealed record LogisticOptions
{
    /// <summary>The class that gets y = +1 ("is it a 0"); every other class gets y = -1.</summary>
    public int Digit { get; init; }
    /// <summary>Examples per step: null = the whole training set (full-batch gradient descent, one step per epoch),
    /// 1 = one example per step ("very stochastic" gradient descent), anything else = minibatch SGD.</summary>
    public int? BatchSize { get; init; } = 100;
    /// <summary>Passes over the training set; null = 5, or 100 for full-batch GD, where an epoch is a single step.</summary>
    public int? Epochs { get; init; }
    /// <summary>Null picks the default for the batch mode (see <see cref="EffectiveLearningRate"/>).</summary>
    public double? LearningRate { get; init; }
    public int Seed { get; init; }

    /// <summary>Defaults measured on MNIST "is it a 0": full-batch GD tolerates a large step on the averaged gradient,
    /// single examples need a small one.</summary>
    public int EffectiveEpochs => Epochs ?? (BatchSize is null ? 100 : 5);

    public double EffectiveLearningRate => LearningRate ?? (BatchSize switch { null => 1.0, 1 => 0.01, _ => 0.1 });

    public void Validate(int classes = 10)
    {
        if (Digit < 0 || Digit >= classes) throw new ArgumentException($"--digit must be between 0 and {classes - 1}, got {Digit}");
        if (EffectiveEpochs <= 0) throw new ArgumentException($"--epochs must be positive, got {Epochs}");
        if (BatchSize is <= 0) throw new ArgumentException($"--batch must be 'full' or a positive size, got {BatchSize}");
        if (!(EffectiveLearningRate > 0) || !double.IsFinite(EffectiveLearningRate))
            throw new ArgumentException($"--lr must be positive, got {EffectiveLearningRate}");
    }
}

public sealed record LogisticEpoch(int Epoch, double TrainLoss, double TestAccuracy, double Seconds);

/// <param name="Model">Linear(inputs, 1): its bias is the weight on the constant input 1.</param>
/// <param name="BaselineAccuracy">test accuracy of always answering "no" (the share of negatives): the figure to beat.</param>
/// <param name="Seconds">time spent training (the per-epoch test evaluation not included).</param>
public sealed record LogisticResult(Linear Model, IReadOnlyList<LogisticEpoch> History, double TestAccuracy, double BaselineAccuracy,
    long Steps, double Seconds);

/// <summary>
/// Logistic regression: P(y|x) = σ(y w·x) with y in {-1, +1}, trained on the loss
/// mean ln(1 + e^(-y w·x)) by gradient descent with the whole set, minibatches, or one example per step.
/// Weights start at zero (the problem is convex, so no symmetry needs breaking); the seed only
/// shuffles. The answer is sign(w·x).
/// </summary>
public static class LogisticRecipe
{
    public static LogisticResult Run(
        LogisticOptions options, TensorDataset train, TensorDataset test, Action<LogisticEpoch>? onEpoch = null)
    {
        options.Validate();
        if (train.SampleShape.Length != 1 || test.SampleShape.Length != 1 || train.SampleShape[0] != test.SampleShape[0])
            throw new ArgumentException("LogisticRecipe: train and test samples must be vectors of the same length");
        var generator = new Generator(options.Seed);
        var model = new Linear(train.SampleShape[0], 1, generator, init: InitScheme.Zeros);
        var sgd = new SGD(model.Parameters(), options.EffectiveLearningRate);
        LossFunction loss = (scores, labels) => Losses.Logistic(scores.Reshape(-1), Losses.PlusMinusOne(labels, options.Digit));
        var testLabels = Losses.PlusMinusOne(test.Targets, options.Digit).ToArray<float>();
        double baseline = testLabels.Count(y => y < 0) / (double)testLabels.Length;

        bool full = options.BatchSize is null || options.BatchSize >= train.Count;
        var trainLabels = full ? Losses.PlusMinusOne(train.Targets, options.Digit) : null;   // fixed: made once, not per step
        var trainer = new Trainer(model, sgd, loss);
        // Prefetching a batch on another thread pays off for real batches; for a handful of rows the hand-off costs
        // more than the copy (measured for a batch of one: 28 us per step with it, 18 without, and a slow first epoch
        // while the thread pool grows), so small batches are gathered in place.
        var loader = full
            ? null
            : new DataLoader(train, options.BatchSize!.Value, shuffle: true, generator, recycleBatches: options.BatchSize >= 32);
        var history = new List<LogisticEpoch>();
        long steps = 0;
        double trainingSeconds = 0;
        for (int epoch = 1; epoch <= options.EffectiveEpochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            // Full batch: one gradient-descent step on the whole set (its inputs are made once and cached by the dataset).
            double trainLoss = full
                ? trainer.Step(() => Losses.Logistic(model.Forward(train.Inputs).Reshape(-1), trainLabels!))
                : trainer.TrainEpoch(loader!);
            steps += full ? 1 : loader!.Count;
            double seconds = clock.Elapsed.TotalSeconds;
            trainingSeconds += seconds;
            var result = new LogisticEpoch(epoch, trainLoss, Accuracy(model, test.Inputs, testLabels), seconds);
            history.Add(result);
            onEpoch?.Invoke(result);
        }
        return new LogisticResult(model, history, history[^1].TestAccuracy, baseline, steps, trainingSeconds);
    }

    /// <summary>Share of rows where sign(w·x) equals the ±1 label (a score of exactly 0 counts as -1).</summary>
    public static double Accuracy(Linear model, Tensor inputs, float[] labels)
    {
        using var _ = GradMode.NoGrad();
        using var scope = TensorScope.Begin();
        var scores = model.Forward(inputs).ToArray<float>();
        int correct = 0;
        for (int i = 0; i < labels.Length; i++) if ((scores[i] > 0 ? 1f : -1f) == labels[i]) correct++;
        return correct / (double)Math.Max(labels.Length, 1);
    }
}
