using Hebb.Cli.Recipes;
using System.CommandLine;
using Hebb.Training;

namespace Hebb.Cli.Commands;

/// <summary>`hebb generate --model FILE --prompt TEXT`: continues a prompt with a trained language model.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a model saved by 'hebb train text --out'", Required = true };
        var prompt = new Option<string>("--prompt")
        {
            Description = "text to start from (every character must be in the model's vocabulary)", DefaultValueFactory = _ => "\n",
        };
        var length = new Option<int>("--length") { Description = "characters to generate", DefaultValueFactory = _ => 500 };
        var temperature = new Option<double>("--temperature")
        {
            Description = "softmax temperature T: p = e^(x/T) / sum e^(x/T); 0 = always the most likely character",
            DefaultValueFactory = _ => 1.0,
        };
        var topK = new Option<int>("--top-k")
        {
            Description = "sample only among the k most likely characters (0 = all)", DefaultValueFactory = _ => 0,
        };
        var seed = new Option<int>("--seed") { Description = "seed for sampling", DefaultValueFactory = _ => 0 };
        var command = new Command("generate", "Generate text with a trained language model")
        {
            model, prompt, length, temperature, topK, seed,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            double t = parse.GetValue(temperature);
            int k = parse.GetValue(topK), n = parse.GetValue(length);
            Sampling.CheckTemperature(t); // before loading anything: a bad value fails fast
            Sampling.CheckTopK(k);
            if (n < 0 || n > 10_000_000) throw new ArgumentException($"--length must be between 0 and 10000000, got {n}");
            var loaded = LanguageModelRecipe.Load(parse.GetValue(model)!);
            string text = parse.GetValue(prompt)!;
            var ids = loaded.Vocabulary.Encode(text);
            var generated = Sampling.Generate(loaded.Model, ids, n, t, k, new Generator(parse.GetValue(seed)));
            Console.Out.Write(text + loaded.Vocabulary.Decode(generated));
            Console.Out.WriteLine();
            return 0;
        }));
        return command;
    }
}
