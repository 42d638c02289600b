using Hebb.Cli.Recipes;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hebb.Data;
using Hebb.IO;
using Hebb.Training;
using Spectre.Console;

namespace Hebb.Cli.Commands;

/// <summary>`hebb train text`: a next-character language model on any UTF-8 text (default: a character-level
/// LSTM on tinyshakespeare).</summary>
public static class TrainTextCommand
{
    public static Command Create()
    {
        // Options without a value take the defaults of the chosen --model (TextTrainingOptions.For): the
        // LSTM and the GPT differ in batch, learning rate, optimiser, schedule and steps.
        var lstm = TextTrainingOptions.For("lstm");
        var gpt = TextTrainingOptions.For("gpt");
        string Defaults(Func<TextTrainingOptions, object> field)
        {
            string a = Convert.ToString(field(lstm), CultureInfo.InvariantCulture)!,
                b = Convert.ToString(field(gpt), CultureInfo.InvariantCulture)!;
            return a == b ? $"default: {a}" : $"default: {a} for lstm/gru/rnn, {b} for gpt";
        }
        var data = new Option<string>("--data")
        {
            Description = "a UTF-8 text file, a folder holding input.txt, or a dataset name " +
                "(tinyshakespeare: found via $HEBB_DATASETS, the cache or a download)",
            DefaultValueFactory = _ => lstm.Data,
        };
        var model = new Option<string>("--model")
        {
            Description = $"network kind: {string.Join(", ", LanguageModelRecipe.ModelKinds.Keys)}", DefaultValueFactory = _ => lstm.Model,
        };
        model.AcceptOnlyFromAmong([.. LanguageModelRecipe.ModelKinds.Keys]);
        var hidden = new Option<int?>("--hidden") { Description = $"hidden size, lstm/gru/rnn only (default: {lstm.Hidden})" };
        var layers = new Option<int?>("--layers") { Description = $"stacked layers / transformer blocks ({Defaults(o => o.Layers)})" };
        var embedding = new Option<int?>("--embedding-dim", "--embd")
        {
            Description = $"size of the character embedding ({Defaults(o => o.EmbeddingDim)})",
        };
        var heads = new Option<int?>("--heads") { Description = $"attention heads per block, gpt only (default: {gpt.Heads})" };
        var dropout = new Option<double?>("--dropout") { Description = $"dropout ({Defaults(o => o.Dropout)})" };
        var block = new Option<int?>("--block")
        {
            Description = $"characters per training window; the GPT's context ({Defaults(o => o.Block)})",
        };
        var batch = new Option<int?>("--batch-size") { Description = $"windows per batch ({Defaults(o => o.BatchSize)})" };
        var steps = new Option<int?>("--steps") { Description = $"optimiser steps ({Defaults(o => o.Steps)})" };
        var lr = new Option<double?>("--lr")
        {
            Description = "learning rate: Adam constant for lstm/gru/rnn; " +
                $"AdamW peak of the warm-up + cosine schedule for gpt ({Defaults(o => o.LearningRate)})",
        };
        var clip = new Option<double?>("--clip")
        {
            Description = $"clip the global gradient norm to this, 0 = off ({Defaults(o => o.Clip)})",
        };
        var seed = new Option<int>("--seed") { Description = "seed for initialisation and batches", DefaultValueFactory = _ => lstm.Seed };
        var evalInterval = new Option<int?>("--eval-interval")
        {
            Description = $"steps between validation losses and samples ({Defaults(o => o.EvalInterval)})",
        };
        var tbptt = new Option<bool>("--tbptt")
        {
            Description = "truncated BPTT: consecutive chunks, state carried (detached) between steps",
        };
        var output = new Option<string?>("--out") { Description = "save the trained model here (.safetensors, with its vocabulary)" };
        var metrics = new Option<string?>("--metrics") { Description = "write final figures as JSON here" };

        var command = new Command(
            "text",
            "Train a character-level language model on a text (default: an LSTM of 256 units on tinyshakespeare; " +
            "--model gpt: a small GPT, nanoGPT's CPU configuration)")
        {
            data, model, hidden, layers, embedding, heads, dropout, block, batch, steps, lr, clip, seed, evalInterval, tbptt,
            output, metrics,
        };
        var checkpoints = new CheckpointOptions(command);
        command.SetAction(parse => Program.Guard(() =>
        {
            if (parse.GetValue(model) == "gpt") OptionRules.RefuseForModel(parse, "gpt", "--model lstm, gru or rnn", hidden, tbptt);
            else OptionRules.RefuseForModel(parse, parse.GetValue(model)!, "--model gpt", heads);
            var d = TextTrainingOptions.For(parse.GetValue(model)!);
            var options = d with
            {
                Data = parse.GetValue(data)!,
                Hidden = parse.GetValue(hidden) ?? d.Hidden,
                Layers = parse.GetValue(layers) ?? d.Layers,
                EmbeddingDim = parse.GetValue(embedding) ?? d.EmbeddingDim,
                Heads = parse.GetValue(heads) ?? d.Heads,
                Dropout = parse.GetValue(dropout) ?? d.Dropout,
                Block = parse.GetValue(block) ?? d.Block,
                BatchSize = parse.GetValue(batch) ?? d.BatchSize,
                Steps = parse.GetValue(steps) ?? d.Steps,
                LearningRate = parse.GetValue(lr) ?? d.LearningRate,
                Clip = parse.GetValue(clip) ?? d.Clip,
                Seed = parse.GetValue(seed),
                EvalInterval = parse.GetValue(evalInterval) ?? d.EvalInterval,
                Tbptt = parse.GetValue(tbptt),
            };
            // A short run with the GPT's schedule: the warm-up must fit, so it shrinks with --steps (nanoGPT needs warmup < max_iters too).
            if (options.Schedule == "cosine" && options.WarmupSteps >= options.Steps)
                options = options with { WarmupSteps = options.Steps / 20 };
            if (options.MinLearningRate > options.LearningRate)
                options = options with { MinLearningRate = options.LearningRate / 10 };
            using var stop = StopSignal.Listen();
            string outPath = parse.GetValue(output) ?? "";
            var control = checkpoints.Control(parse, (outPath.Length > 0 ? outPath : "hebb-text") + ".ckpt", stop.Token);
            return Run(options, parse.GetValue(output), parse.GetValue(metrics), control);
        }));
        return command;
    }

