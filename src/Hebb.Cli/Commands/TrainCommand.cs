using Hebb.Cli.Recipes;
using static Hebb.Cli.Program;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hebb.IO;
using Hebb.Models;
using Hebb.NN;
using Hebb.Training;
using Spectre.Console;

namespace Hebb.Cli.Commands;

/// <summary>`hebb train mnist|fashion-mnist|images`: trains an image classifier (by default the classic 784-16-16-10 sigmoid network,
/// or LeNet-5) on a named dataset or the user's own images; `hebb train text` (<see cref="TrainTextCommand"/>) trains a language
/// model.</summary>
public static class TrainCommand
{
    /// <summary>`train` itself only groups the subcommands: mnist, fashion-mnist, images (classifiers, same
    /// options) and text (language models, their own options).</summary>
    public static Command Create() => new(
        "train", "Train a network: an image classifier (mnist, fashion-mnist, your own images) or a character-level language model (text)")
    {
        CreateClassifier(
            "mnist",
            "Train a classifier on MNIST (default: the classic 784-16-16-10 sigmoid network; --model lenet5 for the CNN)"),
        CreateClassifier(
            "fashion-mnist",
            "Train a classifier on Fashion-MNIST (default: the classic 784-16-16-10 sigmoid network; --model lenet5 for the CNN)"),
        CreateClassifier(
            ClassifierData.ImagesDataset,
            "Train a classifier on your own images: --data DIR with train/<class>/*.png|jpg|bmp (and test/<class>/...) " +
            "or IDX files of any size",
            images: true),
        TrainTextCommand.Create(),
        TrainTableCommand.Create(),
    };

