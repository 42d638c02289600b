namespace Hebb.Training;

/// <summary>Counts[truth, predicted] over a labelled set; accuracy overall and per class follow from it.</summary>
public sealed class ConfusionMatrix
{
    private readonly long[,] _counts;

    /// <summary>The number of classes: the matrix is Classes × Classes.</summary>
    public int Classes { get; }
    /// <summary>The number of samples added so far.</summary>
    public long Total { get; private set; }

    /// <summary>An empty matrix for <paramref name="classes"/> classes.</summary>
    /// <exception cref="ArgumentException"><paramref name="classes"/> is not positive.</exception>
    public ConfusionMatrix(int classes)
    {
        if (classes <= 0) throw new ArgumentException($"ConfusionMatrix: classes must be positive, got {classes}");
        Classes = classes;
        _counts = new long[classes, classes];
    }

    /// <summary>A matrix with the given counts: <paramref name="counts"/>[truth][predicted] (as <see cref="ToArray"/> gives).</summary>
    /// <exception cref="ArgumentException">The counts are not square, or one is negative.</exception>
    public ConfusionMatrix(long[][] counts) : this(counts.Length)
    {
        for (int t = 0; t < Classes; t++)
        {
            if (counts[t].Length != Classes)
                throw new ArgumentException($"ConfusionMatrix: row {t} has {counts[t].Length} counts, not {Classes}");
            for (int p = 0; p < Classes; p++)
            {
                if (counts[t][p] < 0) throw new ArgumentException($"ConfusionMatrix: count [{t}][{p}] is negative");
                _counts[t, p] = counts[t][p];
                Total += counts[t][p];
            }
        }
    }

    /// <summary>The counts as rows: [truth][predicted].</summary>
    public long[][] ToArray() =>
        Enumerable.Range(0, Classes).Select(t => Enumerable.Range(0, Classes).Select(p => _counts[t, p]).ToArray()).ToArray();

    /// <summary>How many samples of class <paramref name="truth"/> were predicted as <paramref name="predicted"/>.</summary>
    public long this[int truth, int predicted] => _counts[truth, predicted];

    /// <summary>Counts each pair (truth[i], predicted[i]): the labels of a batch and the model's answers.</summary>
    /// <exception cref="ArgumentException">The spans differ in length, or a class is outside 0..Classes - 1.</exception>
    public void Add(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
    {
        if (truth.Length != predicted.Length)
            throw new ArgumentException($"ConfusionMatrix: {truth.Length} labels but {predicted.Length} predictions");
        for (int i = 0; i < truth.Length; i++)
        {
            if ((uint)truth[i] >= (uint)Classes || (uint)predicted[i] >= (uint)Classes)
                throw new ArgumentException(
                    $"ConfusionMatrix: label {truth[i]} or prediction {predicted[i]} at position {i} is outside 0..{Classes - 1}");
            _counts[truth[i], predicted[i]]++;
        }
        Total += truth.Length;
    }

    /// <summary>The samples predicted as their own class: the sum of the diagonal.</summary>
    public long Correct
    {
        get
        {
            long c = 0;
            for (int i = 0; i < Classes; i++) c += _counts[i, i];
            return c;
        }
    }

    /// <summary>Correct / Total, in [0, 1]; 0 before anything is added.</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary>Of the samples whose label is c, the fraction predicted as c (recall); NaN when c never occurs.</summary>
    public double ClassAccuracy(int c)
    {
        long row = 0;
        for (int j = 0; j < Classes; j++) row += _counts[c, j];
        return row == 0 ? double.NaN : (double)_counts[c, c] / row;
    }
}
