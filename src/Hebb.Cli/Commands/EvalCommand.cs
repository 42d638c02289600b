using Hebb.Cli.Recipes;
using static Hebb.Cli.Program;
using System.CommandLine;
using Hebb.Data;
using Hebb.Models;
using Hebb.Training;
using Spectre.Console;

namespace Hebb.Cli.Commands;

/// <summary>`hebb eval --model FILE`: rebuilds the model from its file alone and measures it on the test set.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a model saved by 'hebb train --out'", Required = true };
        var data = new Option<string?>("--data") { Description = "folder with the dataset files" };
        var command = new Command("eval", "Evaluate a saved model on its dataset's test set") { model, data };
        command.SetAction(parse => Program.Guard(() =>
        {
            string path = parse.GetValue(model)!;
            var (network, config, metadata) = ModelFactory.LoadClassifier(path);
            string dataset = metadata.TryGetValue("dataset", out var d) ? d : "mnist";
            var kind = metadata.TryGetValue("loss", out var l) && l == "ce" ? LossKind.CrossEntropy : LossKind.Mse;
            var (test, classes) = dataset == ClassifierData.ImagesDataset
                ? UsersImages(path, metadata, parse.GetValue(data))
                : (ClassifierRecipe.LoadData(dataset, parse.GetValue(data)).Test, 10);
            // A model must take the images flat ([784]) or as images ([1, 28, 28]: MNIST's are square, one channel),
            // and give one score per class.
            int pixels = test.SampleSize, side = (int)Math.Round(Math.Sqrt(pixels));
            int[] shape = config.InputShape, images = test.SampleShape.Length == 3 ? test.SampleShape.ToArray() : [1, side, side];
            bool fits = shape.Length == 1 ? shape[0] == pixels : shape.SequenceEqual(images);
            if (!fits)
                throw new InvalidDataException($"{path}: the model takes inputs of shape [{string.Join(", ", shape)}] " +
                    $"but the {dataset} images are [{string.Join(", ", images)}] (channels, height, width)");
            if (config.Classes != classes)
                throw new InvalidDataException($"{path}: the model scores {config.Classes} classes but {dataset} has {classes}");
            var result = Trainer.Evaluate(
                network, test.WithSampleShape(config.InputShape), ClassifierRecipe.LossFor(kind, config.Classes), config.Classes);
            AnsiConsole.MarkupLine($"{Markup.Escape(path)}: {dataset} test accuracy [bold]{Percent(result.Accuracy)}[/], " +
                $"test loss {result.Loss:F4} ({result.Count:N0} images)");
            return 0;
        }));
        return command;
    }

    /// <summary>The test set of a model trained by `hebb train images`: the folder given with --data, read as the model file
    /// says its images were (channels, size), with the same held-out split when the folder has no test set.</summary>
    private static (TensorDataset Test, int Classes) UsersImages(string path, IReadOnlyDictionary<string, string> metadata, string? dir)
    {
        var input = ImagePreprocessing.FromMetadata(metadata, path)
            ?? throw new InvalidDataException($"{path}: the file does not say how its images were prepared (image_channels, ...)");
        if (dir is null)
            throw new ArgumentException($"{path} was trained on your own images: give their folder with --data DIR");
        var read = new MetadataReader(metadata, path);
        int seed = metadata.TryGetValue("seed", out var text)
            && int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture,
                out int s) ? s : 0;
        double split = metadata.ContainsKey("test_split") ? read.Double("test_split", 0, 1) : 0.2;
        var splits = ImageSplits.Load(dir, input.Height == input.Width ? input.Height : null, input.Channels, split, seed);
        if (!splits.Train.ClassNames.SequenceEqual(input.ClassNames))
            throw new InvalidDataException($"{dir}: its classes ({string.Join(", ", splits.Train.ClassNames.Take(10))}) are not " +
                $"the model's ({string.Join(", ", input.ClassNames.Take(10))})");
        return (splits.Test.ToTensorDataset(), input.ClassNames.Count);
    }
}