    /// <summary>A classifier subcommand; <paramref name="images"/> makes it read the user's folder (--data required) and
    /// take the image options.</summary>
    private static Command CreateClassifier(string datasetName, string description, bool images = false)
    {
        var model = new Option<string>("--model")
        {
            Description = "mlp (a multilayer perceptron, by default 784-16-16-10 with sigmoids) or lenet5 (a small CNN)",
            DefaultValueFactory = _ => "mlp",
        };
        model.AcceptOnlyFromAmong("mlp", "lenet5");
        var hidden = new Option<string>("--hidden")
        {
            Description = "MLP hidden layer sizes, comma-separated", DefaultValueFactory = _ => "16,16",
        };
        var activation = new Option<string>("--activation")
        {
            Description = "MLP activation: sigmoid, relu, tanh or gelu", DefaultValueFactory = _ => "sigmoid",
        };
        activation.AcceptOnlyFromAmong("sigmoid", "relu", "tanh", "gelu");
        var loss = new Option<string?>("--loss")
        {
            Description = "mse (squared-error cost against one-hot targets: sum of (a - y)², mean over the batch) " +
                "or ce (cross-entropy); " +
                "default mse for mlp, ce for lenet5",
        };
        loss.AcceptOnlyFromAmong("mse", "ce");
        var epochs = new Option<int>("--epochs")
        {
            Description = "passes over the training set (the most, with early stopping)", DefaultValueFactory = _ => 10,
        };
        var lr = new Option<double?>("--lr")
        {
            Description = "learning rate (default: 3.0 for SGD+mse, 0.5 for SGD+ce, 0.001 for Adam/AdamW, 0.003 for LeNet-5 with Adam)",
        };
        var batch = new Option<int?>("--batch-size") { Description = "minibatch size (default 100 for mlp, 64 for lenet5)" };
        var seed = new Option<int>("--seed")
        {
            Description = "seed for initialisation, dropout and shuffling", DefaultValueFactory = _ => 0,
        };
        var init = new Option<string>("--init")
        {
            Description = "MLP init: default, zeros, he, xavier (std sqrt(1/n_in)) or glorot", DefaultValueFactory = _ => "default",
        };
        init.AcceptOnlyFromAmong("default", "zeros", "he", "xavier", "glorot");
        var optimizer = new Option<string?>("--optimizer") { Description = "sgd, adam or adamw (default sgd for mlp, adam for lenet5)" };
        optimizer.AcceptOnlyFromAmong("sgd", "adam", "adamw");
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum", DefaultValueFactory = _ => 0 };
        var nesterov = new Option<bool>("--nesterov") { Description = "Nesterov momentum (SGD)" };
        var weightDecay = new Option<double>("--weight-decay")
        {
            Description = "weight decay in the optimiser: L2 on the gradient for sgd/adam, decoupled for adamw",
            DefaultValueFactory = _ => 0,
        };
        var l2 = new Option<double>("--l2")
        {
            Description = "L2 regularisation in the loss: + lambda/(2N)·||w||² with N the training images; this is lambda",
            DefaultValueFactory = _ => 0,
        };
        var dropout = new Option<double>("--dropout")
        {
            Description = "dropout after LeNet-5's hidden Linear layers", DefaultValueFactory = _ => 0,
        };
        var clip = new Option<double>("--clip")
        {
            Description = "scale the gradients so their global norm is at most this (0 = no clipping)", DefaultValueFactory = _ => 0,
        };
        var schedule = new Option<string?>("--schedule")
        {
            Description = "learning-rate schedule: none, step (x0.1 after each third) or cosine (to 0); " +
                "default none for mlp, cosine for lenet5",
        };
        schedule.AcceptOnlyFromAmong("none", "step", "cosine");
        var earlyStopping = new Option<int>("--early-stopping")
        {
            Description = "stop after this many epochs without a better validation loss, keep the best weights",
            DefaultValueFactory = _ => 0,
        };
        var valSplit = new Option<double?>("--val-split")
        {
            Description = "fraction of the training images held out for validation (default 0.1 with early stopping)",
        };
        var retrainFull = new Option<bool>("--retrain-full")
        {
            Description = "after early stopping, retrain on train + validation for the best epoch count",
        };
        var trainLimit = new Option<int>("--train-limit")
        {
            Description = "use only the first N training images (0 = all), for quick runs", DefaultValueFactory = _ => 0,
        };
        var data = new Option<string?>("--data")
        {
            Description = images
                ? "your dataset folder: train/<class>/ image folders (and test/<class>/), or IDX image and label files"
                : "folder with the dataset files (else $HEBB_DATASETS, the cache, or a download)",
            Required = images,
        };
        var imageSize = new Option<int?>("--image-size")
        {
            Description = "resize every image to N x N (default: keep the images' size, which must then be the same for all)",
        };
        var channels = new Option<int?>("--channels")
        {
            Description = "1 (grayscale) or 3 (RGB); default: 1 when every training image is grayscale, else 3",
        };
        channels.AcceptOnlyFromAmong("1", "3");
        var testSplit = new Option<double?>("--test-split")
        {
            Description = "with no test set in the folder: the fraction of the images held out to test, chosen with the seed " +
                "(default 0.2)",
        };
        var output = new Option<string?>("--out") { Description = "save the trained model here (.safetensors)" };
        var metrics = new Option<string?>("--metrics") { Description = "write final figures as JSON here" };

        var command = new Command(datasetName, description)
        {
            model, hidden, activation, loss, epochs, lr, batch, seed, init, optimizer, momentum, nesterov, weightDecay, l2, dropout,
            clip, schedule, earlyStopping, valSplit, retrainFull, trainLimit, data, output, metrics,
        };
        if (images)
        {
            command.Add(imageSize);
            command.Add(channels);
            command.Add(testSplit);
        }
        var checkpoints = new CheckpointOptions(command);
        command.SetAction(parse => Program.Guard(() =>
        {
            if (parse.GetValue(model) == "lenet5") OptionRules.RefuseForModel(parse, "lenet5", "--model mlp", hidden, activation, init);
            else OptionRules.RefuseForModel(parse, "mlp", "--model lenet5", dropout);
            var options = new ClassifierOptions
            {
                Dataset = datasetName,
                Model = parse.GetValue(model) == "lenet5" ? ModelKind.LeNet5 : ModelKind.Mlp,
                Hidden = ParseSizes(parse.GetValue(hidden)!),
                Activation = Activations.Parse(parse.GetValue(activation)!),
                Loss = parse.GetValue(loss) switch { "ce" => LossKind.CrossEntropy, "mse" => LossKind.Mse, _ => null },
                Epochs = parse.GetValue(epochs),
                LearningRate = parse.GetValue(lr),
                BatchSize = parse.GetValue(batch),
                Seed = parse.GetValue(seed),
                Init = Enum.Parse<InitScheme>(parse.GetValue(init)!, ignoreCase: true),
                Optimizer = parse.GetValue(optimizer) is string o ? Enum.Parse<OptimizerKind>(o, ignoreCase: true) : null,
                Momentum = parse.GetValue(momentum),
                Nesterov = parse.GetValue(nesterov),
                WeightDecay = parse.GetValue(weightDecay),
                L2 = parse.GetValue(l2),
                Dropout = parse.GetValue(dropout),
                Clip = parse.GetValue(clip),
                Schedule = parse.GetValue(schedule) is string s ? Enum.Parse<ScheduleKind>(s, ignoreCase: true) : null,
                EarlyStoppingPatience = parse.GetValue(earlyStopping),
                ValidationSplit = parse.GetValue(valSplit),
                RetrainFull = parse.GetValue(retrainFull),
                TrainLimit = parse.GetValue(trainLimit),
                DataPath = parse.GetValue(data),
            };
            var source = images
                ? new ImageSource(parse.GetValue(imageSize), parse.GetValue(channels), parse.GetValue(testSplit))
                : null;
            using var stop = StopSignal.Listen();
            string outPath = parse.GetValue(output) ?? "";
            var control = checkpoints.Control(
                parse, (outPath.Length > 0 ? outPath : $"hebb-{datasetName}") + ".ckpt", stop.Token);
            return Run(options, parse.GetValue(output), parse.GetValue(metrics), control, source);
        }));
        return command;
    }

