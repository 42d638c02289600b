using Hebb.Autograd;
using Hebb.Models;
using Hebb.NN;

namespace Hebb.Training;

/// <summary>
/// Picking the next token from logits, and generating text with any <see cref="ILanguageModel"/>.
/// Probabilities use the seed's softmax with temperature T: p_i = e^(x_i/T) / sum_j e^(x_j/T);
/// T = 0 means greedy (the argmax, the limit T -> 0); top-k keeps only the k largest logits.
/// </summary>
public static class Sampling
{
    public static void CheckTemperature(double temperature)
    {
        if (!(temperature >= 0) || double.IsInfinity(temperature))
            throw new ArgumentException($"--temperature must be a finite number >= 0 (0 = always the most likely token), got {temperature}");
    }

    public static void CheckTopK(int topK)
    {
        if (topK < 0) throw new ArgumentException($"--top-k must be >= 0 (0 = all tokens), got {topK}");
    }

    /// <summary>p_i = e^(x_i/T) / sum_j e^(x_j/T) over the kept tokens (all, or the top k), 0 elsewhere.
    /// Computed with the largest logit subtracted first, which changes nothing but avoids overflow.</summary>
    public static double[] Probabilities(ReadOnlySpan<float> logits, double temperature, int topK = 0)
    {
        CheckTemperature(temperature);
        CheckTopK(topK);
        if (temperature == 0) throw new ArgumentException("temperature 0 has no distribution: it means greedy argmax (see Next)");
        var keep = Kept(logits, topK);
        double max = double.NegativeInfinity;
        for (int i = 0; i < logits.Length; i++) if (keep[i]) max = Math.Max(max, logits[i]);
        var p = new double[logits.Length];
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
            if (keep[i]) sum += p[i] = Math.Exp((logits[i] - max) / temperature);
        for (int i = 0; i < p.Length; i++) p[i] /= sum;
        return p;
    }

    /// <summary>The next token: the argmax when temperature is 0, else a draw from <see cref="Probabilities"/>.</summary>
    public static int Next(ReadOnlySpan<float> logits, double temperature, int topK, Generator generator)
    {
        CheckTemperature(temperature);
        CheckTopK(topK);
        if (logits.Length == 0) throw new ArgumentException("no logits to sample from");
        if (temperature == 0)
        {
            int best = 0;
            for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
            return best;
        }
        var p = Probabilities(logits, temperature, topK);
        double u = generator.NextDouble(), acc = 0;
        int last = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] == 0) continue;
            acc += p[i];
            last = i;
            if (u < acc) return i;
        }
        return last; // u fell in the rounding gap above the last cumulative sum
    }

    private static bool[] Kept(ReadOnlySpan<float> logits, int topK)
    {
        var keep = new bool[logits.Length];
        if (topK == 0 || topK >= logits.Length)
        {
            Array.Fill(keep, true);
            return keep;
        }
        // The k largest; ties broken by the lower index, so the choice is deterministic.
        var order = Enumerable.Range(0, logits.Length).ToArray();
        var values = logits.ToArray();
        Array.Sort(order, (a, b) => values[b] != values[a] ? values[b].CompareTo(values[a]) : a.CompareTo(b));
        for (int i = 0; i < topK; i++) keep[order[i]] = true;
        return keep;
    }

    /// <summary>
    /// Continues <paramref name="prompt"/> by <paramref name="length"/> tokens (returned without the prompt).
    /// A recurrent model reads the prompt once and then one token per step, carrying its state; any
    /// other model reruns on the last MaxContext tokens for each new token. Runs in eval mode, no graph.
    /// </summary>
    public static int[] Generate(ILanguageModel model, IReadOnlyList<int> prompt, int length, double temperature, int topK, Generator generator)
    {
        CheckTemperature(temperature);
        CheckTopK(topK);
        if (length < 0) throw new ArgumentException($"--length must be >= 0, got {length}");
        if (prompt.Count == 0) throw new ArgumentException("--prompt must not be empty: the model needs at least one character to start from");
        var module = model as Module;
        bool wasTraining = module?.Training ?? false;
        module?.Eval();
        try
        {
            using var _ = GradMode.NoGrad();
            var context = new List<int>(prompt);
            var result = new int[length];
            RecurrentState? state = null;
            Tensor? logits = null;
            for (int n = 0; n < length; n++)
            {
                if (model is IRecurrentLanguageModel recurrent)
                {
                    int[] feed = n == 0 ? [.. context] : [context[^1]];
                    (logits, state) = recurrent.Forward(Tensor.FromArray(feed, 1, feed.Length), state);
                }
                else
                {
                    int window = Math.Min(context.Count, model.MaxContext ?? int.MaxValue);
                    logits = model.Forward(Tensor.FromArray(context.GetRange(context.Count - window, window).ToArray(), 1, window));
                }
                var last = logits.Narrow(1, logits.Size(1) - 1, 1).Reshape(-1).ToArray<float>();
                result[n] = Next(last, temperature, topK, generator);
                context.Add(result[n]);
            }
            return result;
        }
        finally
        {
            module?.Train(wasTraining);
        }
    }
}
