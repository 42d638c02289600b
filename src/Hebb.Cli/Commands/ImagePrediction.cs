using System.Globalization;
using Hebb.Autograd;
using Hebb.Data;
using Hebb.IO;
using Hebb.Models;
using Hebb.NN;
using Spectre.Console;
using static Hebb.Cli.Program;

namespace Hebb.Cli.Commands;

/// <summary>
/// `hebb predict` for an image classifier: one image, or every image in a folder, prepared as the model's training images
/// were (size, channels, /255), answered with the class and the probabilities of the three likeliest classes. An image in
/// a folder named after one of the classes (the image-folder layout) is checked against it.
/// </summary>
internal static class ImagePrediction
{
    private const int BatchSize = 256;

    public static int Run(Module model, IClassifierConfig config, ImagePreprocessing images, IReadOnlyDictionary<string, string> metadata,
        string input, string? outPath)
    {
        bool folder = Directory.Exists(input);
        var files = folder
            ? Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories).Where(ImageFolder.IsImageFile)
                .Order(StringComparer.Ordinal).ToList()
            : File.Exists(input) ? [input] : throw new FileNotFoundException($"--input '{input}' is neither an image file nor a folder");
        if (!folder && !ImageFolder.IsImageFile(input))
            throw new InvalidDataException($"--input '{input}' is not an image: the model is an image classifier, which reads " +
                ".png, .jpg, .jpeg or .bmp files, or a folder of them");
        if (files.Count == 0) throw new InvalidDataException($"folder '{input}' holds no .png, .jpg, .jpeg or .bmp images");

        // A model trained on the squared error has sigmoid outputs, not logits: its scores are shown as they are.
        bool logits = !metadata.TryGetValue("loss", out var loss) || loss == "ce";
        var names = images.ClassNames;
        int right = 0, known = 0, size = images.Channels * images.Height * images.Width;
        var rows = new List<string>();
        model.Eval();
        using var _ = GradMode.NoGrad();
        for (int start = 0; start < files.Count; start += BatchSize)
        {
            var batch = files.Skip(start).Take(BatchSize).ToList();
            var values = new float[batch.Count * size];
            for (int i = 0; i < batch.Count; i++) images.LoadImage(batch[i]).CopyTo(values, i * size);
            using var scope = TensorScope.Begin();
            var output = model.Forward(Tensor.FromArray(values, [batch.Count, .. config.InputShape]));
            var scores = (logits ? output.Softmax(1) : output).ToArray<float>();
            int classes = output.Size(1);
            for (int i = 0; i < batch.Count; i++)
            {
                var p = scores.AsSpan(i * classes, classes).ToArray();
                var top = Enumerable.Range(0, classes).OrderByDescending(c => p[c]).Take(3).ToArray();
                string Name(int c) => c < names.Count ? names[c] : c.ToString(CultureInfo.InvariantCulture);
                string line = $"{Markup.Escape(batch[i])}: [bold]{Markup.Escape(Name(top[0]))}[/] (" +
                    string.Join(", ", top.Select(c => $"{Markup.Escape(Name(c))} {F(p[c], "F4")}")) + ")";
                string parent = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(batch[i])))!;
                if (folder && names.Contains(parent))
                {
                    bool ok = parent == Name(top[0]);
                    (known, right) = (known + 1, right + (ok ? 1 : 0));
                    line += $"  true: {Markup.Escape(parent)}, " + (ok ? "[green]right[/]" : "[red]wrong[/]");
                }
                AnsiConsole.MarkupLine(line);
                rows.Add(string.Join(",", [Csv(batch[i]), Csv(Name(top[0])), .. p.Select(v => F(v, "R"))]));
            }
        }
        if (known > 0)
            AnsiConsole.MarkupLine($"accuracy {Percent((double)right / known)} ({right} of {known} images in class folders right)");
        if (outPath is not null)
        {
            string header = string.Join(",", ["file", "predicted", .. names.Select(n => Csv($"{(logits ? "p" : "score")}({n})"))]);
            AtomicFile.Write(outPath, s =>
            {
                using var w = new StreamWriter(s, leaveOpen: true);
                w.WriteLine(header);
                foreach (var r in rows) w.WriteLine(r);
            });
        }
        return 0;
    }

    private static string F(float value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Csv(string text) => text.IndexOfAny([',', '"', '\n', '\r']) < 0 ? text : $"\"{text.Replace("\"", "\"\"")}\"";
}
