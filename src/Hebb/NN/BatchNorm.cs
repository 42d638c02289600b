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
    /// <summary>C, the number of channels (dim 1 of the input), each normalised on its own.</summary>
    public int NumFeatures { get; }
    /// <summary>Added to the variance before the square root, for numerical stability (default 1e-5).</summary>
    public double Epsilon { get; }
    /// <summary>The current batch's weight in the running statistics' update, running := (1 - momentum)·running +
    /// momentum·batch (default 0.1, as PyTorch; unrelated to an optimiser's momentum).</summary>
    public double Momentum { get; }
    /// <summary>The per-channel scale γ, shape (C), starting at 1; registered as "weight".</summary>
    public Tensor Weight { get; }
    /// <summary>The per-channel shift β, shape (C), starting at 0; registered as "bias".</summary>
    public Tensor Bias { get; }
    /// <summary>The running mean of each channel, shape (C), starting at 0: a buffer ("running_mean"), saved
    /// with the model but not trained, used in eval mode.</summary>
    public Tensor RunningMean { get; }
    /// <summary>The running unbiased variance of each channel, shape (C), starting at 1: a buffer ("running_var")
    /// used in eval mode.</summary>
    public Tensor RunningVar { get; }

    /// <summary>Creates γ, β and the running statistics for <paramref name="numFeatures"/> channels.</summary>
    /// <param name="numFeatures">C, the number of channels.</param>
    /// <param name="epsilon">Added to the variance for numerical stability.</param>
    /// <param name="momentum">The current batch's weight in the running statistics' update, in [0, 1].</param>
    /// <exception cref="ArgumentException"><paramref name="numFeatures"/> is not positive.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="momentum"/> is outside [0, 1].</exception>
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

    /// <summary>Whether an input of rank <paramref name="rank"/> is accepted (2 or 3 for BatchNorm1d, 4 for BatchNorm2d).</summary>
    protected abstract bool AcceptsRank(int rank);

    /// <summary>Normalises an input (N, C, ...) per channel, with the batch's statistics in training mode (also
    /// updating the running ones) and with the running statistics in eval mode; the output has the input's shape.</summary>
    /// <exception cref="ArgumentException">The rank is wrong, dim 1 is not <see cref="NumFeatures"/>, or in
    /// training a channel has only one value.</exception>
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

    /// <inheritdoc/>
    protected override string ExtraRepr => $"{NumFeatures}, eps={Epsilon}, momentum={Momentum}";
}

/// <summary>Batch normalisation of (N, C) or (N, C, L) inputs, per channel over N (and L), as torch.nn.BatchNorm1d.</summary>
/// <param name="numFeatures">C, the number of channels.</param>
/// <param name="epsilon">Added to the variance for numerical stability (default 1e-5).</param>
/// <param name="momentum">The current batch's weight in the running statistics' update, in [0, 1] (default 0.1).</param>
public sealed class BatchNorm1d(int numFeatures, double epsilon = 1e-5, double momentum = 0.1) : BatchNorm(numFeatures, epsilon, momentum)
{
    /// <inheritdoc/>
    protected override bool AcceptsRank(int rank) => rank is 2 or 3;
}

/// <summary>Batch normalisation of (N, C, H, W) images, per channel over N, H and W, as torch.nn.BatchNorm2d.</summary>
/// <param name="numFeatures">C, the number of channels.</param>
/// <param name="epsilon">Added to the variance for numerical stability (default 1e-5).</param>
/// <param name="momentum">The current batch's weight in the running statistics' update, in [0, 1] (default 0.1).</param>
public sealed class BatchNorm2d(int numFeatures, double epsilon = 1e-5, double momentum = 0.1) : BatchNorm(numFeatures, epsilon, momentum)
{
    /// <inheritdoc/>
    protected override bool AcceptsRank(int rank) => rank == 4;
}
