using static Hebb.Cli.Program;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hebb.IO;
using Hebb.NN;
using Hebb.Training;
using Spectre.Console;

namespace Hebb.Cli.Commands;

/// <summary>`hebb train mnist|fashion-mnist`: trains an MLP classifier (the seed network by default);
/// `hebb train text` (<see cref="TrainTextCommand"/>) trains a language model.</summary>
public static class TrainCommand
{
    /// <summary>`train` itself only groups the subcommands: mnist, fashion-mnist (classifiers, same
    /// options) and text (language models, their own options).</summary>
    public static Command Create() => new("train", "Train a network: an image classifier (mnist, fashion-mnist) or a character-level language model (text)")
    {
        CreateClassifier("mnist", "Train an MLP classifier on MNIST (default: the seed network 784-16-16-10)"),
        CreateClassifier("fashion-mnist", "Train an MLP classifier on Fashion-MNIST"),
        TrainTextCommand.Create(),
    };

    private static Command CreateClassifier(string datasetName, string description)
    {
        var hidden = new Option<string>("--hidden") { Description = "hidden layer sizes, comma-separated", DefaultValueFactory = _ => "16,16" };
        var activation = new Option<string>("--activation") { Description = "sigmoid, relu, tanh or gelu", DefaultValueFactory = _ => "sigmoid" };
        activation.AcceptOnlyFromAmong("sigmoid", "relu", "tanh", "gelu");
        var loss = new Option<string>("--loss") { Description = "mse (the seed's squared-error cost on one-hot targets) or ce (cross-entropy)", DefaultValueFactory = _ => "mse" };
        loss.AcceptOnlyFromAmong("mse", "ce");
        var epochs = new Option<int>("--epochs") { Description = "passes over the training set", DefaultValueFactory = _ => 10 };
        var lr = new Option<double?>("--lr") { Description = "learning rate (default: 3.0 for SGD+mse, 0.5 for SGD+ce, 0.001 for Adam)" };
        var batch = new Option<int>("--batch-size") { Description = "minibatch size", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "seed for initialisation and shuffling", DefaultValueFactory = _ => 0 };
        var init = new Option<string>("--init") { Description = "default, zeros, he, xavier (seed: std sqrt(1/n_in)) or glorot", DefaultValueFactory = _ => "default" };
        init.AcceptOnlyFromAmong("default", "zeros", "he", "xavier", "glorot");
        var optimizer = new Option<string>("--optimizer") { Description = "sgd or adam", DefaultValueFactory = _ => "sgd" };
        optimizer.AcceptOnlyFromAmong("sgd", "adam");
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum", DefaultValueFactory = _ => 0 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 weight decay", DefaultValueFactory = _ => 0 };
        var data = new Option<string?>("--data") { Description = "folder with the dataset files (else $HEBB_DATASETS, the cache, or a download)" };
        var output = new Option<string?>("--out") { Description = "save the trained model here (.safetensors)" };
        var metrics = new Option<string?>("--metrics") { Description = "write final figures as JSON here" };

        var command = new Command(datasetName, description)
        {
            hidden, activation, loss, epochs, lr, batch, seed, init, optimizer, momentum, weightDecay, data, output, metrics,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            var options = new ClassifierOptions
            {
                Dataset = datasetName,
                Hidden = ParseSizes(parse.GetValue(hidden)!),
                Activation = Activations.Parse(parse.GetValue(activation)!),
                Loss = parse.GetValue(loss) == "ce" ? LossKind.CrossEntropy : LossKind.Mse,
                Epochs = parse.GetValue(epochs),
                LearningRate = parse.GetValue(lr),
                BatchSize = parse.GetValue(batch),
                Seed = parse.GetValue(seed),
                Init = Enum.Parse<InitScheme>(parse.GetValue(init)!, ignoreCase: true),
                Optimizer = parse.GetValue(optimizer) == "adam" ? OptimizerKind.Adam : OptimizerKind.Sgd,
                Momentum = parse.GetValue(momentum),
                WeightDecay = parse.GetValue(weightDecay),
                DataPath = parse.GetValue(data),
            };
            return Run(options, parse.GetValue(output), parse.GetValue(metrics));
        }));
        return command;
    }

    private static int Run(ClassifierOptions options, string? outPath, string? metricsPath)
    {
        options.Validate();
        CheckWritable(outPath, "--out");
        CheckWritable(metricsPath, "--metrics");
        var (train, test) = ClassifierRecipe.LoadData(options.Dataset, options.DataPath);
        AnsiConsole.MarkupLine($"[bold]hebb[/] training on {options.Dataset}: {train.Count:N0} training and {test.Count:N0} test images");
        AnsiConsole.MarkupLine($"  network 784-{string.Join("-", options.Hidden)}-10, {options.Activation.ToString().ToLowerInvariant()}, loss {(options.Loss == LossKind.Mse ? "mse (seed cost)" : "cross-entropy")}, " +
                               $"{options.Optimizer.ToString().ToUpperInvariant()} lr {options.EffectiveLearningRate.ToString(CultureInfo.InvariantCulture)}, batch {options.BatchSize}, seed {options.Seed}");

        var result = EpochProgress.Run(options.Epochs, (onStep, onEpoch) => ClassifierRecipe.Run(options, train, test, onStep, onEpoch));

        AnsiConsole.MarkupLine($"[green]test accuracy {Percent(result.Test.Accuracy)}[/], test loss {result.Test.Loss:F4}, {result.Model.ParameterCount:N0} parameters, {result.Seconds:F1} s");
        if (outPath is not null)
        {
            ModelFile.Save(outPath, result.Model, result.Metadata(options));
            AnsiConsole.MarkupLine($"saved model to {Markup.Escape(outPath)}");
        }
        if (metricsPath is not null)
        {
            var json = new Dictionary<string, object>
            {
                ["test_accuracy"] = result.Test.Accuracy,
                ["test_loss"] = result.Test.Loss,
                ["train_loss"] = result.History[^1].TrainLoss,
                ["epochs"] = result.History.Count,
                ["seconds"] = result.Seconds,
                ["parameters"] = result.Model.ParameterCount,
                ["seed"] = options.Seed,
            };
            File.WriteAllText(metricsPath, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        return 0;
    }

    internal static int[] ParseSizes(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] <= 0)
                throw new ArgumentException($"--hidden: '{parts[i]}' is not a positive layer size (expected e.g. 16,16)");
        return sizes;
    }

    /// <summary>Fails before training, not after, when an output file cannot be written.</summary>
    internal static void CheckWritable(string? path, string option)
    {
        if (path is null) return;
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir)) throw new IOException($"{option}: folder '{dir}' does not exist");
        if (Directory.Exists(path)) throw new IOException($"{option}: '{path}' is a folder, not a file");
    }
}
