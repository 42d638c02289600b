using Hebb.Ops;

namespace Hebb.NN;

/// <summary>How a loss combines its per-element values (torch's reduction argument).</summary>
public enum Reduction
{
    /// <summary>The mean over all elements (the default).</summary>
    Mean,

    /// <summary>The sum over all elements.</summary>
    Sum,

    /// <summary>No reduction: the per-element losses, in the input's shape.</summary>
    None,
}

/// <summary>The losses as functions. Targets for classification are int32 class indices.</summary>
public static class Losses
{
    /// <summary>Mean squared error: mean over all elements of (input - target)² (torch's MSELoss).</summary>
    public static Tensor Mse(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckSameShape(input, target, "Mse");
        var d = input.Sub(target);
        var sq = d.Mul(d);
        return reduction switch
        {
            Reduction.Mean => sq.Mean(),
            Reduction.Sum => sq.Sum(),
            _ => sq,
        };
    }

    /// <summary>The squared-error cost: for each example the sum over outputs of (output - expected)², then the
    /// mean over the batch. E.g. Cost(3) = (0.43-0)² + (0.28-0)² + (0.19-0)² + (0.88-1)² + ...</summary>
    public static Tensor SquaredErrorCost(Tensor output, Tensor expected)
    {
        CheckSameShape(output, expected, "SquaredErrorCost");
        return SquaredErrorCostOp.Forward(output, expected);
    }

    /// <summary>Cross-entropy of logits (batch, classes) against class indices: mean of -log softmax(x)[t].</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets) => CrossEntropyOp.Forward(logits, targets);

    /// <summary>Negative log-likelihood of log-probabilities (batch, classes) against class indices.</summary>
    public static Tensor Nll(Tensor logProbs, Tensor targets)
    {
        if (logProbs.Rank != 2 || targets.Rank != 1 || targets.Size(0) != logProbs.Size(0))
            throw new ArgumentException("Nll: expects log-probabilities (batch, classes) and targets (batch), " +
                $"got {ShapeUtil.Format(logProbs.Shape)} and {ShapeUtil.Format(targets.Shape)}");
        return logProbs.Gather(1, targets.Unsqueeze(1)).Mean().Neg();
    }

    /// <summary>Binary cross-entropy from logits against targets in [0, 1] (stable; see the op).</summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor targets) =>
        BinaryCrossEntropyWithLogitsOp.Forward(logits, targets);

    /// <summary>The logistic-regression loss: mean of ln(1 + e^(-y·s)) for scores s = w·x and labels y
    /// in {-1, +1} (int32 or float, same shape as the scores), i.e. -mean ln σ(y·s). Stable for any score.</summary>
    public static Tensor Logistic(Tensor scores, Tensor labels) => LogisticLossOp.Forward(scores, labels);

    /// <summary>+1 where the class index equals <paramref name="positiveClass"/>, else -1, as float32: the labels of a
    /// one-against-the-rest question such as MNIST's "is it a 0".</summary>
    public static Tensor PlusMinusOne(Tensor labels, int positiveClass)
    {
        if (labels.DType != DType.Int32)
            throw new ArgumentException($"PlusMinusOne: labels must be int32 class indices, got {labels.DType.Name()}");
        var c = labels.Contiguous();
        var ids = c.Data<int>().AsSpan(c.Offset, c.Numel);
        var y = Tensor.Uninitialized(DType.Float32, (int[])labels.ShapeArray.Clone());
        var d = y.Data<float>();
        for (int i = 0; i < ids.Length; i++) d[i] = ids[i] == positiveClass ? 1f : -1f;
        return y;
    }

    /// <summary>One-hot float rows for int32 class indices: the "expected" output vectors of
    /// <see cref="SquaredErrorCost"/>.</summary>
    public static Tensor OneHot(Tensor labels, int classes, DType dtype = DType.Float32)
    {
        var ids = IndexOps.CheckedIndices(labels, classes, "OneHot");
        var y = Tensor.Zeros(dtype, ids.Length, classes);
        if (dtype == DType.Float32)
        {
            var d = y.Data<float>();
            for (int i = 0; i < ids.Length; i++) d[i * classes + ids[i]] = 1f;
        }
        else
        {
            var d = y.Data<double>();
            for (int i = 0; i < ids.Length; i++) d[i * classes + ids[i]] = 1.0;
        }
        return labels.Rank == 1 ? y : y.Reshape([.. labels.ShapeArray, classes]);
    }

    /// <summary>The L2 regularisation term lambda / (2N) · Σ ||w||², added to a loss: L'(w) = L(w) + this. N is the
    /// training-set size; only weights (tensors of rank >= 2) are penalised, not biases. Its gradient,
    /// (lambda / N) · w, is the same as SGD's weight decay of lambda / N.</summary>
    public static Tensor L2Penalty(IEnumerable<Tensor> parameters, double lambda, int n)
    {
        if (!(lambda >= 0) || n <= 0) throw new ArgumentException($"L2Penalty: need lambda >= 0 and N > 0, got lambda={lambda}, N={n}");
        Tensor? sum = null;
        foreach (var w in parameters)
        {
            if (w.Rank < 2) continue;
            var term = w.Mul(w).Sum();
            sum = sum is null ? term : sum.Add(term);
        }
        return sum is null ? Tensor.Scalar(0.0, DType.Float32) : sum.Mul(lambda / (2.0 * n));
    }

    private static void CheckSameShape(Tensor a, Tensor b, string op)
    {
        if (!ShapeUtil.SameShape(a.Shape, b.Shape))
            throw new ArgumentException(
                $"{op}: input {ShapeUtil.Format(a.Shape)} and target {ShapeUtil.Format(b.Shape)} must have the same shape");
    }
}
