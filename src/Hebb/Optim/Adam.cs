using System.Numerics.Tensors;

namespace Hebb.Optim;

/// <summary>
/// Adam (Kingma and Ba, 2015) with bias correction:
/// m := b1·m + (1-b1)·g; v := b2·v + (1-b2)·g²; w := w - lr · m̂ / (sqrt(v̂) + eps).
/// weightDecay adds L2 to the gradient (coupled, as torch.optim.Adam); AdamW decays the weights directly.
/// Parameter groups (<see cref="ParameterGroup"/>) give some parameters their own weight decay.
/// </summary>
public class Adam : Optimizer
{
    private readonly float[][] _m, _v;
    private readonly double[] _decay;
    private float[] _scratch = [];

    /// <summary>β1, the decay rate of the running mean of the gradients, m (default 0.9).</summary>
    public double Beta1 { get; }
    /// <summary>β2, the decay rate of the running mean of the squared gradients, v (default 0.999).</summary>
    public double Beta2 { get; }
    /// <summary>Added to sqrt(v̂) in the denominator, for numerical stability (default 1e-8).</summary>
    public double Epsilon { get; }
    /// <summary>The default weight decay (groups may override it per parameter).</summary>
    public double WeightDecay { get; }
    /// <summary>Whether weight decay shrinks the weights directly (AdamW) rather than being added to the gradient (Adam).</summary>
    protected virtual bool DecoupledWeightDecay => false;

    /// <summary>Adam over <paramref name="parameters"/>, as torch.optim.Adam.</summary>
    /// <param name="parameters">The tensors to update: contiguous float32 leaves that require grad, e.g. <c>model.Parameters()</c>.</param>
    /// <param name="learningRate">The step size, positive (default 1e-3).</param>
    /// <param name="beta1">β1, the decay rate of the gradients' running mean, in [0, 1) (default 0.9).</param>
    /// <param name="beta2">β2, the decay rate of the squared gradients' running mean, in [0, 1) (default 0.999).</param>
    /// <param name="epsilon">Added to the denominator for numerical stability, at least 0 (default 1e-8).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient as weightDecay·w, at least 0 (default 0).</param>
    /// <exception cref="ArgumentException">There are no parameters, or one is not a contiguous float32 leaf that requires grad.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is not positive, or another setting is out of range.</exception>
    public Adam(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0)
        : this([new ParameterGroup(parameters)], learningRate, beta1, beta2, epsilon, weightDecay) { }

    /// <summary>Parameters in groups, as torch's param groups: a group's WeightDecay, when set, replaces the default.</summary>
    public Adam(IEnumerable<ParameterGroup> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0)
        : this(groups.Select(g => g with { Parameters = g.Parameters.ToArray() }).ToArray(),
            learningRate, beta1, beta2, epsilon, weightDecay)
    { }

    private Adam(ParameterGroup[] groups, double learningRate, double beta1, double beta2, double epsilon, double weightDecay)
        : base(groups.SelectMany(g => g.Parameters), learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new ArgumentOutOfRangeException(nameof(beta1), $"Adam: betas must be in [0, 1), got ({beta1}, {beta2})");
        CheckNonNegative(epsilon, nameof(epsilon));
        CheckNonNegative(weightDecay, nameof(weightDecay));
        foreach (var g in groups) if (g.WeightDecay is double wd) CheckNonNegative(wd, "group weightDecay");
        (Beta1, Beta2, Epsilon, WeightDecay) = (beta1, beta2, epsilon, weightDecay);
        _decay = groups.SelectMany(g => g.Parameters.Select(_ => g.WeightDecay ?? weightDecay)).ToArray();
        _m = Parameters.Select(p => new float[p.Numel]).ToArray();
        _v = Parameters.Select(p => new float[p.Numel]).ToArray();
    }

    /// <summary>The weight decay that applies to parameter <paramref name="index"/> (in <see cref="Optimizer.Parameters"/>
    /// order).</summary>
    public double WeightDecayOf(int index) => _decay[index];

    /// <inheritdoc/>
    protected override IEnumerable<string> BufferNames => ["exp_avg", "exp_avg_sq"];

    /// <inheritdoc/>
    protected override float[]? GetBuffer(string name, int index) => name == "exp_avg" ? _m[index] : _v[index];

