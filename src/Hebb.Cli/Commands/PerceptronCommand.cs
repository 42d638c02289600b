using Hebb.Cli.Recipes;
using System.CommandLine;
using System.Globalization;
using Hebb.Models;
using Hebb.Training;
using Spectre.Console;

namespace Hebb.Cli.Commands;

/// <summary>`hebb perceptron --gate and|or|not|xor`: Rosenblatt's rule on a logic gate; for XOR, the failure and the
/// hidden-layer fix.</summary>
public static class PerceptronCommand
{
    public static Command Create()
    {
        var gate = new Option<string>("--gate") { Description = "and, or, not or xor", Required = true };
        gate.AcceptOnlyFromAmong("and", "or", "not", "xor");
        var epochs = new Option<int>("--epochs") { Description = "epoch limit for the perceptron rule", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "seed of the 2-2-1 network shown after XOR", DefaultValueFactory = _ => 0 };
        var command = new Command("perceptron", "Train Rosenblatt's perceptron on a logic gate (XOR: show it fails, then a 2-2-1 network)")
        {
            gate, epochs, seed,
        };
        command.SetAction(parse => Program.Guard(() =>
            Run(LogicGates.Parse(parse.GetValue(gate)!), parse.GetValue(epochs), parse.GetValue(seed))));
        return command;
    }

    private static int Run(Gate gate, int maxEpochs, int seed)
    {
        if (maxEpochs <= 0) throw new ArgumentException($"--epochs must be positive, got {maxEpochs}");
        var (inputs, labels) = LogicGates.TruthTable(gate);
        int d = inputs[0].Length;
        var perceptron = new Perceptron(d);
        var result = perceptron.Fit(inputs, labels, maxEpochs);
        string name = gate.ToString().ToUpperInvariant();
        Console.WriteLine($"perceptron on {name}: if sign(w·x) != y then w <- w + y·x; x = (1, x1{(d > 1 ? ", x2" : "")}), " +
            "the 1 being the bias input; y = -1 or +1; sign(0) = 0 counts as a mistake");
        string weights = $"w = ({string.Join(", ", result.Weights.Select(Number))})";
        if (result.Converged)
            Console.WriteLine($"converged after {result.Epochs} epochs ({result.Updates} updates): {weights}");
        else
        {
            Console.WriteLine(
                $"did not converge after {result.Epochs} epochs ({result.Updates} updates): {weights} still misclassifies a row");
            if (result.CycleFrom is int from)
                Console.WriteLine($"the weights at the start of epoch {result.CycleTo} equal those at the start of epoch {from}: " +
                    "the rule cycles forever");
            bool anySeparates = result.Visited.Any(w => Perceptron.Separates(w, inputs, labels));
            Console.WriteLine($"none of the {result.Visited.Count} weight vectors it visited classifies all {inputs.Length} rows" +
                $"{(anySeparates ? " (unexpected!)" : "")}");
        }

        var table = new Table().AddColumns([.. Enumerable.Range(1, d).Select(i => $"x{i}"), "target y", "w·x", "perceptron"]);
        for (int n = 0; n < inputs.Length; n++)
        {
            double score = perceptron.Score(inputs[n]);
            table.AddRow([
                .. inputs[n].Select(Number), Signed(labels[n]), Number(score),
                Signed(Math.Sign(score)) + (Math.Sign(score) == labels[n] ? "" : "  wrong")]);
        }
        AnsiConsole.Write(table);

        if (gate == Gate.Xor)
        {
            var xor = XorNetwork.Train(seed);
            string starts = xor.Attempts == 1
                ? $"seed {xor.Seed}"
                : $"seed {xor.Seed} (seeds {seed}..{xor.Seed - 1} ended in a local minimum)";
            Console.WriteLine("one layer cannot separate XOR; a hidden layer can. " +
                              "2-2-1 network (Linear 2->2, sigmoid, Linear 2->1, sigmoid), " +
                              $"binary cross-entropy, SGD with momentum, {xor.Steps} full-batch steps, {starts}: " +
                              $"final loss {xor.Loss.ToString("F4", CultureInfo.InvariantCulture)}");
            var targets = XorNetwork.Targets().ToArray<float>();
            var net = new Table().AddColumns("x1", "x2", "target", "output", "answer");
            for (int n = 0; n < 4; n++)
            {
                int answer = xor.Outputs[n] > 0.5f ? 1 : 0;
                net.AddRow(Number(inputs[n][0]), Number(inputs[n][1]), Number(targets[n]),
                    xor.Outputs[n].ToString("F3", CultureInfo.InvariantCulture), answer + (answer == (int)targets[n] ? "" : "  wrong"));
            }
            AnsiConsole.Write(net);
            if (!xor.Solved) throw new InvalidOperationException($"the 2-2-1 network did not learn XOR from seeds {seed}..{xor.Seed}");
        }
        return 0;
    }

    private static string Number(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
    private static string Signed(int v) => v > 0 ? "+1" : v < 0 ? "-1" : "0";
}
