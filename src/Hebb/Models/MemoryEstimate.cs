using System.Globalization;
using Hebb.NN;

namespace Hebb.Models;

/// <summary>
/// About how much memory training a model takes, known before anything is allocated: 4 bytes per float for the weights,
/// their gradients and the optimiser's buffers, plus the activations a batch keeps for the backward pass (each layer's
/// output, the values its backward needs, and their gradients). <see cref="EnsureFits"/> refuses a run that cannot fit,
/// with the estimate, instead of letting it die of an out-of-memory error minutes in.
/// </summary>
public static class MemoryEstimate
{
    /// <summary>Bytes to train <paramref name="config"/> on batches of <paramref name="batchSize"/> samples (of
    /// <paramref name="sequenceLength"/> tokens for a language model) with an optimiser keeping
    /// <paramref name="optimizerBuffers"/> arrays per parameter (0 for plain SGD, 1 with momentum, 2 for Adam).</summary>
    public static (long Parameters, long Activations) TrainingBytes(IModelConfig config, long batchSize, int optimizerBuffers,
        long sequenceLength = 1)
    {
        ArgumentNullException.ThrowIfNull(config);
        long parameters = 4 * config.ParameterCount * (2 + optimizerBuffers);
        double perSample = config switch
        {
            MlpConfig m => 2.0 * m.Sizes[0] + 3.0 * m.Sizes.Skip(1).Sum(s => (double)s),
            LeNet5Config l => LeNetFloats(l),
            CharRnnConfig r => sequenceLength * (2.0 * r.EmbeddingDim
                + r.Layers * ((r.Cell switch { RecurrentCell.Lstm => 4, RecurrentCell.Gru => 3, _ => 1 }) * 3.0 * r.Hidden + 4.0 * r.Hidden)
                + 3.0 * r.VocabSize),
            GptConfig g => sequenceLength * (g.EmbeddingDim * (2.0 + 20.0 * g.Layers) + 3.0 * g.Layers * g.Heads * sequenceLength
                + 3.0 * g.VocabSize),
            _ => 0,
        };
        return (parameters, (long)Math.Min(4 * perSample * batchSize, long.MaxValue / 2));
    }

    // Each stage's output kept for backward and its gradient; the convolutions' unfolded inputs (5x5 patches) besides.
    private static double LeNetFloats(LeNet5Config l)
    {
        double s = l.ImageSize, half = Math.Floor(s / 2), inner = half - 4, side = Math.Floor(inner / 2);
        return 2.0 * l.InChannels * s * s + 25.0 * l.InChannels * s * s + 3 * 6 * s * s + 2 * 6 * half * half
            + 150 * inner * inner + 3 * 16 * inner * inner + 2 * 16 * side * side + 3.0 * (120 + 84 + l.Classes);
    }

    /// <summary>The memory this process may use: the machine's, or its container's limit.</summary>
    public static long AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Refuses a run whose estimate exceeds 90% of <see cref="AvailableBytes"/>.</summary>
    /// <param name="estimate">The estimate, from <see cref="TrainingBytes"/>.</param>
    /// <param name="advice">What to change, e.g. "use a smaller --batch-size or --hidden".</param>
    /// <exception cref="InsufficientMemoryException">The run cannot fit; the message gives the estimate and the memory.</exception>
    public static void EnsureFits((long Parameters, long Activations) estimate, string advice)
    {
        long total = estimate.Parameters + estimate.Activations, available = AvailableBytes;
        if (total <= available * 0.9) return;
        throw new InsufficientMemoryException(string.Create(CultureInfo.InvariantCulture,
            $"this run needs about {Size(total)} ({Size(estimate.Parameters)} for the weights, their gradients and the " +
            $"optimiser's state, {Size(estimate.Activations)} for a batch's activations), more than the {Size(available)} " +
            $"this machine has; {advice}"));
    }

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F1} GB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):F1} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KB"),
    };
}