    /// <summary>The options of `hebb train images` that say how the user's images are read.</summary>
    private sealed record ImageSource(int? ImageSize, int? Channels, double? TestSplit);

    private static int Run(ClassifierOptions options, string? outPath, string? metricsPath, RunControl control,
        ImageSource? images = null)
    {
        options.Validate();
        OutputPath.CheckWritable(outPath, "--out");
        OutputPath.CheckWritable(metricsPath, "--metrics");
        if (images?.ImageSize is <= 0) throw new ArgumentException($"--image-size must be positive, got {images.ImageSize}");
        if (images?.TestSplit is { } split && !(split > 0 && split < 1))
            throw new ArgumentException($"--test-split must be in (0, 1), got {split}");
        var data = images is null
            ? ClassifierData.Named(options.Dataset, options.DataPath, options.TrainLimit)
            : ClassifierData.Images(
                options.DataPath!, images.ImageSize, images.Channels, images.TestSplit, options.Seed, options.TrainLimit);
        var (train, test) = (data.Train, data.Test);
        options = options with { Classes = data.Input.ClassNames.Count };
        // Fails here, before any training, when LeNet-5 cannot take these images.
        var config = ClassifierRecipe.ConfigFor(options, train.SampleShape.ToArray());
        AnsiConsole.MarkupLine($"[bold]hebb[/] training on {Markup.Escape(data.Source)}: " +
            $"{train.Count:N0} training and {test.Count:N0} test images");
        foreach (var note in data.Notes) AnsiConsole.MarkupLine($"  {Markup.Escape(note)}");
        string network = config is MlpConfig mlp
            ? $"{string.Join("-", mlp.Sizes)}, {options.Activation.ToString().ToLowerInvariant()}"
            : "LeNet-5" + (options.Dropout > 0 ? $" with dropout {options.Dropout.ToString(CultureInfo.InvariantCulture)}" : "")
              + (images is null ? "" : $" on {string.Join("x", config.InputShape)} inputs, {config.Classes} classes");
        AnsiConsole.MarkupLine(
            $"  network {network}, loss {(options.EffectiveLoss == LossKind.Mse ? "mse (squared error)" : "cross-entropy")}, " +
            $"{options.EffectiveOptimizer.ToString().ToUpperInvariant()} " +
            $"lr {options.EffectiveLearningRate.ToString(CultureInfo.InvariantCulture)} " +
            $"schedule {options.EffectiveSchedule.ToString().ToLowerInvariant()}, batch {options.EffectiveBatchSize}, seed {options.Seed}");
        if (options.EarlyStoppingPatience > 0)
            AnsiConsole.MarkupLine(
                $"  early stopping: patience {options.EarlyStoppingPatience} " +
                $"on a validation split of {options.EffectiveValidationSplit.ToString(CultureInfo.InvariantCulture)}" +
                (options.RetrainFull ? ", then retraining on train + validation" : ""));

        if (control.Resume is { } resume)
            AnsiConsole.MarkupLine($"  resuming from {Markup.Escape(resume.Source!)} (step {resume.StepCount})");
        int planned = options.Epochs;
        ClassifierResult result;
        try
        {
            result = EpochProgress.Run(planned, (onStep, onEpoch) => ClassifierRecipe.Run(options, train, test, onStep, onEpoch, control));
        }
        catch (TrainingInterruptedException stopped)
        {
            return Stopped(stopped, outPath, () =>
            {
                var metadata = new Dictionary<string, string>(config.ToMetadata()) { ["dataset"] = options.Dataset };
                foreach (var (key, value) in data.Metadata()) metadata[key] = value;
                return metadata;
            });
        }

        if (result.BestEpoch is int best)
        {
            var kept = result.History[best - 1];
            AnsiConsole.MarkupLine((result.StoppedEarly ? $"stopped early after epoch {result.History.Count}; " : "") +
                                   $"best validation loss {kept.Validation!.Loss:F4} at epoch {best}" +
                                   (result.Retrain is null
                                       ? ", its weights restored"
                                       : $"; retrained on all {train.Count:N0} training images for {best} epochs"));
        }
        PrintConfusion(result.Test.Confusion, images is null ? null : data.Input.ClassNames);
        AnsiConsole.MarkupLine($"[green]test accuracy {Percent(result.Test.Accuracy)}[/] (error {Percent(1 - result.Test.Accuracy)}), " +
            $"test loss {result.Test.Loss:F4}, {result.Model.ParameterCount:N0} parameters, {result.Seconds:F1} s");
        if (options.Model == ModelKind.LeNet5 && options.Dataset == "mnist")
            AnsiConsole.MarkupLine("  LeCun et al. 1998 report 0.95% test error for LeNet-5 on MNIST");
        if (outPath is not null)
        {
            // The input pipeline travels with the model, so that a new image can be prepared as these were.
            var metadata = result.Metadata(options);
            foreach (var (key, value) in data.Metadata()) metadata[key] = value;
            ModelFile.Save(outPath, result.Model, metadata);
            AnsiConsole.MarkupLine($"saved model to {Markup.Escape(outPath)}");
        }
        else AnsiConsole.MarkupLine("the model was not saved (add --out FILE.safetensors to keep it)");
        if (metricsPath is not null)
        {
            var json = new Dictionary<string, object?>
            {
                ["model"] = result.Config.Kind,
                ["test_accuracy"] = result.Test.Accuracy,
                ["test_loss"] = result.Test.Loss,
                ["train_loss"] = (result.Retrain ?? result.History)[^1].TrainLoss,
                ["epochs"] = (result.Retrain ?? result.History).Count,
                ["best_epoch"] = result.BestEpoch,
                ["stopped_early"] = result.StoppedEarly,
                ["seconds"] = result.Seconds,
                ["epoch_seconds"] = (result.Retrain ?? result.History).Average(e => e.Seconds),
                ["parameters"] = result.Model.ParameterCount,
                ["seed"] = options.Seed,
                ["per_class_accuracy"] = Enumerable.Range(0, result.Test.Confusion.Classes)
                    .Select(result.Test.Confusion.ClassAccuracy).ToArray(),
                ["class_names"] = data.Input.ClassNames,
            };
            File.WriteAllText(metricsPath, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        return 0;
    }

    /// <summary>After the first Ctrl-C: says where the checkpoint went, saves the model as it stands when --out was given,
    /// and exits with 130 (the shell's code for an interrupted program).</summary>
    internal static int Stopped(TrainingInterruptedException stopped, string? outPath, Func<Dictionary<string, string>> metadata)
    {
        AnsiConsole.MarkupLine($"stopped after step {stopped.Step}");
        if (stopped.CheckpointPath is { } checkpoint)
            AnsiConsole.MarkupLine($"checkpoint written to {Markup.Escape(checkpoint)} (continue with the same command and " +
                $"--resume {Markup.Escape(checkpoint)})");
        if (outPath is not null)
        {
            var meta = metadata();
            meta["stopped_at_step"] = stopped.Step.ToString(CultureInfo.InvariantCulture);
            ModelFile.Save(outPath, stopped.Model, meta);
            AnsiConsole.MarkupLine($"saved the model as it stands to {Markup.Escape(outPath)}");
        }
        return 130;
    }

    /// <summary>Rows are true classes, columns predictions; the last column is the class's accuracy. With
    /// <paramref name="names"/>, each row also names its class.</summary>
    internal static void PrintConfusion(ConfusionMatrix confusion, IReadOnlyList<string>? names = null)
    {
        var table = new Table { Title = new TableTitle("confusion matrix (rows: true class, columns: predicted)") };
        table.AddColumn("true");
        for (int c = 0; c < confusion.Classes; c++)
            table.AddColumn(new TableColumn(c.ToString(CultureInfo.InvariantCulture)).RightAligned());
        table.AddColumn(new TableColumn("accuracy").RightAligned());
        for (int t = 0; t < confusion.Classes; t++)
        {
            string row = t.ToString(CultureInfo.InvariantCulture);
            if (names is not null && names[t] != row) row += " " + Markup.Escape(names[t]);
            var cells = new List<string> { row };
            for (int p = 0; p < confusion.Classes; p++)
                cells.Add(p == t ? $"[bold]{confusion[t, p]}[/]" : confusion[t, p].ToString(CultureInfo.InvariantCulture));
            double acc = confusion.ClassAccuracy(t);
            cells.Add(double.IsNaN(acc) ? "-" : Percent(acc));
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
    }

    internal static int[] ParseSizes(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] <= 0)
                throw new ArgumentException($"--hidden: '{parts[i]}' is not a positive layer size (expected e.g. 16,16)");
        return sizes;
    }
}
