using System.Numerics;

namespace Hebb.Kernels;

/// <summary>
/// The fused losses' loops over a batch (the ops, with their checks and backward nodes, are in Ops/:
/// CrossEntropy.cs, SquaredErrorCostOp.cs, BinaryCrossEntropyWithLogits.cs, LogisticLoss.cs). Each sums its
/// per-element terms in double, in index order; the op divides by the batch size.
/// </summary>
internal static class LossKernels
{
    /// <summary>Cross-entropy's total: -Σ_i logProbs[i, targets[i]] over rows of the given number of classes.</summary>
    public static double NegativeLogLikelihood<T>(ReadOnlySpan<T> logProbs, ReadOnlySpan<int> targets, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double total = 0;
        for (int i = 0; i < targets.Length; i++) total -= double.CreateTruncating(logProbs[i * classes + targets[i]]);
        return total;
    }

    /// <summary>Cross-entropy's backward, softmax(x) - onehot(t): 1 off each row's target class, in place.</summary>
    public static void SubtractOneHot<T>(Span<T> probs, ReadOnlySpan<int> targets, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < targets.Length; i++) probs[i * classes + targets[i]] -= T.One;
    }

    /// <summary>Σ_i (o_i - y_i)², each difference taken in double.</summary>
    public static double SquaredError<T>(ReadOnlySpan<T> o, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double total = 0;
        for (int i = 0; i < o.Length; i++)
        {
            double d = double.CreateTruncating(o[i]) - double.CreateTruncating(y[i]);
            total += d * d;
        }
        return total;
    }

    /// <summary>Σ_i max(x, 0) - x·y + log(1 + e^(-|x|)): binary cross-entropy on logits x, stable for any x.</summary>
    public static double BinaryCrossEntropyWithLogits(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double total = 0;
        for (int i = 0; i < x.Length; i++)
            total += Math.Max(x[i], 0) - x[i] * y[i] + Math.Log(1 + Math.Exp(-Math.Abs(x[i])));
        return total;
    }

    /// <summary>
    /// Σ_i softplus(-m_i) = max(-m, 0) + ln(1 + e^(-|m|)) with margins m = y s, for labels y in {-1, +1}.
    /// When <paramref name="coefficient"/> is not empty it receives each term's derivative -y σ(-m) (the backward
    /// needs nothing else).
    /// </summary>
    public static double Logistic<T>(ReadOnlySpan<double> s, ReadOnlySpan<double> y, Span<T> coefficient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool keep = !coefficient.IsEmpty;
        double total = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (y[i] != 1 && y[i] != -1)
                throw new ArgumentException($"Logistic: labels must be -1 or +1, found {y[i]} at flat index {i}");
            double m = y[i] * s[i];
            total += Math.Max(-m, 0) + Math.Log(1 + Math.Exp(-Math.Abs(m)));
            if (!keep) continue;
            double sigmoidNegM = m >= 0 ? Math.Exp(-m) / (1 + Math.Exp(-m)) : 1 / (1 + Math.Exp(m));
            double d = -y[i] * sigmoidNegM;
            coefficient[i] = T.CreateTruncating(d);
        }
        return total;
    }
}
