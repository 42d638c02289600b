using System.CommandLine;
using Hebb.IO;
using Hebb.Models;
using Hebb.Onnx;

namespace Hebb.Cli.Commands;

/// <summary>`hebb export --model FILE --out FILE.onnx`: a saved model as an ONNX file (opset 17) for ONNX Runtime and co.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a model saved by 'hebb train --out'", Required = true };
        var output = new Option<string>("--out") { Description = "the ONNX file to write (.onnx)", Required = true };
        var command = new Command("export",
            $"Write a model as an ONNX file (opset {OnnxExport.Opset}; kinds {string.Join(", ", OnnxExport.Kinds)})")
        {
            model, output,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            string path = parse.GetValue(model)!, outPath = parse.GetValue(output)!;
            OutputPath.CheckWritable(outPath, "--out");
            var loaded = ModelFactory.Load(path);
            if (!OnnxExport.CanExport(loaded.Config))
            {
                Console.Error.WriteLine($"hebb: {path} holds a '{loaded.Config.Kind}' model, which hebb cannot export to ONNX " +
                    $"(it exports {string.Join(", ", OnnxExport.Kinds)})");
                return 1;
            }
            var info = OnnxExport.Save(loaded.Config, loaded.Model, outPath);
            Console.WriteLine($"wrote {outPath}: '{loaded.Config.Kind}' model, ONNX opset {info.Opset}, " +
                $"{new FileInfo(outPath).Length:N0} bytes");
            foreach (var input in info.Inputs) Console.WriteLine($"  input  {input}");
            foreach (var o in info.Outputs) Console.WriteLine($"  output {o}");
            return 0;
        }));
        return command;
    }
}
