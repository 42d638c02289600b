namespace Hebb.Models;

/// <summary>What a perceptron run did: whether an epoch went by without a mistake, and the path it took.</summary>
/// <param name="Converged">true when a full pass over the rows made no mistake.</param>
/// <param name="Epochs">passes made (including the final mistake-free one when it converged).</param>
/// <param name="Updates">how many times the rule changed w.</param>
/// <param name="Weights">the final w, bias weight first: [w0 (bias input 1), w1, w2, ...].</param>
/// <param name="Visited">every weight vector the rule held, in order, starting with the initial zeros.</param>
/// <param name="CycleFrom">when the weights at the start of epoch <paramref name="CycleTo"/> equal those at the start of
/// the earlier epoch CycleFrom (both 1-based): the rule is deterministic, so it repeats those epochs forever and can
/// never converge (the perceptron cycling theorem made concrete). Null when no repeat was seen.</param>
/// <param name="CycleTo">see CycleFrom.</param>
public sealed record PerceptronResult(
    bool Converged, int Epochs, int Updates, double[] Weights, IReadOnlyList<double[]> Visited, int? CycleFrom, int? CycleTo);

/// <summary>
/// Rosenblatt's perceptron in its classic form: weights w over the inputs plus a bias input fixed at 1;
/// for each row, if sign(w·x_n) != y_n then w &lt;- w + y_n·x_n; repeat over the set until no mistakes.
/// Labels are -1 or +1. sign(0) is taken as 0, which equals neither label, so a row exactly on the
/// boundary counts as a mistake (mistake iff y·w·x &lt;= 0); that makes the first row update w = 0.
/// Rows are visited in the given order every epoch (no shuffling), so a run is fully determined.
/// </summary>
public sealed class Perceptron
{
    private readonly double[] _w;

    /// <summary>A perceptron over <paramref name="inputs"/> inputs, every weight (the bias weight too) starting at 0.</summary>
    /// <exception cref="ArgumentException"><paramref name="inputs"/> is not positive.</exception>
    public Perceptron(int inputs)
    {
        if (inputs <= 0) throw new ArgumentException($"Perceptron: needs at least one input, got {inputs}");
        Inputs = inputs;
        _w = new double[inputs + 1];
    }

    /// <summary>The number of inputs, not counting the bias input.</summary>
    public int Inputs { get; }

    /// <summary>The current weights, bias weight first (a copy).</summary>
    public double[] Weights => (double[])_w.Clone();

    /// <summary>w·x with the bias input 1 prepended to x.</summary>
    public double Score(ReadOnlySpan<double> x)
    {
        if (x.Length != Inputs) throw new ArgumentException($"Perceptron: expected {Inputs} inputs, got {x.Length}");
        return Score(_w, x);
    }

    /// <summary>sign(w·x): +1, -1, or 0 exactly on the boundary.</summary>
    public int Predict(ReadOnlySpan<double> x) => Math.Sign(Score(x));

