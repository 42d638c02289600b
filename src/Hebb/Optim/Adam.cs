namespace Hebb.Optim;

/// <summary>
/// Adam (Kingma and Ba, 2015) with bias correction:
/// m := b1·m + (1-b1)·g; v := b2·v + (1-b2)·g²; w := w - lr · m̂ / (sqrt(v̂) + eps).
/// weightDecay adds L2 to the gradient (coupled, as torch.optim.Adam); AdamW decays the weights directly.
/// </summary>
public class Adam : Optimizer
{
    private readonly float[][] _m, _v;

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }
    public double WeightDecay { get; }
    protected virtual bool DecoupledWeightDecay => false;

    public Adam(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0) : base(parameters, learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new ArgumentOutOfRangeException(nameof(beta1), $"Adam: betas must be in [0, 1), got ({beta1}, {beta2})");
        CheckNonNegative(epsilon, nameof(epsilon));
        CheckNonNegative(weightDecay, nameof(weightDecay));
        (Beta1, Beta2, Epsilon, WeightDecay) = (beta1, beta2, epsilon, weightDecay);
        _m = Parameters.Select(p => new float[p.Numel]).ToArray();
        _v = Parameters.Select(p => new float[p.Numel]).ToArray();
    }

    protected override void Update(int index, Span<float> w, ReadOnlySpan<float> grad)
    {
        var m = _m[index];
        var v = _v[index];
        int t = StepCount + 1;
        double lr = LearningRate;
        float b1 = (float)Beta1, b2 = (float)Beta2;
        float correction1 = (float)(1 - Math.Pow(Beta1, t));
        float sqrtCorrection2 = (float)Math.Sqrt(1 - Math.Pow(Beta2, t));
        float stepSize = (float)(lr / correction1);
        float eps = (float)Epsilon, wd = (float)WeightDecay;
        bool decoupled = DecoupledWeightDecay;
        for (int i = 0; i < w.Length; i++)
        {
            float g = grad[i];
            if (wd != 0)
            {
                if (decoupled) w[i] -= (float)lr * wd * w[i];
                else g += wd * w[i];
            }
            m[i] = b1 * m[i] + (1 - b1) * g;
            v[i] = b2 * v[i] + (1 - b2) * g * g;
            w[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) / sqrtCorrection2 + eps);
        }
    }
}

/// <summary>Adam with decoupled weight decay (Loshchilov and Hutter): w := w - lr·wd·w before the Adam step.</summary>
public sealed class AdamW(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
    double epsilon = 1e-8, double weightDecay = 1e-2) : Adam(parameters, learningRate, beta1, beta2, epsilon, weightDecay)
{
    protected override bool DecoupledWeightDecay => true;
}
