namespace Hebb.Optim;

/// <summary>Learning rate as a function of the step (or epoch) number, applied with <see cref="Apply"/>.</summary>
public abstract class LearningRateSchedule
{
    public abstract double At(int step);

    /// <summary>Sets the optimiser's learning rate for this step.</summary>
    public void Apply(Optimizer optimizer, int step) => optimizer.LearningRate = At(step);
}

/// <summary>baseLr · gamma^floor(step / stepSize) (torch's StepLR).</summary>
public sealed class StepSchedule(double baseLr, int stepSize, double gamma = 0.1) : LearningRateSchedule
{
    public override double At(int step)
    {
        if (stepSize <= 0) throw new InvalidOperationException($"StepSchedule: stepSize must be positive, got {stepSize}");
        return baseLr * Math.Pow(gamma, Math.Max(step, 0) / stepSize);
    }
}

/// <summary>Linear warm-up from 0 to maxLr over warmupSteps, then cosine decay to minLr at totalSteps
/// (nanoGPT's schedule); minLr after that.</summary>
public sealed class CosineWithWarmupSchedule(double maxLr, double minLr, int warmupSteps, int totalSteps) : LearningRateSchedule
{
    public override double At(int step)
    {
        if (warmupSteps < 0 || totalSteps <= warmupSteps || minLr > maxLr)
            throw new InvalidOperationException(
                $"CosineWithWarmupSchedule: need 0 <= warmup ({warmupSteps}) < total ({totalSteps}) and minLr <= maxLr");
        if (step < warmupSteps) return maxLr * (step + 1) / warmupSteps;
        if (step >= totalSteps) return minLr;
        double progress = (double)(step - warmupSteps) / (totalSteps - warmupSteps);
        return minLr + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (maxLr - minLr);
    }
}
