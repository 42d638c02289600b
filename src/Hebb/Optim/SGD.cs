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
        if (WeightDecay == 0 && Momentum == 0)
        {
            TensorPrimitives.MultiplyAdd(grad, (float)-LearningRate, w, w); // plain SGD: one pass
            return;
        }
        if (_scratch.Length < w.Length) _scratch = new float[w.Length];
        var g = _scratch.AsSpan(0, w.Length);
        if (WeightDecay != 0) TensorPrimitives.MultiplyAdd(w, (float)WeightDecay, grad, g);
        else grad.CopyTo(g);
        if (Momentum != 0)
        {
            var v = _velocity[index];
            if (v is null)
            {
                v = _velocity[index] = g.ToArray(); // first step: v = g, as in PyTorch
            }
            else
            {
                TensorPrimitives.MultiplyAdd(v, (float)Momentum, g, v);
            }
            if (Nesterov) TensorPrimitives.MultiplyAdd(v, (float)Momentum, g, g); // g + mu·v
            else v.CopyTo(g);
        }
        TensorPrimitives.MultiplyAdd(g, (float)-LearningRate, w, w);
    }
}
