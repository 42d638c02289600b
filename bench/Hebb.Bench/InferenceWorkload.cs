using Hebb.Autograd;
using Hebb.Models;
using Hebb.NN;
using Hebb.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Hebb.Bench;

/// <summary>W8 onnx-infer: forward passes (inference) of LeNet-5 and of the small GPT (`hebb train text --model gpt`'s
/// default: 4 layers, 4 heads, n_embd 128, block 64, vocab 65, no biases) at batch 1 (latency) and batch 64
/// (throughput). `hebb`: the model's Forward under no-grad in a TensorScope; `onnxruntime`: ONNX Runtime running
/// Hebb's own export of the same model (<see cref="OnnxExport.ToBytes(IModelConfig, Module, out OnnxExportInfo)"/>).</summary>
internal static class InferenceWorkload
{
    public static readonly int[] Batches = [1, 64];
    public static readonly GptConfig SmallGpt = new(65, 4, 4, 128, 64, 0, Bias: false);

    private static (string Name, IModelConfig Config, Module Model)[] Models() =>
    [
        ("lenet5", new LeNet5Config(), new LeNet5Config().Build(new Generator(0))),
        ("gpt-small", SmallGpt, SmallGpt.Build(new Generator(0))),
    ];

    public static void Run(ChildOptions o, bool ort)
    {
        foreach (var (name, config, model) in Models())
        {
            model.Eval();
            using var options = new SessionOptions { IntraOpNumThreads = o.Threads, InterOpNumThreads = 1 };
            using var session = ort ? new InferenceSession(OnnxExport.ToBytes(config, model, out _), options) : null;
            foreach (int batch in Batches)
            {
                var gen = new Generator(1);
                double seconds;
                if (name == "lenet5")
                {
                    var x = Tensor.Randn(gen, batch, 1, 28, 28);
                    seconds = ort
                        ? OrtSeconds(session!, "input", OrtValue.CreateTensorValueFromMemory(x.ToArray<float>(), [batch, 1, 28, 28]), o)
                        : HebbSeconds(model, x, o);
                }
                else
                {
                    int t = SmallGpt.BlockSize;
                    int[] ids = [.. Enumerable.Range(0, batch * t).Select(i => (i * 31 + 7) % SmallGpt.VocabSize)];
                    seconds = ort
                        ? OrtSeconds(
                            session!, "ids", OrtValue.CreateTensorValueFromMemory(ids.Select(i => (long)i).ToArray(), [batch, t]), o)
                        : HebbSeconds(model, Tensor.FromArray(ids, batch, t), o);
                }
                string impl = ort ? "onnxruntime" : "hebb";
                Console.Error.WriteLine($"{impl} w8 {name} batch {batch} threads {o.Threads}: {seconds * 1e3:F3} ms");
                Json.Emit(new()
                {
                    ["workload"] = "w8", ["impl"] = impl, ["threads"] = o.Threads, ["model"] = name, ["batch"] = batch,
                    ["ms_per_forward"] = Math.Round(seconds * 1e3, 4), ["samples_per_second"] = Math.Round(batch / seconds, 1),
                    ["max_rss_mb"] = Proc.MaxRssMb(),
                });
            }
        }
    }

    private static double HebbSeconds(Module model, Tensor x, ChildOptions o) => Timing.BestSeconds(() =>
    {
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        model.Forward(x);
    }, o.MinTime);

    private static double OrtSeconds(InferenceSession session, string inputName, OrtValue input, ChildOptions o)
    {
        using var _ = input;
        using var run = new RunOptions();
        var inputs = new Dictionary<string, OrtValue> { [inputName] = input };
        return Timing.BestSeconds(() =>
        {
            using var outputs = session.Run(run, inputs, session.OutputNames);
        }, o.MinTime);
    }
}
