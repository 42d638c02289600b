using Hebb.Cli.Recipes;
using static Hebb.Cli.Program;
using System.CommandLine;
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
            var (_, test) = ClassifierRecipe.LoadData(dataset, parse.GetValue(data));
            // MNIST-style images are 28x28 in 10 classes: a model must take them flat ([784]) or as
            // one-channel images ([1, 28, 28]), and give one score per class.
            int pixels = test.SampleSize, side = (int)Math.Round(Math.Sqrt(pixels));
            int[] shape = config.InputShape;
            bool fits = shape.Length == 1 ? shape[0] == pixels : shape.SequenceEqual(new[] { 1, side, side });
            if (!fits)
                throw new InvalidDataException($"{path}: the model takes inputs of shape [{string.Join(", ", shape)}] " +
                    $"but {dataset} images are {side}x{side} with one channel");
            if (config.Classes != 10)
                throw new InvalidDataException($"{path}: the model scores {config.Classes} classes but {dataset} has 10");
            var result = Trainer.Evaluate(
                network, test.WithSampleShape(config.InputShape), ClassifierRecipe.LossFor(kind, config.Classes), config.Classes);
            AnsiConsole.MarkupLine($"{Markup.Escape(path)}: {dataset} test accuracy [bold]{Percent(result.Accuracy)}[/], " +
                $"test loss {result.Loss:F4} ({result.Count:N0} images)");
            return 0;
        }));
        return command;
    }
}
