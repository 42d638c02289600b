using System.CommandLine;
using Hebb.Models;
using Hebb.NN;
using Spectre.Console;

namespace Hebb.Cli.Commands;

/// <summary>`hebb summary`: per layer, output shape and parameter count (the default 784-16-16-10 network: 13,002).</summary>
public static class SummaryCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "a saved model (default: the 784-16-16-10 sigmoid network)" };
        var hidden = new Option<string>("--hidden")
        {
            Description = "hidden sizes when no --model is given", DefaultValueFactory = _ => "16,16",
        };
        var activation = new Option<string>("--activation")
        {
            Description = "activation when no --model is given", DefaultValueFactory = _ => "sigmoid",
        };
        var command = new Command("summary", "Show a network's layers, output shapes and parameter counts") { model, hidden, activation };
        command.SetAction(parse => Program.Guard(() =>
        {
            IClassifierConfig config;
            Sequential network;
            if (parse.GetValue(model) is string path)
            {
                // The file says what the network is: sizes given as well would be silently ignored.
                OptionRules.Refuse(parse, "with --model (the file describes the network)", hidden, activation);
                (network, config, _) = ModelFactory.LoadClassifier(path);
            }
            else
            {
                var act = Activations.Parse(parse.GetValue(activation)!);
                config = new MlpConfig([784, .. TrainCommand.ParseSizes(parse.GetValue(hidden)!), 10], act, act);
                network = config.Build(new Generator(0));
            }
            var table = new Table();
            table.AddColumn("layer");
            table.AddColumn("type");
            table.AddColumn("output shape");
            table.AddColumn(new TableColumn("parameters").RightAligned());
            foreach (var row in Summary.Of(network, config.InputShape))
                table.AddRow(row.Name, Markup.Escape(row.Layer),
                    Markup.Escape("[" + string.Join(", ", row.OutputShape.Select((d, i) => i == 0 ? "N" : d.ToString())) + "]"),
                    row.Parameters.ToString("N0"));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"total parameters: [bold]{network.ParameterCount:N0}[/]");
            return 0;
        }));
        return command;
    }
}
