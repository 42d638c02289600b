namespace Hebb.Optim;

/// <summary>Learning rate as a function of the step (or epoch) number, applied with <see cref="Apply"/>.</summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate for step <paramref name="step"/> (0-based).</summary>
    public abstract double At(int step);

    /// <summary>Sets the optimiser's learning rate for this step.</summary>
    public void Apply(Optimizer optimizer, int step) => optimizer.LearningRate = At(step);
}

/// <summary>baseLr · gamma^floor(step / stepSize) (torch's StepLR).</summary>
/// <param name="baseLr">The learning rate of the first stepSize steps.</param>
/// <param name="stepSize">How many steps (or epochs) each rate lasts, positive.</param>
/// <param name="gamma">The factor applied every stepSize steps (default 0.1).</param>
public sealed class StepSchedule(double baseLr, int stepSize, double gamma = 0.1) : LearningRateSchedule
{
    /// <summary>baseLr · gamma^floor(step / stepSize); a negative step counts as 0.</summary>
    /// <exception cref="InvalidOperationException">stepSize is not positive.</exception>
    public override double At(int step)
    {
        if (stepSize <= 0) throw new InvalidOperationException($"StepSchedule: stepSize must be positive, got {stepSize}");
        return baseLr * Math.Pow(gamma, Math.Max(step, 0) / stepSize);
    }
}

/// <summary>Linear warm-up from 0 to maxLr over warmupSteps, then cosine decay to minLr at totalSteps
/// (nanoGPT's schedule); minLr after that.</summary>
/// <param name="maxLr">The peak learning rate, reached at the end of the warm-up.</param>
/// <param name="minLr">The final learning rate, at most maxLr.</param>
/// <param name="warmupSteps">The length of the linear warm-up, at least 0 and below totalSteps.</param>
/// <param name="totalSteps">The step at which the cosine decay reaches minLr.</param>
public sealed class CosineWithWarmupSchedule(double maxLr, double minLr, int warmupSteps, int totalSteps) : LearningRateSchedule
{
    /// <summary>The rate at <paramref name="step"/>: warming up, decaying, or minLr from totalSteps on.</summary>
    /// <exception cref="InvalidOperationException">The schedule's settings are inconsistent (warmup negative or not
    /// below totalSteps, or minLr above maxLr).</exception>
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
