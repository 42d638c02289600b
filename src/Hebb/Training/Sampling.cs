using Hebb.Autograd;
using Hebb.Models;
using Hebb.NN;

namespace Hebb.Training;

/// <summary>
/// Picking the next token from logits, and generating text with any <see cref="ILanguageModel"/>.
/// Probabilities use the softmax with temperature T: p_i = e^(x_i/T) / sum_j e^(x_j/T);
/// T = 0 means greedy (the argmax, the limit T -> 0); top-k keeps only the k largest logits.
/// </summary>
public static class Sampling
{
    /// <summary>Refuses a temperature that is negative, NaN or infinite; 0 (greedy) is allowed.</summary>
    /// <exception cref="ArgumentException">The temperature is not a finite number of at least 0.</exception>
    public static void CheckTemperature(double temperature)
    {
        if (!(temperature >= 0) || double.IsInfinity(temperature))
            throw new ArgumentException(
                $"--temperature must be a finite number >= 0 (0 = always the most likely token), got {temperature}");
    }

    /// <summary>Refuses a negative top-k; 0 means every token.</summary>
    /// <exception cref="ArgumentException"><paramref name="topK"/> is negative.</exception>
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
        var p = new double[logits.Length];
        new Sampler().FillProbabilities(logits, temperature, topK, p);
        return p;
    }

    /// <summary>The next token: the argmax when temperature is 0, else a draw from <see cref="Probabilities"/>.</summary>
    public static int Next(ReadOnlySpan<float> logits, double temperature, int topK, Generator generator)
    {
        CheckTemperature(temperature);
        CheckTopK(topK);
        return new Sampler().Next(logits, temperature, topK, generator);
    }

    /// <summary>
    /// Continues <paramref name="prompt"/> by <paramref name="length"/> tokens (returned without the prompt).
    /// A recurrent model reads the prompt once and then one token per step, carrying its state; any
    /// model with a key-value cache (a GPT) reads the prompt once and then one position per token, until the context
    /// fills its block size, from where it rereads the last MaxContext tokens for each new one, as an uncached model
    /// does for every token (<paramref name="useCache"/> false forces that). Runs in eval mode, no graph.
    /// </summary>
    public static int[] Generate(
        ILanguageModel model, IReadOnlyList<int> prompt, int length, double temperature, int topK, Generator generator,
        bool useCache = true)
    {
        CheckTemperature(temperature);
        CheckTopK(topK);
        if (length < 0) throw new ArgumentException($"--length must be >= 0, got {length}");
        if (prompt.Count == 0)
            throw new ArgumentException("--prompt must not be empty: the model needs at least one character to start from");
        var module = model as Module;
        bool wasTraining = module?.Training ?? false;
        module?.Eval();
        try
        {
            using var _ = GradMode.NoGrad();
            var context = new List<int>(prompt);
            var result = new int[length];
            var sampler = new Sampler(); // its buffers serve every token
            RecurrentState? state = null;
            Tensor? logits = null;
            var cached = useCache ? model as ICachedLanguageModel : null;
            var cache = cached?.NewCache();
            for (int n = 0; n < length; n++)
            {
                // A step's tensors go back to the pool at its end (a recurrent state lives on to the next step: not pooled).
                using var step = model is IRecurrentLanguageModel ? null : TensorScope.Begin();
                if (model is IRecurrentLanguageModel recurrent)
                {
                    int[] feed = n == 0 ? [.. context] : [context[^1]];
                    (logits, state) = recurrent.Forward(Tensor.FromArray(feed, 1, feed.Length), state);
                }
                else if (cached is not null && context.Count <= (model.MaxContext ?? int.MaxValue))
                {
                    // The prompt once, then only the newest token: what the cache does not hold yet.
                    int[] feed = context.GetRange(cache!.Length, context.Count - cache.Length).ToArray();
                    logits = cached.Forward(Tensor.FromArray(feed, 1, feed.Length), cache);
                }
                else
                {
                    // Past the block size the window slides: every position moves, so a cache is of no use.
                    int window = Math.Min(context.Count, model.MaxContext ?? int.MaxValue);
                    logits = model.Forward(Tensor.FromArray(context.GetRange(context.Count - window, window).ToArray(), 1, window));
                }
                // The last position's logits, read in place (a contiguous row) rather than copied out.
                var last = logits.Narrow(1, logits.Size(1) - 1, 1).Reshape(-1).Contiguous();
                last.RequireDType(DType.Float32, "Generate");
                result[n] = sampler.Next(last.Data<float>().AsSpan(last.Offset, last.Numel), temperature, topK, generator);
                context.Add(result[n]);
            }
            return result;
        }
        finally
        {
            module?.Train(wasTraining);
        }
    }

    /// <summary>Picks tokens from logits whose temperature and top-k the caller has checked, reusing its
    /// buffers from one token to the next (they grow to the largest vocabulary seen).</summary>
    private sealed class Sampler : IComparer<int>
    {
        private double[] _p = [];
        private bool[] _keep = [];
        private int[] _order = [];
        private float[] _values = [];

        public int Next(ReadOnlySpan<float> logits, double temperature, int topK, Generator generator)
        {
            if (logits.Length == 0) throw new ArgumentException("no logits to sample from");
            if (temperature == 0)
            {
                int best = 0;
                for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
                return best;
            }
            if (_p.Length < logits.Length) _p = new double[logits.Length];
            var p = _p.AsSpan(0, logits.Length);
            FillProbabilities(logits, temperature, topK, p);
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

        /// <summary>Writes every p_i (0 for the tokens top-k drops) into <paramref name="p"/>.</summary>
        public void FillProbabilities(ReadOnlySpan<float> logits, double temperature, int topK, Span<double> p)
        {
            var keep = Kept(logits, topK);
            double max = double.NegativeInfinity;
            for (int i = 0; i < logits.Length; i++) if (keep[i]) max = Math.Max(max, logits[i]);
            p.Clear();
            double sum = 0;
            for (int i = 0; i < logits.Length; i++)
                if (keep[i]) sum += p[i] = Math.Exp((logits[i] - max) / temperature);
            for (int i = 0; i < p.Length; i++) p[i] /= sum;
        }

        private Span<bool> Kept(ReadOnlySpan<float> logits, int topK)
        {
            int n = logits.Length;
            if (_keep.Length < n) _keep = new bool[n];
            var keep = _keep.AsSpan(0, n);
            if (topK == 0 || topK >= n)
            {
                keep.Fill(true);
                return keep;
            }
            keep.Clear();
            // The k largest; ties broken by the lower index (Compare), so the choice is deterministic.
            if (_order.Length < n) (_order, _values) = (new int[n], new float[n]);
            for (int i = 0; i < n; i++) _order[i] = i;
            logits.CopyTo(_values);
            Array.Sort(_order, 0, n, this);
            for (int i = 0; i < topK; i++) keep[_order[i]] = true;
            return keep;
        }

        /// <summary>Larger logit first; equal logits by index.</summary>
        public int Compare(int a, int b) => _values[b] != _values[a] ? _values[b].CompareTo(_values[a]) : a.CompareTo(b);
    }
}
