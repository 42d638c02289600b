using Hebb.Autograd;

namespace Hebb.Optim;

/// <summary>Base of the optimisers: holds the parameters and the learning rate (settable, for schedules).</summary>
public abstract class Optimizer
{
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

    public IReadOnlyList<Tensor> Parameters { get; }

    private double _learningRate;
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

    public int StepCount { get; private set; }

    /// <summary>Updates parameter <paramref name="index"/> in place.</summary>
    protected abstract void Update(int index, Span<float> parameter, ReadOnlySpan<float> grad);

    protected static void CheckNonNegative(double value, string name)
    {
        if (!(value >= 0)) throw new ArgumentOutOfRangeException(name, $"{name} must be >= 0, got {value}");
    }
}
