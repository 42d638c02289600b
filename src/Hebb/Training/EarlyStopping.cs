using Hebb.Autograd;
using Hebb.NN;

namespace Hebb.Training;

/// <summary>
/// The seed's early stopping: watch the validation loss after every epoch, keep a copy of the weights
/// at the best one, and stop once it has not improved for Patience epochs in a row; then
/// <see cref="RestoreBest"/> puts the best weights back. BestEpoch is what the seed's second step
/// (retrain on train + validation) uses as its epoch count.
/// </summary>
public sealed class EarlyStopping
{
    private readonly Module _model;
    private Dictionary<string, Tensor>? _best;

    public int Patience { get; }
    /// <summary>An epoch counts as better only if it lowers the loss by more than this.</summary>
    public double MinDelta { get; }
    public int BestEpoch { get; private set; }
    public double BestLoss { get; private set; } = double.PositiveInfinity;
    public int EpochsWithoutImprovement { get; private set; }
    public bool ShouldStop => EpochsWithoutImprovement >= Patience;

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
}
