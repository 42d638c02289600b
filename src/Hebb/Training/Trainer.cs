using System.Diagnostics;
using Hebb.Autograd;
using Hebb.Data;
using Hebb.NN;
using Hebb.Optim;

namespace Hebb.Training;

/// <summary>Loss of a batch: model output and targets in, scalar out.</summary>
public delegate Tensor LossFunction(Tensor output, Tensor targets);

/// <summary>One finished optimisation step: its number (1-based, within the epoch for
/// <see cref="Trainer.TrainEpoch"/>, within the run for <see cref="Trainer.Run"/>), how many steps that
/// count runs to, and the step's loss.</summary>
/// <param name="Step">The step's number, from 1.</param>
/// <param name="StepsPerEpoch">The number the count runs to: the batches of the epoch, or the steps of the run.</param>
/// <param name="Loss">The step's loss, before the update.</param>
public readonly record struct StepInfo(int Step, int StepsPerEpoch, double Loss);

/// <summary>Mean loss and accuracy over a set; Confusion holds the counts behind the accuracy.</summary>
/// <param name="Loss">The mean loss per sample.</param>
/// <param name="Accuracy">The fraction of samples classified correctly, in [0, 1].</param>
/// <param name="Count">The number of samples.</param>
/// <param name="Confusion">The counts of every (label, prediction) pair.</param>
public sealed record Evaluation(double Loss, double Accuracy, int Count, ConfusionMatrix Confusion);

/// <summary>One epoch of <see cref="Trainer.Fit"/>: the mean training loss, the validation loss when a
/// validation was given, and the seconds spent training (evaluation not included).</summary>
/// <param name="Epoch">The epoch's number, from 1.</param>
/// <param name="TrainLoss">The mean training loss over the epoch's batches.</param>
/// <param name="ValidationLoss">The validation loss after the epoch, or null without validation.</param>
/// <param name="Seconds">The wall-clock seconds spent training in the epoch.</param>
public sealed record EpochSummary(int Epoch, double TrainLoss, double? ValidationLoss, double Seconds);

/// <summary>What <see cref="Trainer.Fit"/> did: every epoch, and with early stopping the epoch whose
/// weights the model holds at the end and whether the run stopped before its last epoch.</summary>
/// <param name="Epochs">A summary of every epoch run, in order.</param>
/// <param name="BestEpoch">With early stopping, the epoch whose weights the model holds; otherwise null.</param>
/// <param name="StoppedEarly">Whether early stopping ended the run before its last epoch.</param>
public sealed record FitResult(IReadOnlyList<EpochSummary> Epochs, int? BestEpoch, bool StoppedEarly);

/// <summary>
/// The training loop, the one every recipe and the command-line tool use. Its unit is
/// <see cref="Step(Func{Tensor})"/>: in a fresh <see cref="TensorScope"/>, set the step's learning rate
/// from <see cref="Schedule"/>, zero the gradients, compute the loss (forward pass), backward pass,
/// clip the gradient norm (<see cref="ClipGradNorm"/>), optimiser step (the weight update), and stop
/// with a clear error if the loss is not finite. Around it:
/// <see cref="TrainEpoch"/> (one pass over a <see cref="DataLoader"/>), <see cref="Fit"/> (epochs with a
/// validation loss, early stopping and a callback per epoch) and <see cref="Run"/> (a number of steps
/// with a callback every few steps, for models trained by steps, such as language models).
/// A loss that is not the model's output against a target, such as a recurrent model carrying its
/// state from one step to the next (truncated backpropagation through time), goes through
/// <see cref="Step(Func{Tensor})"/> or <see cref="Run"/> with a function that computes it.
/// </summary>
/// <param name="model">The model to train.</param>
/// <param name="optimizer">The optimiser, built over the model's parameters.</param>
/// <param name="loss">The loss of a batch, e.g. <c>Losses.CrossEntropy</c>.</param>
public sealed class Trainer(Module model, Optimizer optimizer, LossFunction loss)
{
    /// <summary>The model being trained.</summary>
    public Module Model { get; } = model;

    /// <summary>The optimiser that updates the model's parameters.</summary>
    public Optimizer Optimizer { get; } = optimizer;

    /// <summary>The loss of a batch, used by <see cref="Step(Tensor, Tensor)"/>, <see cref="TrainEpoch"/> and <see cref="Fit"/>.</summary>
    public LossFunction Loss { get; } = loss;