    /// <inheritdoc/>
    protected override void SetBuffer(string name, int index, float[]? values)
    {
        var target = name == "exp_avg" ? _m[index] : _v[index];
        if (values is null) Array.Clear(target);
        else values.CopyTo(target, 0);
    }

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> w, ReadOnlySpan<float> grad)
    {
        var m = _m[index].AsSpan();
        var v = _v[index].AsSpan();
        int t = StepCount + 1;
        double lr = LearningRate;
        float b1 = (float)Beta1, b2 = (float)Beta2;
        float correction1 = (float)(1 - Math.Pow(Beta1, t));
        float sqrtCorrection2 = (float)Math.Sqrt(1 - Math.Pow(Beta2, t));
        float stepSize = (float)(lr / correction1);
        float eps = (float)Epsilon, wd = (float)_decay[index];
        if (_scratch.Length < w.Length) _scratch = new float[w.Length];
        var tmp = _scratch.AsSpan(0, w.Length);
        var g = grad;
        if (wd != 0)
        {
            if (DecoupledWeightDecay) TensorPrimitives.Multiply(w, 1 - (float)lr * wd, w);
            else
            {
                TensorPrimitives.MultiplyAdd(w, wd, grad, tmp); // g + wd·w
                g = tmp;
            }
        }
        // Whole-span passes (vectorised) rather than one loop per element.
        TensorPrimitives.Multiply(m, b1, m);
        TensorPrimitives.MultiplyAdd(g, 1 - b1, m, m);
        TensorPrimitives.Multiply(v, b2, v);
        TensorPrimitives.Multiply(g, g, tmp);
        TensorPrimitives.MultiplyAdd(tmp, 1 - b2, v, v);
        TensorPrimitives.Sqrt(v, tmp);
        TensorPrimitives.Multiply(tmp, 1 / sqrtCorrection2, tmp);
        TensorPrimitives.Add(tmp, eps, tmp); // sqrt(v̂) + eps
        TensorPrimitives.Divide(m, tmp, tmp);
        TensorPrimitives.MultiplyAdd(tmp, -stepSize, w, w);
    }
}

/// <summary>Adam with decoupled weight decay (Loshchilov and Hutter): w := w - lr·wd·w before the Adam step.
/// GPT training decays only the matrices: see <see cref="ParameterGroup.DecayMatricesOnly"/>.</summary>
public sealed class AdamW : Adam
{
    /// <summary>AdamW over <paramref name="parameters"/>, as torch.optim.AdamW (weight decay 0.01 by default).</summary>
    /// <param name="parameters">The tensors to update: contiguous float32 leaves that require grad, e.g. <c>model.Parameters()</c>.</param>
    /// <param name="learningRate">The step size, positive (default 1e-3).</param>
    /// <param name="beta1">β1, the decay rate of the gradients' running mean, in [0, 1) (default 0.9).</param>
    /// <param name="beta2">β2, the decay rate of the squared gradients' running mean, in [0, 1) (default 0.999).</param>
    /// <param name="epsilon">Added to the denominator for numerical stability, at least 0 (default 1e-8).</param>
    /// <param name="weightDecay">The fraction lr·weightDecay by which each step shrinks the weights, at least 0 (default 0.01).</param>
    /// <exception cref="ArgumentException">There are no parameters, or one is not a contiguous float32 leaf that requires grad.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is not positive, or another setting is out of range.</exception>
    public AdamW(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 1e-2) : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay) { }

    /// <summary>AdamW over parameter groups, as torch's param groups: a group's WeightDecay, when set, replaces the
    /// default (see <see cref="ParameterGroup.DecayMatricesOnly"/>).</summary>
    /// <param name="groups">The parameters, in groups.</param>
    /// <param name="learningRate">The step size, positive (default 1e-3).</param>
    /// <param name="beta1">β1, the decay rate of the gradients' running mean, in [0, 1) (default 0.9).</param>
    /// <param name="beta2">β2, the decay rate of the squared gradients' running mean, in [0, 1) (default 0.999).</param>
    /// <param name="epsilon">Added to the denominator for numerical stability, at least 0 (default 1e-8).</param>
    /// <param name="weightDecay">The default weight decay, at least 0 (default 0.01).</param>
    /// <exception cref="ArgumentException">There are no parameters, or one is not a contiguous float32 leaf that requires grad.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is not positive, or another setting is out of range.</exception>
    public AdamW(IEnumerable<ParameterGroup> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 1e-2) : base(groups, learningRate, beta1, beta2, epsilon, weightDecay) { }

    /// <inheritdoc/>
    protected override bool DecoupledWeightDecay => true;
}

/// <summary>Parameters sharing optimiser settings (torch's param groups). WeightDecay null means the
/// optimiser's default.</summary>
/// <param name="Parameters">The tensors in the group.</param>
/// <param name="WeightDecay">The group's weight decay, at least 0; null for the optimiser's default.</param>
public sealed record ParameterGroup(IEnumerable<Tensor> Parameters, double? WeightDecay = null)
{
    /// <summary>nanoGPT's split: parameters with two or more dims (Linear weights, embeddings) decay by
    /// weightDecay; vectors (biases, LayerNorm gains and shifts) do not decay.</summary>
    public static ParameterGroup[] DecayMatricesOnly(IEnumerable<Tensor> parameters, double weightDecay)
    {
        var all = parameters.ToArray();
        return [new ParameterGroup(all.Where(p => p.Rank >= 2).ToArray(), weightDecay),
            new ParameterGroup(all.Where(p => p.Rank < 2).ToArray(), 0)];
    }
}
