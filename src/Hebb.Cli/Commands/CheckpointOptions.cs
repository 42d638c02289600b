using System.CommandLine;
using Hebb.Cli.Recipes;
using Hebb.Training;

namespace Hebb.Cli.Commands;

/// <summary>--checkpoint, --checkpoint-every and --resume, the same for every `hebb train` command.</summary>
internal sealed class CheckpointOptions
{
    private readonly Option<string?> _path = new("--checkpoint")
    {
        Description = "write the whole training state here (weights, optimiser, random generators, data position, metrics), " +
            "replacing it atomically, so a crash loses at most --checkpoint-every steps",
    };
    private readonly Option<int> _every = new("--checkpoint-every")
    {
        Description = "steps between checkpoints", DefaultValueFactory = _ => RunControl.DefaultEvery,
    };
    private readonly Option<string?> _resume = new("--resume")
    {
        Description = "continue the run saved in this checkpoint (same command, same settings); " +
            "the run ends exactly as if it had never stopped",
    };

    /// <summary>Adds the three options to <paramref name="command"/>.</summary>
    public CheckpointOptions(Command command)
    {
        command.Options.Add(_path);
        command.Options.Add(_every);
        command.Options.Add(_resume);
    }

    /// <summary>The run's control from the command line. Without --checkpoint, a stopped run still leaves a checkpoint:
    /// in the file it resumed from, else in <paramref name="fallback"/>.</summary>
    public RunControl Control(ParseResult parse, string fallback, CancellationToken cancellation)
    {
        int every = parse.GetValue(_every);
        if (every < 1) throw new ArgumentException($"--checkpoint-every must be at least 1 step, got {every}");
        if (OptionRules.Given(parse, _every) && parse.GetValue(_path) is null && parse.GetValue(_resume) is null)
            throw new ArgumentException("--checkpoint-every needs --checkpoint FILE (where to write them)");
        string? path = parse.GetValue(_path);
        if (path is not null) IO.OutputPath.CheckWritable(path, "--checkpoint");
        var resume = parse.GetValue(_resume) is { } from ? Checkpoint.Load(from) : null;
        return new RunControl
        {
            CheckpointPath = path,
            CheckpointEvery = every,
            Resume = resume,
            StopPath = fallback,
            Cancellation = cancellation,
        };
    }
}
