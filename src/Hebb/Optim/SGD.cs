using System.Numerics.Tensors;

namespace Hebb.Optim;

/// <summary>
/// Stochastic gradient descent, w := w - alpha · grad L(w), with optional momentum (as torch.optim.SGD:
/// v := mu·v + g; w := w - alpha·v, or with Nesterov w := w - alpha·(g + mu·v)) and L2 weight decay
/// (g += lambda·w, the gradient of the L2 term lambda/(2N)·||w||² of <see cref="NN.Losses.L2Penalty"/>, with
/// lambda/N folded into weightDecay).
/// </summary>
public sealed class SGD : Optimizer
{
    private readonly float[]?[] _velocity;
    private float[] _scratch = [];

    /// <summary>μ, the decay of the velocity (0 = plain gradient descent).</summary>
    public double Momentum { get; }
    /// <summary>λ, the L2 penalty added to the gradient as λ·w (0 = none).</summary>
    public double WeightDecay { get; }
    /// <summary>Whether the step uses Nesterov momentum, g + μ·v, instead of v.</summary>
    public bool Nesterov { get; }

    /// <summary>SGD over <paramref name="parameters"/>, as torch.optim.SGD.</summary>
    /// <param name="parameters">The tensors to update: contiguous float32 leaves that require grad, e.g. <c>model.Parameters()</c>.</param>
    /// <param name="learningRate">α, the step size, positive.</param>
    /// <param name="momentum">μ, at least 0 (default 0: no momentum).</param>
    /// <param name="weightDecay">λ, the L2 penalty, at least 0 (default 0).</param>
    /// <param name="nesterov">Whether to use Nesterov momentum; needs momentum above 0 (default false).</param>
    /// <exception cref="ArgumentException">There are no parameters, one is not a contiguous float32 leaf that requires grad,
    /// or Nesterov is asked for without momentum.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is not positive, or momentum or weight decay is
    /// negative.</exception>
    public SGD(IEnumerable<Tensor> parameters, double learningRate, double momentum = 0, double weightDecay = 0, bool nesterov = false)
        : base(parameters, learningRate)
    {
        CheckNonNegative(momentum, nameof(momentum));
        CheckNonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && momentum == 0) throw new ArgumentException("SGD: Nesterov momentum needs momentum > 0");
        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        _velocity = new float[]?[Parameters.Count];
    }

    /// <inheritdoc/>
    protected override IEnumerable<string> BufferNames => Momentum != 0 ? ["momentum_buffer"] : [];

    /// <inheritdoc/>
    protected override float[]? GetBuffer(string name, int index) => _velocity[index];

    /// <inheritdoc/>
    protected override void SetBuffer(string name, int index, float[]? values) => _velocity[index] = values?.ToArray();

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> w, ReadOnlySpan<float> grad)
    {
        // torch.optim.SGD's order of operations, each a whole-span pass done in place:
        // g = grad + wd·w; v = mu·v + g (v = g on the first step); d = g + mu·v (Nesterov) or v; w -= lr·d.
        // Only weight decay and Nesterov need a buffer (for g and d); otherwise grad and v are used as they are.
        bool needsBuffer = WeightDecay != 0 || Nesterov;
        if (needsBuffer && _scratch.Length < w.Length) _scratch = new float[w.Length];
        var tmp = needsBuffer ? _scratch.AsSpan(0, w.Length) : default;
        float mu = (float)Momentum;
        ReadOnlySpan<float> g = grad;
        if (WeightDecay != 0)
        {
            TensorPrimitives.MultiplyAdd(w, (float)WeightDecay, grad, tmp);
            g = tmp;
        }
        if (Momentum != 0)
        {
            var v = _velocity[index];
            if (v is null) v = _velocity[index] = g.ToArray(); // first step: v = g, as in PyTorch
            else TensorPrimitives.MultiplyAdd(v, mu, g, v);
            if (Nesterov)
            {
                TensorPrimitives.MultiplyAdd(v, mu, g, tmp); // g + mu·v (tmp may already hold g: same span, allowed)
                g = tmp;
            }
            else g = v;
        }
        TensorPrimitives.MultiplyAdd(g, (float)-LearningRate, w, w);
    }
}
