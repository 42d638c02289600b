using System.Text.Json;
using Hebb.Training;

namespace Hebb.Cli.Recipes;

/// <summary>An <see cref="EpochResult"/> as a checkpoint keeps it (JSON), so a resumed run reports every epoch.</summary>
internal sealed record EpochRecord(int Epoch, double TrainLoss, EvaluationRecord? Validation, EvaluationRecord Test, double Seconds)
{
    public static string Format(IEnumerable<EpochResult> history) => JsonSerializer.Serialize(history.Select(e =>
        new EpochRecord(e.Epoch, e.TrainLoss, EvaluationRecord.From(e.Validation), EvaluationRecord.From(e.Test)!, e.Seconds)));

    /// <exception cref="InvalidDataException">The text is not a history this class wrote.</exception>
    public static IEnumerable<EpochResult> Parse(string json) => CheckpointHistory.Read<EpochRecord, EpochResult>(json,
        r => new EpochResult(r.Epoch, r.TrainLoss, r.Validation?.ToEvaluation(), r.Test.ToEvaluation(), r.Seconds));
}

/// <summary>A recipe's history of epochs read back from a checkpoint: JSON records, each turned back into a result.</summary>
internal static class CheckpointHistory
{
    /// <exception cref="InvalidDataException">The text is not a history of <typeparamref name="TRecord"/>.</exception>
    public static List<TResult> Read<TRecord, TResult>(string json, Func<TRecord, TResult> restore)
    {
        try
        {
            return [.. (JsonSerializer.Deserialize<List<TRecord>>(json) ?? []).Select(restore)];
        }
        catch (Exception e) when (e is JsonException or ArgumentException or NullReferenceException)
        {
            throw new InvalidDataException($"the checkpoint's history of epochs cannot be read: {e.Message}", e);
        }
    }
}

/// <summary>An <see cref="Evaluation"/> with its confusion counts, as JSON.</summary>
internal sealed record EvaluationRecord(double Loss, double Accuracy, int Count, long[][] Confusion)
{
    public static EvaluationRecord? From(Evaluation? e) => e is null ? null : new(e.Loss, e.Accuracy, e.Count, e.Confusion.ToArray());

    public Evaluation ToEvaluation() => new(Loss, Accuracy, Count, new ConfusionMatrix(Confusion));
}
