using Hebb.Cli.Pictures;
using System.CommandLine;
using Hebb.IO;
using Hebb.Models;

namespace Hebb.Cli.Commands;

/// <summary>`hebb weights --model FILE --out FILE.png`: the first layer's weights as a grid of pictures.</summary>
public static class WeightsCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a model saved by 'hebb train --out'", Required = true };
        var output = new Option<string>("--out") { Description = "the picture to write (.png)", Required = true };
        var scale = new Option<int>("--scale")
        {
            Description = "pixels per weight (0 = automatic: tiles at least 56 pixels wide)", DefaultValueFactory = _ => 0,
        };
        var command = new Command("weights", "Draw the first layer's weights: a 28x28 tile per unit of an MLP, a tile per filter of a CNN")
        {
            model, output, scale,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            string path = parse.GetValue(model)!, outPath = parse.GetValue(output)!;
            OutputPath.CheckWritable(outPath, "--out");
            var (network, _, _) = ModelFactory.LoadClassifier(path);
            var tiles = WeightPictures.FirstLayer(network);
            var image = WeightPictures.Render(tiles, parse.GetValue(scale));
            Png.Save(outPath, image);
            Console.WriteLine($"layer {tiles.Layer}: {tiles.Description}");
            Console.WriteLine($"wrote {outPath} ({image.Width}x{image.Height} pixels; " +
                "each tile scaled from its own minimum, black, to its maximum, white)");
            return 0;
        }));
        return command;
    }
}
