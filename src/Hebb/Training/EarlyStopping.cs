using System.Globalization;
using Hebb.Autograd;
using Hebb.NN;

namespace Hebb.Training;

/// <summary>
/// Early stopping: watch the validation loss after every epoch, keep a copy of the weights
/// at the best one, and stop once it has not improved for Patience epochs in a row; then
/// <see cref="RestoreBest"/> puts the best weights back. BestEpoch is also the epoch count to use when
/// retraining afterwards on the training and validation data together.
/// </summary>
public sealed class EarlyStopping
{
    private readonly Module _model;
    private Dictionary<string, Tensor>? _best;

    /// <summary>How many epochs in a row without improvement end the run.</summary>
    public int Patience { get; }
    /// <summary>An epoch counts as better only if it lowers the loss by more than this.</summary>
    public double MinDelta { get; }
    /// <summary>The epoch with the lowest validation loss so far (0 before any epoch).</summary>
    public int BestEpoch { get; private set; }
    /// <summary>The lowest validation loss so far (+∞ before any epoch).</summary>
    public double BestLoss { get; private set; } = double.PositiveInfinity;
    /// <summary>Epochs observed since the last improvement.</summary>
    public int EpochsWithoutImprovement { get; private set; }
    /// <summary>True once <see cref="EpochsWithoutImprovement"/> reaches <see cref="Patience"/>.</summary>
    public bool ShouldStop => EpochsWithoutImprovement >= Patience;

    /// <summary>Watches <paramref name="model"/>'s validation loss.</summary>
    /// <param name="model">The model whose weights are copied at the best epoch and put back by <see cref="RestoreBest"/>.</param>
    /// <param name="patience">How many epochs in a row without improvement end the run, at least 1.</param>
    /// <param name="minDelta">How much lower than the best a loss must be to count as better, at least 0 (default 0).</param>
    /// <exception cref="ArgumentException"><paramref name="patience"/> is not positive, or <paramref name="minDelta"/> is
    /// negative.</exception>
    public EarlyStopping(Module model, int patience, double minDelta = 0)
    {
        if (patience <= 0) throw new ArgumentException($"early stopping: patience must be a positive number of epochs, got {patience}");
        if (!(minDelta >= 0)) throw new ArgumentException($"early stopping: minDelta must be >= 0, got {minDelta}");
        _model = model;
        Patience = patience;
        MinDelta = minDelta;
    }

    /// <summary>Records one epoch's validation loss; returns true when it is the best so far.</summary>
    public bool Observe(int epoch, double validationLoss)
    {
        if (double.IsNaN(validationLoss)) throw new ArithmeticException($"early stopping: the validation loss is NaN at epoch {epoch}");
        if (validationLoss < BestLoss - MinDelta)
        {
            BestLoss = validationLoss;
            BestEpoch = epoch;
            EpochsWithoutImprovement = 0;
            using var _ = GradMode.NoGrad();
            _best ??= _model.StateDict().ToDictionary(kv => kv.Key, kv => Tensor.Zeros(kv.Value.DType, kv.Value.ShapeArray));
            foreach (var (name, tensor) in _model.StateDict()) _best[name].CopyFrom(tensor);
            return true;
        }
        EpochsWithoutImprovement++;
        return false;
    }

    /// <summary>Loads the weights (and buffers) saved at the best epoch back into the model.</summary>
    public void RestoreBest()
    {
        if (_best is null)
            throw new InvalidOperationException("early stopping: no epoch has been observed, so there are no best weights to restore");
        _model.LoadStateDict(_best);
    }

    /// <summary>Writes the watch's state (best epoch and loss, the count without improvement, the best weights) into a
    /// checkpoint.</summary>
    internal void SaveTo(Checkpoint checkpoint)
    {
        checkpoint.Progress["early.best_epoch"] = BestEpoch.ToString(CultureInfo.InvariantCulture);
        checkpoint.Progress["early.best_loss"] = BestLoss.ToString("R", CultureInfo.InvariantCulture);
        checkpoint.Progress["early.without"] = EpochsWithoutImprovement.ToString(CultureInfo.InvariantCulture);
        if (_best is not null)
            foreach (var (name, tensor) in _best) checkpoint.SetTensor("early." + name, tensor);
    }

    /// <summary>Takes the watch's state back from a checkpoint written by <see cref="SaveTo"/>.</summary>
    internal void RestoreFrom(Checkpoint checkpoint)
    {
        BestEpoch = int.Parse(checkpoint.Progress["early.best_epoch"], CultureInfo.InvariantCulture);
        BestLoss = double.Parse(checkpoint.Progress["early.best_loss"], CultureInfo.InvariantCulture);
        EpochsWithoutImprovement = int.Parse(checkpoint.Progress["early.without"], CultureInfo.InvariantCulture);
        if (BestEpoch == 0) return;
        using var _ = GradMode.NoGrad();
        _best = _model.StateDict().ToDictionary(kv => kv.Key, kv => checkpoint.GetTensor("early." + kv.Key)
            ?? throw new KeyNotFoundException($"the best weights' '{kv.Key}' are missing"));
    }
}
