using Hebb.NN;

namespace Hebb.Training;

/// <summary>A run was asked to stop (<see cref="Trainer.Cancellation"/>, the command-line tool's Ctrl-C): it finished the
/// step in progress, wrote a checkpoint when it had a <see cref="Trainer.Checkpoints"/> policy, and stopped.</summary>
public sealed class TrainingInterruptedException : OperationCanceledException
{
    /// <summary>Describes a stop after step <paramref name="step"/>.</summary>
    /// <param name="model">The model, with the weights after that step.</param>
    /// <param name="step">The last optimisation step completed.</param>
    /// <param name="checkpointPath">The checkpoint written, or null.</param>
    public TrainingInterruptedException(Module model, int step, string? checkpointPath)
        : base($"training stopped after step {step}" + (checkpointPath is null ? "" : $"; checkpoint written to {checkpointPath}"))
    {
        Model = model;
        Step = step;
        CheckpointPath = checkpointPath;
    }

    /// <summary>The model, with the weights after <see cref="Step"/>.</summary>
    public Module Model { get; }

    /// <summary>The last optimisation step completed.</summary>
    public int Step { get; }

    /// <summary>The checkpoint written when the run stopped, or null without a checkpoint policy.</summary>
    public string? CheckpointPath { get; }
}