    /// <summary>When set, step n (counted from 0 over the whole run, as the optimiser counts) trains with
    /// learning rate <c>Schedule.At(n)</c>.</summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>When above 0, the gradients of all the optimiser's parameters are scaled together so that
    /// their global L2 norm is at most this (torch.nn.utils.clip_grad_norm_); 0 leaves them alone.</summary>
    public double ClipGradNorm
    {
        get;
        init => field = value >= 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(ClipGradNorm), $"ClipGradNorm must be >= 0 and finite (0 = off), got {value}");
    }

    /// <summary>One optimisation step on one batch: the loss is <see cref="Loss"/>(Model(input), target).
    /// Returns the loss before the update.</summary>
    public double Step(Tensor input, Tensor target)
    {
        using var scope = TensorScope.Begin();
        BeginStep();
        return FinishStep(Loss(Model.Forward(input), target));
    }

    /// <summary>One optimisation step whose loss <paramref name="computeLoss"/> computes (it runs the
    /// forward pass). Every tensor the step makes goes back to the pool when it ends; state that must
    /// outlive it is made under <see cref="TensorScope.Suspend"/> (see <see cref="RecurrentState.Carry"/>).
    /// Returns the loss before the update.</summary>
    /// <exception cref="ArithmeticException">The loss is NaN or infinite, or (with <see cref="ClipGradNorm"/>)
    /// the gradient norm is: the message names the step and the first parameter whose gradient went bad,
    /// and the weights are those of the last good step.</exception>
    public double Step(Func<Tensor> computeLoss)
    {
        ArgumentNullException.ThrowIfNull(computeLoss);
        using var scope = TensorScope.Begin();
        BeginStep();
        return FinishStep(computeLoss());
    }

    /// <summary>The step's learning rate and zeroed gradients, before its forward pass.</summary>
    private void BeginStep()
    {
        Schedule?.Apply(Optimizer, Optimizer.StepCount);
        Optimizer.ZeroGrad();
    }

    /// <summary>Backward, clipping and the update, once the loss is known to be finite: a step that goes bad
    /// stops before it changes the weights, so the model keeps those of the last good step.</summary>
    private double FinishStep(Tensor loss)
    {
        double value = loss.ItemAsDouble();
        if (!double.IsFinite(value))
            throw Diverged($"the loss became {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        loss.Backward();
        if (ClipGradNorm > 0)
        {
            double norm = GradientClipping.ClipGradNorm(Optimizer.Parameters, ClipGradNorm);
            if (!double.IsFinite(norm))
                throw Diverged($"the gradient norm became {norm.ToString(System.Globalization.CultureInfo.InvariantCulture)}; " +
                    $"the first parameter with a non-finite gradient is '{FirstNonFiniteGradient()}'");
        }
        Optimizer.Step();
        return value;
    }

    private ArithmeticException Diverged(string what) => new(
        $"training diverged at step {Optimizer.StepCount + 1}: {what} (the weights are left as after step {Optimizer.StepCount}); " +
        "try a smaller learning rate" + (ClipGradNorm > 0 ? "" : " or gradient clipping (ClipGradNorm)"));

    /// <summary>The dotted name of the first parameter whose gradient holds a NaN or an infinity.</summary>
    private string FirstNonFiniteGradient()
    {
        foreach (var (name, parameter) in Model.NamedParameters())
            if (parameter.Grad is { } g && g.ToFloatArray().Any(v => !float.IsFinite(v))) return name;
        return "(none of the model's named parameters)";
    }

    /// <summary>One pass over <paramref name="loader"/> in training mode; returns the mean training loss
    /// over its batches (NaN for an empty loader).</summary>
    public double TrainEpoch(DataLoader loader, Action<StepInfo>? onStep = null)
    {
        ArgumentNullException.ThrowIfNull(loader);
        Model.Train();
        double total = 0;
        int step = 0;
        using var batches = loader.GetEnumerator();
        while (true)
        {
            // One scope per step, the batch's fetch included: a recycling DataLoader hands its previous
            // batch back when the next one is taken.
            double value;
            using (TensorScope.Begin())
            {
                if (!batches.MoveNext()) break;
                var (input, target) = batches.Current;
                BeginStep();
                value = FinishStep(Loss(Model.Forward(input), target));
            }
            total += value;
            step++;
            onStep?.Invoke(new StepInfo(step, loader.Count, value));
        }
        return step == 0 ? double.NaN : total / step;
    }

    /// <summary>
    /// Trains for up to <paramref name="epochs"/> passes over <paramref name="loader"/>. After each epoch,
    /// <paramref name="validate"/> (if given) returns a validation loss; with <paramref name="earlyStopping"/>
    /// the run stops once that loss has not improved for its patience, and the model ends with the weights
    /// of the best epoch. <paramref name="onEpoch"/> sees each epoch's summary (a place for evaluation
    /// reports and checkpoints); <paramref name="onStep"/> each step's.
    /// </summary>
    public FitResult Fit(DataLoader loader, int epochs, Func<double>? validate = null, EarlyStopping? earlyStopping = null,
        Action<EpochSummary>? onEpoch = null, Action<StepInfo>? onStep = null)
    {
        ArgumentNullException.ThrowIfNull(loader);
        if (epochs <= 0) throw new ArgumentOutOfRangeException(nameof(epochs), $"epochs must be positive, got {epochs}");
        if (earlyStopping is not null && validate is null)
            throw new ArgumentException("early stopping needs a validation loss: pass validate as well", nameof(earlyStopping));
        var history = new List<EpochSummary>();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            long start = Stopwatch.GetTimestamp();
            double trainLoss = TrainEpoch(loader, onStep);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            double? validation = validate?.Invoke();
            var summary = new EpochSummary(epoch, trainLoss, validation, seconds);
            history.Add(summary);
            onEpoch?.Invoke(summary);
            if (earlyStopping is not null)
            {
                earlyStopping.Observe(epoch, validation!.Value);
                if (earlyStopping.ShouldStop) break;
            }
        }
        if (earlyStopping is null) return new FitResult(history, null, false);
        earlyStopping.RestoreBest();
        return new FitResult(history, earlyStopping.BestEpoch, history.Count < epochs);
    }

    /// <summary>
    /// Runs <paramref name="steps"/> optimisation steps in training mode; step s (1-based) trains on the
    /// loss <paramref name="computeLoss"/>(s) returns. After every <paramref name="evaluateEvery"/>-th step
    /// and after the last, <paramref name="onEvaluate"/>(s) is called outside any step (the place for a
    /// validation loss, a sample or a checkpoint); it may switch the model to eval mode, and the next
    /// step switches it back. Returns the training seconds (evaluation not included).
    /// </summary>
    public double Run(int steps, Func<int, Tensor> computeLoss, Action<StepInfo>? onStep = null, int evaluateEvery = 0,
        Action<int>? onEvaluate = null)
    {
        ArgumentNullException.ThrowIfNull(computeLoss);
        if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), $"steps must be positive, got {steps}");
        if (evaluateEvery < 0)
            throw new ArgumentOutOfRangeException(
                nameof(evaluateEvery), $"evaluateEvery must be >= 0 (0 = only after the last step), got {evaluateEvery}");
        double seconds = 0;
        for (int step = 1; step <= steps; step++)
        {
            if (!Model.Training) Model.Train();
            long start = Stopwatch.GetTimestamp();
            double value;
            using (TensorScope.Begin())
            {
                BeginStep();
                value = FinishStep(computeLoss(step));
            }
            seconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
            onStep?.Invoke(new StepInfo(step, steps, value));
            if (onEvaluate is not null && ((evaluateEvery > 0 && step % evaluateEvery == 0) || step == steps)) onEvaluate(step);
        }
        return seconds;
    }

    /// <summary>
    /// Mean loss (weighted by batch size), accuracy and the confusion matrix of a classifier over
    /// <paramref name="data"/> (int32 class labels), without recording a graph and in eval mode; the model is
    /// put back in the mode it was in. The predicted class is the argmax of the output row; an output with
    /// one column is a binary classifier whose answer is 1 where the output is above
    /// <paramref name="threshold"/> (0 for a logit, 0.5 for a probability). <paramref name="classes"/>
    /// defaults to the output's width (2 for one column).
    /// </summary>
    /// <exception cref="ArgumentException">A label is outside the classes, or the output is not (batch, classes).</exception>
    public static Evaluation Evaluate(Module model, TensorDataset data, LossFunction loss, int? classes = null, int batchSize = 1000,
        double threshold = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(loss);
        if (classes is <= 0) throw new ArgumentOutOfRangeException(nameof(classes), $"classes must be positive, got {classes}");
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var _ = GradMode.NoGrad();
            double totalLoss = 0;
            ConfusionMatrix? confusion = classes is { } c ? new ConfusionMatrix(c) : null;
            foreach (var (input, labels) in new DataLoader(data, batchSize, recycleBatches: true))
            {
                using var scope = TensorScope.Begin();
                var output = model.Forward(input);
                if (output.Rank != 2 || output.Size(0) != labels.Size(0))
                    throw new ArgumentException(
                        $"Evaluate: the model's output has shape {ShapeUtil.Format(output.Shape)}; a classifier's must be " +
                        $"(batch, classes) with batch {labels.Size(0)}");
                confusion ??= new ConfusionMatrix(Math.Max(output.Size(1), 2));
                totalLoss += loss(output, labels).ItemAsDouble() * labels.Size(0);
                var predicted = output.Size(1) == 1
                    ? output.Reshape(-1).Gt(Tensor.Scalar(threshold, output.DType)).ToArray<int>()
                    : output.Argmax(1).ToArray<int>();
                confusion.Add(labels.ToArray<int>(), predicted);
            }
            confusion ??= new ConfusionMatrix(classes ?? 2);
            return new Evaluation(totalLoss / Math.Max(data.Count, 1), confusion.Accuracy, data.Count, confusion);
        }
        finally
        {
            if (wasTraining) model.Train();
        }
    }
}
