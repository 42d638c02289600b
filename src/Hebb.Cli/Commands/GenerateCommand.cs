using Hebb.Cli.Recipes;
using System.CommandLine;
using Hebb.Models;
using Hebb.Training;

namespace Hebb.Cli.Commands;

/// <summary>`hebb generate --model FILE --prompt TEXT`: continues a prompt with a trained language model.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model")
        {
            Description = "a model saved by 'hebb train text --out', or a Hugging Face GPT-2 folder (config.json + model.safetensors)",
            Required = true,
        };
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
            if (HuggingFaceGpt2.IsModelFolder(parse.GetValue(model)!))
                return HuggingFace(parse.GetValue(model)!, parse.GetValue(prompt)!, n, t, k, parse.GetValue(seed));
            string path = parse.GetValue(model)!;
            var file = ModelFactory.Load(path);
            // A GPT-2 converted by 'hebb convert --from-huggingface' (character models say "char", or nothing).
            if (file.Metadata.TryGetValue("tokenizer", out var tokenizer) && tokenizer == "gpt2" && file.Model is ILanguageModel bpe)
                return Bpe(bpe, Hebb.Data.Gpt2Tokenizer.Builtin(), parse.GetValue(prompt)!, n, t, k, parse.GetValue(seed));
            var loaded = LanguageModelRecipe.FromLoaded(file, path);
            string text = parse.GetValue(prompt)!;
            var ids = loaded.Vocabulary.Encode(text);
            var generated = Sampling.Generate(loaded.Model, ids, n, t, k, new Generator(parse.GetValue(seed)));
            Console.Out.Write(text + loaded.Vocabulary.Decode(generated));
            Console.Out.WriteLine();
            return 0;
        }));
        return command;
    }

    /// <summary>A Hugging Face GPT-2 folder: its BPE tokenizer in and out, --length counted in tokens.</summary>
    private static int HuggingFace(string dir, string text, int length, double temperature, int topK, int seed)
    {
        var hf = HuggingFaceGpt2.Load(dir);
        return Bpe(hf.Model, hf.Tokenizer, text, length, temperature, topK, seed);
    }

    /// <summary>A model whose tokens are GPT-2's byte-level BPE.</summary>
    private static int Bpe(ILanguageModel model, Hebb.Data.Gpt2Tokenizer tokenizer, string text, int length, double temperature,
        int topK, int seed)
    {
        var ids = tokenizer.Encode(text);
        foreach (int id in ids)
            if (id >= model.VocabSize)
                throw new ArgumentException($"the prompt's token {id} is outside the model's vocabulary of {model.VocabSize}");
        var generated = Sampling.Generate(model, ids, length, temperature, topK, new Generator(seed));
        Console.Out.Write(text + tokenizer.Decode(generated));
        Console.Out.WriteLine();
        return 0;
    }
}
