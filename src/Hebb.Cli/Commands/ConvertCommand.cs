using System.CommandLine;
using Hebb.IO;
using Hebb.Models;

namespace Hebb.Cli.Commands;

/// <summary>`hebb convert --from-pytorch W.safetensors --config C.json --out M.safetensors`: a PyTorch state dict saved as
/// safetensors becomes a Hebb model file (weights under Hebb's names, the config in the header), which eval, generate,
/// summary and the other commands take as they take a trained one.</summary>
public static class ConvertCommand
{
    public static Command Create()
    {
        var fromPyTorch = new Option<string?>("--from-pytorch")
        {
            Description = "a PyTorch state dict saved as safetensors (PyTorch's names: 0.weight, transformer.h.0.attn.c_attn.weight, ...)",
        };
        var config = new Option<string?>("--config")
        {
            Description = "JSON: {\"model\": \"mlp|lenet5|char-rnn|gpt\", ...} and what the shapes cannot tell " +
                "(README: Models from PyTorch and Hugging Face)",
        };
        var fromHuggingFace = new Option<string?>("--from-huggingface")
        {
            Description = "a Hugging Face GPT-2 folder (config.json + model.safetensors); the file records GPT-2's tokenizer",
        };
        var output = new Option<string>("--out") { Description = "the Hebb model file to write", Required = true };
        var command = new Command("convert", "Turn another framework's weights into a Hebb model file")
        {
            fromPyTorch, config, fromHuggingFace, output,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            string? weights = parse.GetValue(fromPyTorch);
            string? json = parse.GetValue(config);
            if (parse.GetValue(fromHuggingFace) is { } dir)
            {
                if (weights is not null || json is not null)
                    throw new ArgumentException("--from-huggingface takes a folder alone: no --from-pytorch or --config");
                string target = parse.GetValue(output)!;
                OutputPath.CheckWritable(target, "--out");
                var hf = HuggingFaceGpt2.Load(dir);
                ModelFile.Save(target, hf.Model, hf.Metadata);
                Console.Out.WriteLine($"{dir}: gpt, {hf.Config.ParameterCount:N0} parameters -> {target}");
                if (File.Exists(Path.Combine(dir, "vocab.json")))
                    Console.Out.WriteLine("note: the folder has its own vocab.json; the file records GPT-2's own tokenizer, " +
                        "so generate from the folder itself if its vocabulary differs");
                return 0;
            }
            if (weights is null)
                throw new ArgumentException("give the weights to convert: --from-pytorch FILE.safetensors or --from-huggingface DIR");
            if (json is null)
                throw new ArgumentException("--from-pytorch needs --config C.json: {\"model\": \"mlp|lenet5|char-rnn|gpt\", ...}");
            string path = parse.GetValue(output)!;
            OutputPath.CheckWritable(path, "--out");
            var imported = PyTorchImport.Load(weights, json);
            ModelFile.Save(path, imported.Model, imported.Metadata);
            long parameters = imported.Model.Parameters().Sum(p => (long)p.Numel);
            Console.Out.WriteLine($"{weights}: {imported.Config.Kind}, {parameters:N0} parameters -> {path}");
            return 0;
        }));
        return command;
    }
}
