using Hebb.Autograd;
using Hebb.Data;
using Hebb.NN;
using Hebb.Optim;

namespace Hebb.Training;

/// <summary>Loss of a batch: model output and int32 labels in, scalar out.</summary>
public delegate Tensor LossFunction(Tensor output, Tensor labels);

public readonly record struct StepInfo(int Step, int StepsPerEpoch, double Loss);

/// <summary>Mean loss and accuracy over a set; Confusion holds the counts behind the accuracy.</summary>
public sealed record Evaluation(double Loss, double Accuracy, int Count, ConfusionMatrix Confusion);

/// <summary>
/// The training loop shared by the CLI, the examples and the tests: for each minibatch, forward,
/// loss, backward, optimiser step (the seed's forward pass, backward pass, weight update).
/// </summary>
public sealed class Trainer(Module model, Optimizer optimizer, LossFunction loss)
{
    public Module Model { get; } = model;
    public Optimizer Optimizer { get; } = optimizer;
    public LossFunction Loss { get; } = loss;

    /// <summary>When set, the learning rate of each step is Schedule.At(optimizer step count).</summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>One pass over the loader; returns the mean training loss over its batches.</summary>
    public double TrainEpoch(DataLoader loader, Action<StepInfo>? onStep = null)
    {
        Model.Train();
        double total = 0;
        int step = 0;
        using var batches = loader.GetEnumerator();
        while (true)
        {
            // One scope per step: every tensor the step makes goes back to the pool at its end
            // (a recycling DataLoader hands its batches back itself when the next one is taken).
            using var scope = TensorScope.Begin();
            if (!batches.MoveNext()) break;
            var (input, labels) = batches.Current;
            Schedule?.Apply(Optimizer, Optimizer.StepCount);
            Optimizer.ZeroGrad();
            var l = Loss(Model.Forward(input), labels);
            l.Backward();
            Optimizer.Step();
            double value = l.ItemAsDouble();
            if (!double.IsFinite(value))
                throw new ArithmeticException($"training diverged: the loss became {value} at step {step + 1}; try a smaller learning rate");
            total += value;
            step++;
            onStep?.Invoke(new StepInfo(step, loader.Count, value));
        }
        return step == 0 ? double.NaN : total / step;
    }

    /// <summary>Mean loss (weighted by batch size), accuracy (argmax of the output = label) and the
    /// confusion matrix, in eval mode; the model is left in training mode.</summary>
    public static Evaluation Evaluate(Module model, TensorDataset data, LossFunction loss, int classes = 10, int batchSize = 1000)
    {
        model.Eval();
        using var _ = GradMode.NoGrad();
        double totalLoss = 0;
        var confusion = new ConfusionMatrix(classes);
        foreach (var (input, labels) in new DataLoader(data, batchSize, recycleBatches: true))
        {
            using var scope = TensorScope.Begin();
            var output = model.Forward(input);
            totalLoss += loss(output, labels).ItemAsDouble() * labels.Size(0);
            confusion.Add(labels.ToArray<int>(), output.Argmax(1).ToArray<int>());
        }
        model.Train();
        return new Evaluation(totalLoss / Math.Max(data.Count, 1), confusion.Accuracy, data.Count, confusion);
    }
}
