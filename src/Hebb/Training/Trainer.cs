using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
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
            throw Diverged($"the loss became {value.ToString(CultureInfo.InvariantCulture)}");
        loss.Backward();
        if (ClipGradNorm > 0)
        {
            double norm = GradientClipping.ClipGradNorm(Optimizer.Parameters, ClipGradNorm);
            if (!double.IsFinite(norm))
                throw Diverged($"the gradient norm became {norm.ToString(CultureInfo.InvariantCulture)}; " +
                    $"the first parameter with a non-finite gradient is '{FirstNonFiniteGradient()}'");
        }
        else if (!GradientsFinite())
            throw Diverged($"a gradient became NaN or infinite; the first parameter with one is '{FirstNonFiniteGradient()}'");
        Optimizer.Step();
        return value;
    }

    private ArithmeticException Diverged(string what) => new(
        $"training diverged at step {Optimizer.StepCount + 1}: {what} (the weights are left as after step {Optimizer.StepCount}); " +
        (Checkpoints is { LastSavedStep: > 0 } c ? $"the last good checkpoint, of step {c.LastSavedStep}, is {c.Path}; " : "") +
        "try a smaller learning rate" + (ClipGradNorm > 0 ? "" : " or gradient clipping (ClipGradNorm)"));

    /// <summary>Whether every gradient is finite: one vectorised sum per parameter (a NaN or an infinity makes the sum
    /// non-finite), looked at value by value only when a sum overflows.</summary>
    private bool GradientsFinite()
    {
        foreach (var p in Optimizer.Parameters)
        {
            if (p.Grad is not { } g) continue;
            var dense = g.Contiguous();
            var values = dense.Data<float>().AsSpan(dense.Offset, dense.Numel);
            if (float.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(values))) continue;
            foreach (float v in values) if (!float.IsFinite(v)) return false;
        }
        return true;
    }

    /// <summary>The dotted name of the first parameter whose gradient holds a NaN or an infinity.</summary>
    private string FirstNonFiniteGradient()
    {
        foreach (var (name, parameter) in Model.NamedParameters())
            if (parameter.Grad is { } g && g.ToFloatArray().Any(v => !float.IsFinite(v))) return name;
        return "(none of the model's named parameters)";
    }

    /// <summary>When set, the run writes a <see cref="Checkpoint"/> every <see cref="CheckpointPolicy.EverySteps"/> steps
    /// and when it is stopped through <see cref="Cancellation"/>; <see cref="Fit"/> and <see cref="Run"/> continue from one
    /// given as their resumeFrom.</summary>
    public CheckpointPolicy? Checkpoints { get; init; }

    /// <summary>Asks the run to stop: after the step in progress it writes a checkpoint (with <see cref="Checkpoints"/>)
    /// and throws <see cref="TrainingInterruptedException"/>. The command-line tool cancels it on the first Ctrl-C.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>One pass over <paramref name="loader"/> in training mode; returns the mean training loss
    /// over its batches (NaN for an empty loader).</summary>
    public double TrainEpoch(DataLoader loader, Action<StepInfo>? onStep = null)
    {
        ArgumentNullException.ThrowIfNull(loader);
        var position = new FitPosition();
        return RunEpoch(loader, loader, position, onStep, null);
    }

    /// <summary>The batches of one epoch (all, or the rest of a resumed one), counting in <paramref name="position"/>.</summary>
    private double RunEpoch(IEnumerable<(Tensor Input, Tensor Target)> epoch, DataLoader loader, FitPosition position,
        Action<StepInfo>? onStep, Action? afterStep)
    {
        Model.Train();
        using var batches = epoch.GetEnumerator();
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
            position.LossSum += value;
            position.Batch++;
            onStep?.Invoke(new StepInfo(position.Batch, loader.Count, value));
            afterStep?.Invoke();
        }
        return position.Batch == 0 ? double.NaN : position.LossSum / position.Batch;
    }

    /// <summary>Where <see cref="Fit"/> stands within its run: what a checkpoint records besides the weights.</summary>
    private sealed class FitPosition
    {
        public int Epoch = 1, Batch;
        public double LossSum;
        public GeneratorState? ResumeOrder; // the order of a resumed epoch; a running one's is the loader's EpochOrderState
        public List<EpochSummary> History = [];
    }

    /// <summary>
    /// Trains for up to <paramref name="epochs"/> passes over <paramref name="loader"/>. After each epoch,
    /// <paramref name="validate"/> (if given) returns a validation loss; with <paramref name="earlyStopping"/>
    /// the run stops once that loss has not improved for its patience, and the model ends with the weights
    /// of the best epoch. <paramref name="onEpoch"/> sees each epoch's summary (a place for evaluation
    /// reports); <paramref name="onStep"/> each step's. With <paramref name="resumeFrom"/>, a checkpoint this
    /// method wrote, the run continues where that one stood (the model, optimiser, generators and early stopping
    /// are restored first) and ends exactly as the run that wrote it would have.
    /// </summary>
    /// <exception cref="TrainingInterruptedException"><see cref="Cancellation"/> asked the run to stop.</exception>
    /// <exception cref="ArithmeticException">A step diverged (see <see cref="Step(Func{Tensor})"/>).</exception>
    /// <exception cref="InvalidDataException"><paramref name="resumeFrom"/> belongs to another run or does not fit.</exception>
    public FitResult Fit(DataLoader loader, int epochs, Func<double>? validate = null, EarlyStopping? earlyStopping = null,
        Action<EpochSummary>? onEpoch = null, Action<StepInfo>? onStep = null, Checkpoint? resumeFrom = null)
    {
        ArgumentNullException.ThrowIfNull(loader);
        if (epochs <= 0) throw new ArgumentOutOfRangeException(nameof(epochs), $"epochs must be positive, got {epochs}");
        if (earlyStopping is not null && validate is null)
            throw new ArgumentException("early stopping needs a validation loss: pass validate as well", nameof(earlyStopping));
        var position = new FitPosition();
        bool resumed = resumeFrom is not null;
        if (resumeFrom is not null) RestoreFit(resumeFrom, position, earlyStopping);

        // Made once, not per step: the training loop allocates nothing of its own per step.
        Action save = Save;
        Action afterStep = () => AfterStep(save);
        void Save() => SaveCheckpoint(c =>
        {
            c.Progress["fit.epoch"] = Invariant(position.Epoch);
            c.Progress["fit.batch"] = Invariant(position.Batch);
            c.Progress["fit.loss_sum"] = position.LossSum.ToString("R", CultureInfo.InvariantCulture);
            c.Progress["fit.order"] = loader.EpochOrderState is { } o ? CheckpointText.FormatState(o) : "-";
            c.Progress["fit.history"] = JsonSerializer.Serialize(position.History);
            earlyStopping?.SaveTo(c);
        });

        for (; position.Epoch <= epochs; position.Epoch++)
        {
            long start = Stopwatch.GetTimestamp();
            var batches = resumed ? loader.ResumeEpoch(position.ResumeOrder, position.Batch) : loader;
            resumed = false;
            double trainLoss = RunEpoch(batches, loader, position, onStep, afterStep);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            double? validation = validate?.Invoke();
            var summary = new EpochSummary(position.Epoch, trainLoss, validation, seconds);
            position.History.Add(summary);
            (position.Batch, position.LossSum) = (0, 0);
            onEpoch?.Invoke(summary);
            if (earlyStopping is not null)
            {
                earlyStopping.Observe(position.Epoch, validation!.Value);
                if (earlyStopping.ShouldStop) break;
            }
        }
        var history = position.History;
        if (earlyStopping is null) return new FitResult(history, null, false);
        earlyStopping.RestoreBest();
        return new FitResult(history, earlyStopping.BestEpoch, history.Count < epochs);
    }

    private void RestoreFit(Checkpoint checkpoint, FitPosition position, EarlyStopping? earlyStopping)
    {
        if (!checkpoint.Progress.ContainsKey("fit.epoch"))
            throw new InvalidDataException($"checkpoint '{checkpoint.Source}' was not written by an epoch-based run");
        Restore(checkpoint);
        try
        {
            position.Epoch = int.Parse(checkpoint.Progress["fit.epoch"], CultureInfo.InvariantCulture);
            position.Batch = int.Parse(checkpoint.Progress["fit.batch"], CultureInfo.InvariantCulture);
            position.LossSum = double.Parse(checkpoint.Progress["fit.loss_sum"], CultureInfo.InvariantCulture);
            position.ResumeOrder =
                checkpoint.Progress["fit.order"] is "-" ? null : CheckpointText.ParseState(checkpoint.Progress["fit.order"]);
            position.History = JsonSerializer.Deserialize<List<EpochSummary>>(checkpoint.Progress["fit.history"]) ?? [];
            earlyStopping?.RestoreFrom(checkpoint);
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or JsonException or OverflowException)
        {
            throw new InvalidDataException($"checkpoint '{checkpoint.Source}' is damaged: its progress cannot be read ({e.Message})", e);
        }
    }

    /// <summary>Checks the checkpoint belongs to this run and puts its weights, optimiser state and generators back.</summary>
    private void Restore(Checkpoint checkpoint)
    {
        checkpoint.CheckIdentity(Checkpoints?.Identity ?? new Dictionary<string, string>());
        checkpoint.Restore(Model, Optimizer, Checkpoints?.Generators);
        if (Checkpoints is not null && checkpoint.Source == Checkpoints.Path) Checkpoints.LastSavedStep = checkpoint.StepCount;
    }

    /// <summary>After every step: a checkpoint when one is due, and the stop when one was asked for.</summary>
    private void AfterStep(Action save)
    {
        if (Checkpoints is { EverySteps: > 0 } policy && Optimizer.StepCount % policy.EverySteps == 0) save();
        if (!Cancellation.IsCancellationRequested) return;
        if (Checkpoints is not null && Checkpoints.LastSavedStep != Optimizer.StepCount) save();
        throw new TrainingInterruptedException(Model, Optimizer.StepCount, Checkpoints?.Path);
    }

    private void SaveCheckpoint(Action<Checkpoint> describe)
    {
        var policy = Checkpoints!;
        var checkpoint = Checkpoint.Capture(Model, Optimizer, policy.Generators);
        foreach (var (k, v) in policy.Identity) checkpoint.Identity[k] = v;
        describe(checkpoint);
        policy.OnSave?.Invoke(checkpoint);
        checkpoint.Save(policy.Path);
        policy.LastSavedStep = Optimizer.StepCount;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Runs <paramref name="steps"/> optimisation steps in training mode; step s (1-based) trains on the
    /// loss <paramref name="computeLoss"/>(s) returns. After every <paramref name="evaluateEvery"/>-th step
    /// and after the last, <paramref name="onEvaluate"/>(s) is called outside any step (the place for a
    /// validation loss or a sample); it may switch the model to eval mode, and the next
    /// step switches it back. Returns the training seconds (evaluation not included). With
    /// <paramref name="resumeFrom"/>, a checkpoint this method wrote, the run continues after the step it was taken at
    /// (the caller restores its own state, such as a carried recurrent state, from the checkpoint).
    /// </summary>
    /// <exception cref="TrainingInterruptedException"><see cref="Cancellation"/> asked the run to stop.</exception>
    public double Run(int steps, Func<int, Tensor> computeLoss, Action<StepInfo>? onStep = null, int evaluateEvery = 0,
        Action<int>? onEvaluate = null, Checkpoint? resumeFrom = null)
    {
        ArgumentNullException.ThrowIfNull(computeLoss);
        if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), $"steps must be positive, got {steps}");
        if (evaluateEvery < 0)
            throw new ArgumentOutOfRangeException(
                nameof(evaluateEvery), $"evaluateEvery must be >= 0 (0 = only after the last step), got {evaluateEvery}");
        double seconds = 0;
        int first = 1;
        if (resumeFrom is not null)
        {
            if (!resumeFrom.Progress.TryGetValue("run.step", out var saved))
                throw new InvalidDataException($"checkpoint '{resumeFrom.Source}' was not written by a step-based run");
            Restore(resumeFrom);
            first = int.Parse(saved, CultureInfo.InvariantCulture) + 1;
            seconds = double.Parse(resumeFrom.Progress["run.seconds"], CultureInfo.InvariantCulture);
        }
        int done = first - 1;
        Action save = () => SaveCheckpoint(c =>
        {
            c.Progress["run.step"] = Invariant(done);
            c.Progress["run.seconds"] = seconds.ToString("R", CultureInfo.InvariantCulture);
        });
        for (int step = first; step <= steps; step++)
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
            done = step;
            AfterStep(save);
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
