using Hebb.Autograd;

namespace Hebb.Optim;

/// <summary>Base of the optimisers: holds the parameters and the learning rate (settable, for schedules).</summary>
public abstract class Optimizer
{
    /// <summary>Takes the tensors to update and the initial learning rate.</summary>
    /// <param name="parameters">The tensors to update (copied into a list): contiguous float32 leaves that require grad.</param>
    /// <param name="learningRate">The initial step size, positive.</param>
    /// <exception cref="ArgumentException">There are no parameters, or one is not a contiguous float32 leaf that requires grad.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is not positive.</exception>
    protected Optimizer(IEnumerable<Tensor> parameters, double learningRate)
    {
        Parameters = parameters.ToArray();
        if (Parameters.Count == 0) throw new ArgumentException("optimizer got an empty parameter list");
        foreach (var p in Parameters)
        {
            if (!p.IsLeaf || !p.RequiresGrad || !p.IsContiguous || p.DType != DType.Float32)
                throw new ArgumentException($"optimizer parameters must be contiguous float32 leaves that require grad; got {p}");
        }
        if (!(learningRate > 0))
            throw new ArgumentOutOfRangeException(nameof(learningRate), $"learning rate must be positive and finite, got {learningRate}");
        LearningRate = learningRate;
    }

    /// <summary>The tensors this optimiser updates, in the order given.</summary>
    public IReadOnlyList<Tensor> Parameters { get; }

    private double _learningRate;
    /// <summary>The step size of the next <see cref="Step"/>. It may be changed between steps (a
    /// <see cref="LearningRateSchedule"/> does) to any finite value of at least 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value set is negative, NaN or infinite.</exception>
    public double LearningRate
    {
        get => _learningRate;
        // 0 is allowed here (the end of a schedule); the constructor insists on a positive rate.
        set => _learningRate = value >= 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), $"learning rate must be >= 0 and finite, got {value}");
    }

    /// <summary>Clears the gradients: zero-filled in place by default (buffers reused, as
    /// torch's set_to_none=False), or dropped with setToNone.</summary>
    public void ZeroGrad(bool setToNone = false)
    {
        foreach (var p in Parameters) p.ClearGrad(setToNone);
    }

    /// <summary>One update from the gradients accumulated by Backward. Parameters without a gradient are skipped.</summary>
    public void Step()
    {
        using var _ = GradMode.NoGrad();
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Grad is null) continue;
            var grad = p.Grad.Contiguous();
            Update(i, p.Data<float>().AsSpan(p.Offset, p.Numel), grad.Data<float>().AsSpan(grad.Offset, grad.Numel));
        }
        StepCount++;
    }

    /// <summary>How many times <see cref="Step"/> has run.</summary>
    public int StepCount { get; private set; }

    /// <summary>Updates parameter <paramref name="index"/> in place.</summary>
    protected abstract void Update(int index, Span<float> parameter, ReadOnlySpan<float> grad);

    /// <summary>For a subclass's constructor: refuses a setting below 0 or NaN.</summary>
    /// <param name="value">The setting's value.</param>
    /// <param name="name">The setting's name, for the message.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative or NaN.</exception>
    protected static void CheckNonNegative(double value, string name)
    {
        if (!(value >= 0)) throw new ArgumentOutOfRangeException(name, $"{name} must be >= 0, got {value}");
    }
}
