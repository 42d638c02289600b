using Hebb.Autograd;

namespace Hebb.NN;

/// <summary>
/// Batch normalisation over the channel dim (dim 1): y = (x - mean) / sqrt(var + eps) · weight + bias.
/// Training uses the batch's statistics (biased variance) and updates the running ones
/// (running := (1 - momentum)·running + momentum·batch, with the unbiased variance, as PyTorch);
/// eval mode uses the running statistics. BatchNorm1d takes (N, C) or (N, C, L); BatchNorm2d (N, C, H, W).
/// </summary>
public abstract class BatchNorm : Module
{
    public int NumFeatures { get; }
    public double Epsilon { get; }
    public double Momentum { get; }
    public Tensor Weight { get; }
    public Tensor Bias { get; }
    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }

    protected BatchNorm(int numFeatures, double epsilon, double momentum)
    {
        if (numFeatures <= 0) throw new ArgumentException($"{GetType().Name}: numFeatures must be positive, got {numFeatures}");
        if (!(momentum >= 0 && momentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), $"momentum must be in [0, 1], got {momentum}");
        (NumFeatures, Epsilon, Momentum) = (numFeatures, epsilon, momentum);
        Weight = RegisterParameter("weight", Tensor.Ones(numFeatures));
        Bias = RegisterParameter("bias", Tensor.Zeros(numFeatures));
        RunningMean = RegisterBuffer("running_mean", Tensor.Zeros(numFeatures));
        RunningVar = RegisterBuffer("running_var", Tensor.Ones(numFeatures));
    }

    protected abstract bool AcceptsRank(int rank);

    public override Tensor Forward(Tensor input)
    {
        if (!AcceptsRank(input.Rank) || input.Size(1) != NumFeatures)
            throw new ArgumentException($"{GetType().Name}({NumFeatures}): input of shape {ShapeUtil.Format(input.Shape)} " +
                $"does not have {NumFeatures} channels in dim 1 (or has the wrong rank)");
        // Statistics over every dim but the channels (1), broadcast back as (1, C, 1, ...).
        var dims = new int[input.Rank - 1];
        var shape = new int[input.Rank];
        for (int d = 0, k = 0; d < input.Rank; d++)
        {
            shape[d] = d == 1 ? NumFeatures : 1;
            if (d != 1) dims[k++] = d;
        }
        Tensor mean, variance;
        if (Training)
        {
            int count = input.Numel / NumFeatures;
            if (count < 2)
                throw new ArgumentException(
                    $"{GetType().Name}: training needs more than one value per channel, got input {ShapeUtil.Format(input.Shape)}");
            mean = input.Mean(dims, keepDim: true);
            variance = input.Var(dims, keepDim: true, correction: 0);
            using (GradMode.NoGrad())
            {
                RunningMean.CopyFrom(RunningMean.Mul(1 - Momentum).Add(mean.Reshape(NumFeatures).Mul(Momentum)));
                RunningVar.CopyFrom(RunningVar.Mul(1 - Momentum).Add(variance.Reshape(NumFeatures).Mul(Momentum * count / (count - 1.0))));
            }
        }
        else
        {
            mean = RunningMean.Reshape(shape);
            variance = RunningVar.Reshape(shape);
        }
        var normalised = input.Sub(mean).Div(variance.Add(Epsilon).Sqrt());
        return normalised.Mul(Weight.Reshape(shape)).Add(Bias.Reshape(shape));
    }

    protected override string ExtraRepr => $"{NumFeatures}, eps={Epsilon}, momentum={Momentum}";
}

public sealed class BatchNorm1d(int numFeatures, double epsilon = 1e-5, double momentum = 0.1) : BatchNorm(numFeatures, epsilon, momentum)
{
    protected override bool AcceptsRank(int rank) => rank is 2 or 3;
}

public sealed class BatchNorm2d(int numFeatures, double epsilon = 1e-5, double momentum = 0.1) : BatchNorm(numFeatures, epsilon, momentum)
{
    protected override bool AcceptsRank(int rank) => rank == 4;
}
