namespace Hebb.Training;

/// <summary>
/// When and where a <see cref="Trainer"/> writes its <see cref="Checkpoint"/>s, and what goes in them besides what the
/// trainer knows (the model, the optimiser, the model's generators and its own position in the run).
/// </summary>
/// <param name="path">The checkpoint file; each save replaces it atomically.</param>
/// <param name="everySteps">Save after every this many optimisation steps (0: only when the run is stopped).</param>
public sealed class CheckpointPolicy(string path, int everySteps)
{
    /// <summary>The checkpoint file; each save replaces it atomically, so a crash leaves the last complete one.</summary>
    public string Path { get; } = !string.IsNullOrWhiteSpace(path)
        ? path
        : throw new ArgumentException("a checkpoint needs a file path", nameof(path));

    /// <summary>Save after every this many optimisation steps (0: only when the run is stopped).</summary>
    public int EverySteps { get; } = everySteps >= 0
        ? everySteps
        : throw new ArgumentOutOfRangeException(nameof(everySteps), $"checkpoint interval must be >= 0 steps, got {everySteps}");

    /// <summary>What run the checkpoints belong to (model configuration, data fingerprint, settings); a resume must match
    /// every entry (see <see cref="Checkpoint.CheckIdentity"/>).</summary>
    public IReadOnlyDictionary<string, string> Identity { get; init; } = new Dictionary<string, string>();

    /// <summary>Generators the model does not hold (such as the one that shuffles the data or draws batches), by name.</summary>
    public IReadOnlyDictionary<string, Generator> Generators { get; init; } = new Dictionary<string, Generator>();

    /// <summary>Adds the caller's own state (metrics so far, a carried recurrent state) to each checkpoint before it is
    /// written.</summary>
    public Action<Checkpoint>? OnSave { get; init; }

    /// <summary>The optimiser step of the last checkpoint written (0 before any).</summary>
    public int LastSavedStep { get; internal set; }
}