    /// <summary>Applies the rule for up to <paramref name="maxEpochs"/> passes over the rows (from the current weights).</summary>
    public PerceptronResult Fit(IReadOnlyList<double[]> inputs, IReadOnlyList<int> labels, int maxEpochs = 100)
    {
        if (inputs.Count == 0 || inputs.Count != labels.Count)
            throw new ArgumentException("Perceptron.Fit: needs as many labels as rows (and at least one), " +
                $"got {inputs.Count} rows and {labels.Count} labels");
        if (maxEpochs <= 0) throw new ArgumentException($"Perceptron.Fit: maxEpochs must be positive, got {maxEpochs}");
        for (int n = 0; n < inputs.Count; n++)
        {
            if (inputs[n].Length != Inputs)
                throw new ArgumentException($"Perceptron.Fit: row {n} has {inputs[n].Length} inputs, expected {Inputs}");
            if (labels[n] is not (1 or -1))
                throw new ArgumentException($"Perceptron.Fit: label of row {n} is {labels[n]}, must be -1 or +1");
        }

        var visited = new List<double[]> { Weights };
        var epochStarts = new List<double[]>();
        int updates = 0;
        (int From, int To)? cycle = null;
        for (int epoch = 1; epoch <= maxEpochs; epoch++)
        {
            // The same weights at the start of two epochs mean the same pass again, and again: a cycle.
            // Noted (the first time) but the run goes on to the limit, as a user of the rule would see it.
            if (cycle is null)
            {
                int earlier = epochStarts.FindIndex(w => w.AsSpan().SequenceEqual(_w));
                if (earlier >= 0) cycle = (earlier + 1, epoch);
                else epochStarts.Add(Weights);
            }

            bool mistake = false;
            for (int n = 0; n < inputs.Count; n++)
            {
                int y = labels[n];
                if (Math.Sign(Score(_w, inputs[n])) == y) continue;
                // w <- w + y·x, with x = (1, x_1, ..., x_d).
                _w[0] += y;
                for (int i = 0; i < Inputs; i++) _w[i + 1] += y * inputs[n][i];
                updates++;
                mistake = true;
                visited.Add(Weights);
            }
            if (!mistake) return new PerceptronResult(true, epoch, updates, Weights, visited, null, null);
        }
        return new PerceptronResult(false, maxEpochs, updates, Weights, visited, cycle?.From, cycle?.To);
    }

    /// <summary>True when y·(w·x) &gt; 0 for every row: w (bias weight first) separates the rows.</summary>
    public static bool Separates(ReadOnlySpan<double> weights, IReadOnlyList<double[]> inputs, IReadOnlyList<int> labels)
    {
        for (int n = 0; n < inputs.Count; n++)
            if (labels[n] * Score(weights, inputs[n]) <= 0) return false;
        return true;
    }

    private static double Score(ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        if (w.Length != x.Length + 1) throw new ArgumentException($"Perceptron: {w.Length - 1} weights (plus bias) for {x.Length} inputs");
        double s = w[0];
        for (int i = 0; i < x.Length; i++) s += w[i + 1] * x[i];
        return s;
    }
}

/// <summary>The classic logic gates (McCulloch-Pitts: OR, AND, NOT; and XOR, which one layer cannot learn).</summary>
public enum Gate
{
    /// <summary>x1 AND x2: true only when both inputs are 1.</summary>
    And,

    /// <summary>x1 OR x2: true when either input is 1.</summary>
    Or,

    /// <summary>NOT x: one input, true when it is 0.</summary>
    Not,

    /// <summary>x1 XOR x2: true when exactly one input is 1. Not linearly separable, so one perceptron never learns it.</summary>
    Xor,
}

/// <summary>The logic gates' truth tables, as training sets for a <see cref="Perceptron"/>.</summary>
public static class LogicGates
{
    /// <summary>The gate called <paramref name="name"/>: and, or, not or xor, in any case, surrounding spaces ignored.</summary>
    /// <exception cref="ArgumentException">The name is none of these.</exception>
    public static Gate Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "and" => Gate.And,
        "or" => Gate.Or,
        "not" => Gate.Not,
        "xor" => Gate.Xor,
        _ => throw new ArgumentException($"unknown gate '{name}' (expected and, or, not or xor)"),
    };

    /// <summary>The truth table with inputs in {0, 1} and outputs as -1 (false) / +1 (true), rows in counting order.
    /// NOT has one input, the others two.</summary>
    public static (double[][] Inputs, int[] Labels) TruthTable(Gate gate)
    {
        if (gate == Gate.Not) return ([[0], [1]], [1, -1]);
        double[][] inputs = [[0, 0], [0, 1], [1, 0], [1, 1]];
        Func<bool, bool, bool> f = gate switch
        {
            Gate.And => (a, b) => a && b,
            Gate.Or => (a, b) => a || b,
            Gate.Xor => (a, b) => a != b,
            _ => throw new ArgumentOutOfRangeException(nameof(gate), gate, "unknown gate"),
        };
        var labels = inputs.Select(r => f(r[0] == 1, r[1] == 1) ? 1 : -1).ToArray();
        return (inputs, labels);
    }
}