    private static int Run(TextTrainingOptions options, string? outPath, string? metricsPath, RunControl control)
    {
        options.Validate();
        OutputPath.CheckWritable(outPath, "--out");
        OutputPath.CheckWritable(metricsPath, "--metrics");
        var data = CharDataset.Load(options.Data);
        data.CheckBlock(options.Block);
        AnsiConsole.MarkupLine($"[bold]hebb[/] training a character model on {Markup.Escape(data.Source)}: " +
            $"{data.Train.Length:N0} training and {data.Validation.Length:N0} validation characters, " +
            $"vocabulary of {data.Vocabulary.Count}");
        string F(double v) => v.ToString(CultureInfo.InvariantCulture);
        string shape = options.Model == "gpt"
            ? $"gpt {options.Layers} layer(s) x {options.Heads} heads, embedding {options.EmbeddingDim}, dropout {F(options.Dropout)}"
            : $"{options.Model} hidden {options.Hidden} x {options.Layers} layer(s), embedding {options.EmbeddingDim}";
        string optimizer = options.Optimizer == "adamw"
            ? $"AdamW lr {F(options.LearningRate)} betas ({F(options.Beta1)}, {F(options.Beta2)}) weight decay {F(options.WeightDecay)}"
            : $"Adam lr {F(options.LearningRate)}";
        string schedule = options.Schedule == "cosine"
            ? $", {options.WarmupSteps} warm-up steps then cosine to {F(options.MinLearningRate)}"
            : "";
        AnsiConsole.MarkupLine(Markup.Escape(
            $"  {shape}, block {options.Block}, batch {options.BatchSize}, {optimizer}{schedule}, clip {F(options.Clip)}, " +
            $"{options.Steps} steps, seed {options.Seed}{(options.Tbptt ? ", truncated BPTT" : "")}"));

        if (control.Resume is { } resume)
            AnsiConsole.MarkupLine($"  resuming from {Markup.Escape(resume.Source!)} (step {resume.StepCount})");
        TextTrainingResult result;
        try
        {
            result = StepProgress.Run(options.Steps, (onStep, onEval) => LanguageModelRecipe.Run(options, data, onStep, onEval, control));
        }
        catch (TrainingInterruptedException stopped)
        {
            var config = LanguageModelRecipe.ModelKinds[options.Model](options, data.Vocabulary.Count);
            return TrainCommand.Stopped(stopped, outPath, () => new Dictionary<string, string>(config.ToMetadata())
            {
                ["tokenizer"] = "char", ["vocab"] = data.Vocabulary.Chars, ["dataset"] = data.Source,
            });
        }

        AnsiConsole.MarkupLine($"[green]validation loss {result.ValidationLoss:F4}[/], training loss {result.TrainLoss:F4}, " +
                               $"{result.Model.ParameterCount:N0} parameters, " +
                               $"{result.Seconds:F1} s ({1000 * result.TrainSeconds / result.Steps:F1} ms per training step)");
        if (outPath is not null)
        {
            ModelFile.Save(outPath, result.Model, result.Metadata(options, data.Source));
            AnsiConsole.MarkupLine($"saved model to {Markup.Escape(outPath)}");
        }
        else AnsiConsole.MarkupLine("the model was not saved (add --out FILE.safetensors to keep it)");
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
                ["block"] = options.Block,
                ["batch_size"] = options.BatchSize,
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
            AnsiConsole.MarkupLine($"step {e.Step,6}/{steps}  train loss {e.RecentTrainLoss:F4}  " +
                $"[bold]val loss {e.ValidationLoss:F4}[/]  ({e.Seconds:F1} s)");
            if (e.Sample.Length > 0)
                AnsiConsole.WriteLine("  | " + e.Sample.Replace("\r", "").Replace("\n", "\n  | "));
        }

        if (!AnsiConsole.Profile.Capabilities.Interactive)
            return train(_ => { }, PrintEval);

        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(
                new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(),
                new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: steps);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                result = train(step =>
                {
                    task.Value = step.Step;
                    if (step.Step % 10 == 0 || step.Step == steps)
                        task.Description =
                            $"step {step.Step}/{steps} loss {step.Loss:F4} {step.Step / clock.Elapsed.TotalSeconds:F1} steps/s";
                }, PrintEval);
            });
        return result;
    }
}
