using Hebb.Cli.Pictures;
using Hebb.Cli.Recipes;
using static Hebb.Cli.Program;
using System.CommandLine;
using System.Globalization;
using Hebb.IO;
using Hebb.Training;
using Spectre.Console;

namespace Hebb.Cli.Commands;

/// <summary>`hebb logistic --digit 0 --batch full|N|1`: logistic regression on "is it a 0", with the loss ln(1 + e^(-y w·x)).</summary>
public static class LogisticCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "mnist or fashion-mnist", DefaultValueFactory = _ => "mnist" };
        dataset.AcceptOnlyFromAmong("mnist", "fashion-mnist");
        var digit = new Option<int>("--digit")
        {
            Description = "the class that answers yes (y = +1); all others are y = -1", DefaultValueFactory = _ => 0,
        };
        var batch = new Option<string>("--batch")
        {
            Description = "'full' (gradient descent on the whole set), N (minibatch SGD) or 1 (one example per step)",
            DefaultValueFactory = _ => "100",
        };
        var epochs = new Option<int?>("--epochs")
        {
            Description = "passes over the training set (default 5; for --batch full an epoch is one step, default 100)",
        };
        var lr = new Option<double?>("--lr") { Description = "learning rate (default: 1.0 full, 0.1 minibatch, 0.01 batch of one)" };
        var seed = new Option<int>("--seed") { Description = "seed for shuffling", DefaultValueFactory = _ => 0 };
        var trainLimit = new Option<int>("--train-limit")
        {
            Description = "use only the first N training images (0 = all)", DefaultValueFactory = _ => 0,
        };
        var data = new Option<string?>("--data")
        {
            Description = "folder with the dataset files (else $HEBB_DATASETS, the cache, or a download)",
        };
        var picture = new Option<string?>("--picture") { Description = "write the learned weights as a 28x28 picture here (.png)" };
        var command = new Command("logistic", "Logistic regression, y in {-1,+1}, loss mean ln(1 + e^(-y w·x)): \"is it a 0\" on MNIST")
        {
            dataset, digit, batch, epochs, lr, seed, trainLimit, data, picture,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            var options = new LogisticOptions
            {
                Digit = parse.GetValue(digit),
                BatchSize = ParseBatch(parse.GetValue(batch)!),
                Epochs = parse.GetValue(epochs),
                LearningRate = parse.GetValue(lr),
                Seed = parse.GetValue(seed),
            };
            options.Validate();
            int limit = parse.GetValue(trainLimit);
            if (limit < 0) throw new ArgumentException($"--train-limit must be >= 0, got {limit}");
            string? picturePath = parse.GetValue(picture);
            OutputPath.CheckWritable(picturePath, "--picture");
            string name = parse.GetValue(dataset)!;
            var (train, test) = ClassifierRecipe.LoadData(name, parse.GetValue(data), limit);
            string mode = options.BatchSize is null || options.BatchSize >= train.Count ? "full-batch gradient descent (one step per epoch)"
                : options.BatchSize == 1 ? "SGD with a batch of one" : $"minibatch SGD, batches of {options.BatchSize}";
            Console.WriteLine($"logistic regression on {name}, 'is it a {options.Digit}': " +
                              $"{train.Count:N0} training and {test.Count:N0} test images, " +
                              $"{mode}, lr {options.EffectiveLearningRate.ToString(CultureInfo.InvariantCulture)}, seed {options.Seed}");
            var result = LogisticRecipe.Run(options, train, test, e => Console.WriteLine(
                $"epoch {e.Epoch,3}/{options.EffectiveEpochs}  train loss {e.TrainLoss:F4}  " +
                $"test accuracy {Percent(e.TestAccuracy)}  ({e.Seconds:F2} s)"));
            AnsiConsole.MarkupLine($"[green]test accuracy {Percent(result.TestAccuracy)}[/] " +
                                   $"(always answering no: {Percent(result.BaselineAccuracy)}), " +
                                   $"{result.Steps:N0} steps in {result.Seconds:F2} s of training " +
                                   $"({result.Seconds / result.Steps * 1e6:F1} us per step)");
            if (picturePath is not null)
            {
                Png.Save(picturePath, WeightPictures.Render(result.Model));
                Console.WriteLine($"saved the weights as a picture to {picturePath}");
            }
            return 0;
        }));
        return command;
    }

    internal static int? ParseBatch(string text)
    {
        if (text.Trim().Equals("full", StringComparison.OrdinalIgnoreCase)) return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0) return n;
        throw new ArgumentException($"--batch: '{text}' is not 'full' or a positive batch size");
    }
}
