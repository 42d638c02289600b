using Hebb.Cli.Recipes;
using static Hebb.Cli.Program;
using Hebb.Training;
using Spectre.Console;

namespace Hebb.Cli.Commands;

/// <summary>Renders training: a progress bar per epoch (steps, loss, speed) on a terminal, and one line per epoch always.</summary>
internal static class EpochProgress
{
    public static T Run<T>(int epochs, Func<Action<StepInfo>, Action<EpochResult>, T> train)
    {
        void PrintEpoch(EpochResult e) => AnsiConsole.MarkupLine(
            $"epoch {e.Epoch,3}/{epochs}  train loss {e.TrainLoss:F4}" +
            (e.Validation is { } v ? $"  val loss {v.Loss:F4}  val accuracy {Percent(v.Accuracy)}" : "") +
            $"  test loss {e.Test.Loss:F4}  test accuracy [bold]{Percent(e.Test.Accuracy)}[/]  ({e.Seconds:F2} s)");

        if (!AnsiConsole.Profile.Capabilities.Interactive)
            return train(_ => { }, PrintEpoch);

        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(
                new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(),
                new SpinnerColumn())
            .Start(ctx =>
            {
                ProgressTask? task = null;
                int epoch = 1;
                var clock = System.Diagnostics.Stopwatch.StartNew();
                result = train(step =>
                {
                    task ??= ctx.AddTask($"epoch {epoch}", maxValue: step.StepsPerEpoch);
                    task.Value = step.Step;
                    if (step.Step % 20 == 0 || step.Step == step.StepsPerEpoch)
                        task.Description = $"epoch {epoch}/{epochs} step {step.Step}/{step.StepsPerEpoch} loss {step.Loss:F4} " +
                            $"{step.Step / clock.Elapsed.TotalSeconds:F0} steps/s";
                }, e =>
                {
                    task?.StopTask();
                    task = null;
                    epoch = e.Epoch + 1;
                    clock.Restart();
                    PrintEpoch(e);
                });
            });
        return result;
    }
}
