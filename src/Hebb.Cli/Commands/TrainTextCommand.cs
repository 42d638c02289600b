using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hebb.Data;
using Hebb.IO;
using Hebb.Training;
using Spectre.Console;

namespace Hebb.Cli.Commands;

/// <summary>`hebb train text`: a next-character language model on any UTF-8 text (default: the W3 char-LSTM on tinyshakespeare).</summary>
public static class TrainTextCommand
{
    public static Command Create()
    {
        var defaults = new TextTrainingOptions();
        var data = new Option<string>("--data") { Description = "a UTF-8 text file, a folder holding input.txt, or a dataset name (tinyshakespeare: found via $HEBB_DATASETS, the cache or a download)", DefaultValueFactory = _ => defaults.Data };
        var model = new Option<string>("--model") { Description = $"network kind: {string.Join(", ", LanguageModelRecipe.ModelKinds.Keys)}", DefaultValueFactory = _ => defaults.Model };
        model.AcceptOnlyFromAmong([.. LanguageModelRecipe.ModelKinds.Keys]);
        var hidden = new Option<int>("--hidden") { Description = "hidden size", DefaultValueFactory = _ => defaults.Hidden };
        var layers = new Option<int>("--layers") { Description = "stacked layers", DefaultValueFactory = _ => defaults.Layers };
        var embedding = new Option<int>("--embedding-dim") { Description = "size of the character embedding", DefaultValueFactory = _ => defaults.EmbeddingDim };
        var dropout = new Option<double>("--dropout") { Description = "dropout between stacked layers", DefaultValueFactory = _ => defaults.Dropout };
        var block = new Option<int>("--block") { Description = "characters per training window", DefaultValueFactory = _ => defaults.Block };
        var batch = new Option<int>("--batch-size") { Description = "windows per batch", DefaultValueFactory = _ => defaults.BatchSize };
        var steps = new Option<int>("--steps") { Description = "optimiser steps", DefaultValueFactory = _ => defaults.Steps };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => defaults.LearningRate };
        var clip = new Option<double>("--clip") { Description = "clip the global gradient norm to this (0 = off)", DefaultValueFactory = _ => defaults.Clip };
        var seed = new Option<int>("--seed") { Description = "seed for initialisation and batches", DefaultValueFactory = _ => defaults.Seed };
        var evalInterval = new Option<int>("--eval-interval") { Description = "steps between validation losses and samples", DefaultValueFactory = _ => defaults.EvalInterval };
        var tbptt = new Option<bool>("--tbptt") { Description = "truncated BPTT: consecutive chunks, state carried (detached) between steps" };
        var output = new Option<string?>("--out") { Description = "save the trained model here (.safetensors, with its vocabulary)" };
        var metrics = new Option<string?>("--metrics") { Description = "write final figures as JSON here" };

        var command = new Command("text", "Train a character-level language model on a text (default: LSTM 256 on tinyshakespeare, the W3 configuration)")
        {
            data, model, hidden, layers, embedding, dropout, block, batch, steps, lr, clip, seed, evalInterval, tbptt, output, metrics,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            var options = new TextTrainingOptions
            {
                Data = parse.GetValue(data)!,
                Model = parse.GetValue(model)!,
                Hidden = parse.GetValue(hidden),
                Layers = parse.GetValue(layers),
                EmbeddingDim = parse.GetValue(embedding),
                Dropout = parse.GetValue(dropout),
                Block = parse.GetValue(block),
                BatchSize = parse.GetValue(batch),
                Steps = parse.GetValue(steps),
                LearningRate = parse.GetValue(lr),
                Clip = parse.GetValue(clip),
                Seed = parse.GetValue(seed),
                EvalInterval = parse.GetValue(evalInterval),
                Tbptt = parse.GetValue(tbptt),
            };
            return Run(options, parse.GetValue(output), parse.GetValue(metrics));
        }));
        return command;
    }

    private static int Run(TextTrainingOptions options, string? outPath, string? metricsPath)
    {
        options.Validate();
        TrainCommand.CheckWritable(outPath, "--out");
        TrainCommand.CheckWritable(metricsPath, "--metrics");
        var data = CharDataset.Load(options.Data);
        data.CheckBlock(options.Block);
        AnsiConsole.MarkupLine($"[bold]hebb[/] training a character model on {Markup.Escape(data.Source)}: {data.Train.Length:N0} training and {data.Validation.Length:N0} validation characters, vocabulary of {data.Vocabulary.Count}");
        AnsiConsole.MarkupLine($"  {options.Model} hidden {options.Hidden} x {options.Layers} layer(s), embedding {options.EmbeddingDim}, block {options.Block}, batch {options.BatchSize}, " +
                               $"Adam lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, clip {options.Clip.ToString(CultureInfo.InvariantCulture)}, {options.Steps} steps, seed {options.Seed}{(options.Tbptt ? ", truncated BPTT" : "")}");

        var result = StepProgress.Run(options.Steps, (onStep, onEval) => LanguageModelRecipe.Run(options, data, onStep, onEval));

        AnsiConsole.MarkupLine($"[green]validation loss {result.ValidationLoss:F4}[/], training loss {result.TrainLoss:F4}, {result.Model.ParameterCount:N0} parameters, " +
                               $"{result.Seconds:F1} s ({1000 * result.TrainSeconds / result.Steps:F1} ms per training step)");
        if (outPath is not null)
        {
            ModelFile.Save(outPath, result.Model, result.Metadata(options, data.Source));
            AnsiConsole.MarkupLine($"saved model to {Markup.Escape(outPath)}");
        }
        if (metricsPath is not null)
        {
            var json = new Dictionary<string, object>
            {
                ["val_loss"] = result.ValidationLoss,
                ["train_loss"] = result.TrainLoss,
                ["steps"] = result.Steps,
                ["seconds"] = result.Seconds,
                ["train_seconds"] = result.TrainSeconds,
                ["ms_per_step"] = 1000 * result.TrainSeconds / result.Steps,
                ["parameters"] = result.Model.ParameterCount,
                ["model"] = options.Model,
                ["seed"] = options.Seed,
                ["eval_batches"] = options.EvalBatches,
            };
            File.WriteAllText(metricsPath, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        return 0;
    }
}

/// <summary>Renders step-based training: a progress bar on a terminal, and each evaluation (losses and a sample) always.</summary>
internal static class StepProgress
{
    public static T Run<T>(int steps, Func<Action<StepInfo>, Action<TextEvaluation>, T> train)
    {
        void PrintEval(TextEvaluation e)
        {
            AnsiConsole.MarkupLine($"step {e.Step,6}/{steps}  train loss {e.RecentTrainLoss:F4}  [bold]val loss {e.ValidationLoss:F4}[/]  ({e.Seconds:F1} s)");
            if (e.Sample.Length > 0)
                AnsiConsole.WriteLine("  | " + e.Sample.Replace("\r", "").Replace("\n", "\n  | "));
        }

        if (!AnsiConsole.Profile.Capabilities.Interactive)
            return train(_ => { }, PrintEval);

        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: steps);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                result = train(step =>
                {
                    task.Value = step.Step;
                    if (step.Step % 10 == 0 || step.Step == steps)
                        task.Description = $"step {step.Step}/{steps} loss {step.Loss:F4} {step.Step / clock.Elapsed.TotalSeconds:F1} steps/s";
                }, PrintEval);
            });
        return result;
    }
}
