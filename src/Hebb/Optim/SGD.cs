using System.Numerics.Tensors;

namespace Hebb.Optim;

/// <summary>
/// Stochastic gradient descent, w := w - alpha · grad L(w), with optional momentum (as torch.optim.SGD:
/// v := mu·v + g; w := w - alpha·v, or with Nesterov w := w - alpha·(g + mu·v)) and L2 weight decay
/// (g += lambda·w, the gradient of the seed's lambda/(2N)·||w||² term with lambda/N folded into weightDecay).
/// </summary>
public sealed class SGD : Optimizer
{
    private readonly float[]?[] _velocity;
    private float[] _scratch = [];

    public double Momentum { get; }
    public double WeightDecay { get; }
    public bool Nesterov { get; }

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
