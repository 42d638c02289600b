using Hebb.Cli.Pictures;
using Hebb.Cli.Recipes;
using System.CommandLine;
using System.Text.Json;
using Hebb.Autograd;
using Hebb.IO;
using Hebb.Models;
using Hebb.Training;

namespace Hebb.Cli.Commands;

/// <summary>
/// `hebb attention --model FILE --text TEXT --out FILE.png`: every layer's and head's attention weights of a
/// GPT on a text, as a grid of heat maps (rows = layers, columns = heads; see <see cref="AttentionMap"/>).
/// From 6 pixels per weight (the default up to 42 characters) the axes carry the tokens in a 3 x 5 bitmap
/// font; the tokens also go, in order, to a sidecar FILE.tokens.json (exact, whatever the scale).
/// </summary>
public static class AttentionCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a GPT saved by 'hebb train text --model gpt --out'", Required = true };
        var text = new Option<string>("--text")
        {
            Description = "the text to attend over (characters of the model's vocabulary, at most its block size)", Required = true,
        };
        var output = new Option<string>("--out")
        {
            Description = "the PNG to write; the axis tokens go next to it in <name>.tokens.json", Required = true,
        };
        var scale = new Option<int>("--scale")
        {
            Description = "pixels per attention weight; from 6 up the axes carry the tokens (0 = about 256 pixels per map, at least 6)",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command("attention", "Draw a GPT's attention weights for a text: one heat map per layer (row) and head (column)")
        {
            model, text, output, scale,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            string outPath = parse.GetValue(output)!, input = parse.GetValue(text)!, modelPath = parse.GetValue(model)!;
            int s = parse.GetValue(scale);
            if (s < 0 || s > 64) throw new ArgumentException($"--scale must be between 0 and 64 pixels per weight, got {s}");
            OutputPath.CheckWritable(outPath, "--out");
            var loaded = LanguageModelRecipe.Load(modelPath);
            if (loaded.Module is not Gpt gpt)
                throw new ArgumentException($"--model: {modelPath} holds a '{loaded.Metadata.GetValueOrDefault("model", "?")}' model; " +
                    "attention maps need a GPT (hebb train text --model gpt)");
            if (input.Length == 0) throw new ArgumentException("--text is empty");
            int[] ids;
            try
            {
                ids = loaded.Vocabulary.Encode(input);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"--text: {e.Message}");
            }
            if (ids.Length > gpt.Config.BlockSize)
                throw new ArgumentException(
                    $"--text has {ids.Length} characters, more than the model's block size of {gpt.Config.BlockSize}");
            int t = ids.Length;
            if (s == 0) s = Math.Max(AttentionMap.MinLabelledScale, 256 / t);

            var layers = new List<float[]>();
            gpt.Eval();
            using (GradMode.NoGrad())
            using (TensorScope.Begin())
            {
                gpt.Forward(Tensor.FromArray(ids, [1, t]), out var attention);
                foreach (var w in attention) layers.Add(w.ToFloatArray());
            }
            var tokens = ids.Select(id => loaded.Vocabulary[id]).ToArray();
            var image = AttentionMap.Render(layers, gpt.Config.Heads, t, s, tokens);
            Png.Save(outPath, image);
            string sidecar = TokensPath(outPath);
            var json = new Dictionary<string, object>
            {
                ["text"] = input,
                ["tokens"] = tokens,
                ["layers"] = gpt.Config.Layers,
                ["heads"] = gpt.Config.Heads,
                ["pixels_per_token"] = s,
                ["labelled"] = s >= AttentionMap.MinLabelledScale,
                ["layout"] = "rows = layers (first at the top), columns = heads; " +
                    "in each map row i = query position i, column j = key position j; 1-pixel border; " +
                    "black 0 -> red -> yellow -> white 1; when labelled, query tokens on the left and key tokens on top",
            };
            File.WriteAllText(sidecar, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n");
            Console.Out.WriteLine($"wrote {outPath}: {gpt.Config.Layers} layers x {gpt.Config.Heads} heads " +
                $"of {t} x {t} attention weights ({image.Width} x {image.Height} pixels); tokens in {sidecar}");
            return 0;
        }));
        return command;
    }

    /// <summary>picture.png -> picture.tokens.json, next to it.</summary>
    public static string TokensPath(string pngPath) => Path.ChangeExtension(pngPath, null) + ".tokens.json";
}
