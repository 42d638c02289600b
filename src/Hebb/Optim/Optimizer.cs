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

    /// <summary>Everything the next steps depend on besides the parameters themselves: the step count, the learning
    /// rate and the per-parameter buffers (momenta, Adam's moments), as torch's optimizer.state_dict(). The buffers
    /// are copies.</summary>
    public OptimizerState StateDict()
    {
        var buffers = new Dictionary<string, float[]?[]>(StringComparer.Ordinal);
        foreach (string name in BufferNames)
            buffers[name] = Enumerable.Range(0, Parameters.Count).Select(i => GetBuffer(name, i)?.ToArray()).ToArray();
        return new OptimizerState(GetType().Name, StepCount, LearningRate, buffers);
    }

    /// <summary>Puts back a state taken by <see cref="StateDict"/> from an optimiser of the same kind over parameters of
    /// the same shapes; the next <see cref="Step"/> then does exactly what the saved optimiser's would have.</summary>
    /// <exception cref="InvalidDataException">The state is of another optimiser, or its buffers do not fit the
    /// parameters; the message names the buffer and parameter. Nothing is changed then.</exception>
    public void LoadStateDict(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Kind != GetType().Name)
            throw new InvalidDataException($"the optimiser state is {state.Kind}'s, not {GetType().Name}'s");
        if (state.StepCount < 0) throw new InvalidDataException($"the optimiser state has a negative step count ({state.StepCount})");
        var names = BufferNames.ToArray();
        foreach (string name in names)
        {
            if (!state.Buffers.TryGetValue(name, out var values))
                throw new InvalidDataException($"the {state.Kind} state has no '{name}' buffers");
            if (values.Length != Parameters.Count)
                throw new InvalidDataException(
                    $"the {state.Kind} state has '{name}' for {values.Length} parameters; this optimiser has {Parameters.Count}");
            for (int i = 0; i < values.Length; i++)
                if (values[i] is { } v && v.Length != Parameters[i].Numel)
                    throw new InvalidDataException(
                        $"the {state.Kind} state's '{name}' of parameter {i} has {v.Length} values; " +
                        $"the parameter has {Parameters[i].Numel}");
        }
        if (state.Buffers.Keys.FirstOrDefault(k => !names.Contains(k)) is { } extra)
            throw new InvalidDataException($"the {state.Kind} state has '{extra}' buffers, which {GetType().Name} does not keep");
        foreach (string name in names)
            for (int i = 0; i < Parameters.Count; i++) SetBuffer(name, i, state.Buffers[name][i]);
        StepCount = state.StepCount;
        LearningRate = state.LearningRate;
    }

    /// <summary>The names of the per-parameter buffers this optimiser keeps (torch's names, e.g. "exp_avg").</summary>
    protected virtual IEnumerable<string> BufferNames => [];

    /// <summary>Buffer <paramref name="name"/> of parameter <paramref name="index"/>, or null when it does not exist yet.</summary>
    protected virtual float[]? GetBuffer(string name, int index) => null;

    /// <summary>Replaces buffer <paramref name="name"/> of parameter <paramref name="index"/> with a copy of
    /// <paramref name="values"/> (already checked to fit; the state it comes from stays the caller's).</summary>
    protected virtual void SetBuffer(string name, int index, float[]? values) { }

    /// <summary>For a subclass's constructor: refuses a setting below 0 or NaN.</summary>
    /// <param name="value">The setting's value.</param>
    /// <param name="name">The setting's name, for the message.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative or NaN.</exception>
    protected static void CheckNonNegative(double value, string name)
    {
        if (!(value >= 0)) throw new ArgumentOutOfRangeException(name, $"{name} must be >= 0, got {value}");
    }
}

/// <summary>An optimiser's state (see <see cref="Optimizer.StateDict"/>): its kind, step count, learning rate, and per
/// buffer name one array per parameter (null where the buffer does not exist yet, such as SGD's momentum before the
/// first step).</summary>
/// <param name="Kind">The optimiser's type name, e.g. "Adam".</param>
/// <param name="StepCount">The steps taken.</param>
/// <param name="LearningRate">The learning rate of the next step.</param>
/// <param name="Buffers">Per buffer name, one array (or null) per parameter, in parameter order.</param>
public sealed record OptimizerState(string Kind, int StepCount, double LearningRate, IReadOnlyDictionary<string, float[]?[]> Buffers);
