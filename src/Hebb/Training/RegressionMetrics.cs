namespace Hebb.Training;

/// <summary>How close a regression's predictions are to the truth, as scikit-learn's r2_score and root_mean_squared_error.</summary>
public static class RegressionMetrics
{
    /// <summary>The coefficient of determination, 1 - Σ(y - ŷ)² / Σ(y - ȳ)²: 1 is perfect, 0 is as good as predicting the
    /// mean of <paramref name="truth"/>, below 0 worse than that.</summary>
    /// <exception cref="ArgumentException">The arrays are empty or of different lengths.</exception>
    public static double RSquared(IReadOnlyList<double> truth, IReadOnlyList<double> predicted)
    {
        Check(truth, predicted);
        double mean = truth.Average(), residual = 0, total = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            residual += (truth[i] - predicted[i]) * (truth[i] - predicted[i]);
            total += (truth[i] - mean) * (truth[i] - mean);
        }
        return total == 0 ? (residual == 0 ? 1 : 0) : 1 - residual / total; // scikit-learn's convention for a constant truth
    }

    /// <summary>The root of the mean squared error, in the target's units.</summary>
    /// <exception cref="ArgumentException">The arrays are empty or of different lengths.</exception>
    public static double Rmse(IReadOnlyList<double> truth, IReadOnlyList<double> predicted)
    {
        Check(truth, predicted);
        double sum = 0;
        for (int i = 0; i < truth.Count; i++) sum += (truth[i] - predicted[i]) * (truth[i] - predicted[i]);
        return Math.Sqrt(sum / truth.Count);
    }

    private static void Check(IReadOnlyList<double> truth, IReadOnlyList<double> predicted)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        if (truth.Count == 0 || truth.Count != predicted.Count)
            throw new ArgumentException($"need as many predictions as true values, at least one; got {predicted.Count} and {truth.Count}");
    }
}
