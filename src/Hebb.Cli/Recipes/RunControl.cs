using Hebb.Training;

namespace Hebb.Cli.Recipes;

/// <summary>
/// What keeps a run safe, for every recipe: where checkpoints go and how often, the checkpoint to continue from, and
/// the token that stops the run (the first Ctrl-C). Resuming without a new checkpoint path keeps writing to the
/// checkpoint resumed from.
/// </summary>
public sealed record RunControl
{
    /// <summary>The default interval between checkpoints, in optimisation steps.</summary>
    public const int DefaultEvery = 100;

    /// <summary>The checkpoint file to write (null: none, unless resuming).</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Optimisation steps between checkpoints.</summary>
    public int CheckpointEvery { get; init; } = DefaultEvery;

    /// <summary>The checkpoint to continue from, or null for a fresh run.</summary>
    public Checkpoint? Resume { get; init; }

    /// <summary>Where the checkpoint goes when the run is stopped and neither <see cref="CheckpointPath"/> nor
    /// <see cref="Resume"/> names one (null: no checkpoint then).</summary>
    public string? StopPath { get; init; }

    /// <summary>Stops the run after the step in progress, with a last checkpoint.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Whether this run writes or reads checkpoints.</summary>
    public bool Checkpointing => CheckpointPath is not null || Resume is not null;

    /// <summary>A network's configuration in one line ("kind=mlp, sizes=784,16,10, ..."), for a checkpoint's identity.</summary>
    public static string Describe(Models.IModelConfig config) =>
        string.Join(", ", config.ToMetadata().OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    /// <summary>The trainer's checkpoint policy for a run of this identity, or null when the run writes none.</summary>
    public CheckpointPolicy? Policy(IReadOnlyDictionary<string, string> identity, IReadOnlyDictionary<string, Generator> generators,
        Action<Checkpoint> onSave)
    {
        string? path = CheckpointPath ?? Resume?.Source ?? StopPath;
        int every = Checkpointing ? CheckpointEvery : 0; // the fallback is written only on a stop
        return path is null
            ? null
            : new CheckpointPolicy(path, every) { Identity = identity, Generators = generators, OnSave = onSave };
    }
}
