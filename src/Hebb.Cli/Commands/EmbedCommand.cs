using Hebb.Cli.Recipes;
using System.CommandLine;
using Hebb.NN;
using Hebb.Training;
using Spectre.Console;

namespace Hebb.Cli.Commands;

/// <summary>
/// `hebb embed nearest|analogy`: queries over a trained language model's embedding table by cosine
/// similarity: the nearest tokens to one token, and the vector arithmetic a - b + c
/// ("man - woman + queen ≈ king").
/// </summary>
public static class EmbedCommand
{
    public static Command Create()
    {
        var command = new Command("embed", "Nearest neighbours and vector arithmetic over a language model's embedding table");

        Option<string> ModelOption() => new("--model") { Description = "a model saved by 'hebb train text --out'", Required = true };
        Option<int> KOption()
        {
            var option = new Option<int>("--k") { Description = "how many tokens to list", DefaultValueFactory = _ => 5 };
            option.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int>() <= 0) r.AddError($"--k must be positive, got {r.GetValueOrDefault<int>()}");
            });
            return option;
        }

        var model1 = ModelOption();
        var k1 = KOption();
        var token = new Argument<string>("token") { Description = "a token (for character models, one character)" };
        var nearest = new Command("nearest", "The tokens whose embeddings are closest (cosine) to a token's") { token, model1, k1 };
        nearest.SetAction(parse => Program.Guard(() =>
        {
            var (table, vocab) = Load(parse.GetValue(model1)!);
            int id = vocab.IdOf(parse.GetValue(token)!);
            Print($"nearest to {Show(vocab[id])}", table.Nearest(table.Row(id), parse.GetValue(k1), id), vocab);
            return 0;
        }));

        var model2 = ModelOption();
        var k2 = KOption();
        var a = new Argument<string>("a") { Description = "the token to start from (\"man\")" };
        var b = new Argument<string>("b") { Description = "the token to subtract (\"woman\")" };
        var c = new Argument<string>("c") { Description = "the token to add (\"queen\")" };
        var analogy = new Command("analogy", "The tokens closest (cosine) to e[a] - e[b] + e[c], leaving out a, b and c")
        {
            a, b, c, model2, k2,
        };
        analogy.SetAction(parse => Program.Guard(() =>
        {
            var (table, vocab) = Load(parse.GetValue(model2)!);
            int ia = vocab.IdOf(parse.GetValue(a)!), ib = vocab.IdOf(parse.GetValue(b)!), ic = vocab.IdOf(parse.GetValue(c)!);
            Print($"{Show(vocab[ia])} - {Show(vocab[ib])} + {Show(vocab[ic])}", table.Analogy(ia, ib, ic, parse.GetValue(k2)), vocab);
            return 0;
        }));

        command.Add(nearest);
        command.Add(analogy);
        return command;
    }

    private static (Embedding Table, Hebb.Data.CharVocabulary Vocabulary) Load(string path)
    {
        var loaded = LanguageModelRecipe.Load(path);
        // The token embedding: the first Embedding in the network (a GPT's position table comes after it).
        var table = loaded.Module.NamedModules().Select(m => m.Value).OfType<Embedding>().FirstOrDefault()
            ?? throw new InvalidDataException($"{path}: the model has no embedding table");
        if (table.NumEmbeddings != loaded.Vocabulary.Count)
            throw new InvalidDataException(
                $"{path}: the embedding table has {table.NumEmbeddings} rows but the vocabulary {loaded.Vocabulary.Count} tokens");
        return (table, loaded.Vocabulary);
    }

    private static string Show(string token) => token switch { "\n" => "'\\n'", " " => "' '", "\t" => "'\\t'", _ => $"'{token}'" };

    private static void Print(string title, IReadOnlyList<(int Id, double Similarity)> rows, Hebb.Data.CharVocabulary vocab)
    {
        AnsiConsole.MarkupLine(Markup.Escape(title) + ":");
        foreach (var (id, sim) in rows)
            AnsiConsole.MarkupLine(
                $"  {Markup.Escape(Show(vocab[id])),-8} cosine {sim.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)}");
    }
}
