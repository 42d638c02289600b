// Hebb benchmark harness.
//
//   dotnet run -c Release --project bench/Hebb.Bench -- WORKLOAD [--threads N] [--peers] [--quick]
//       [--epochs E] [--steps S] [--shapes MxKxN,...] [--min-time S] [--out PREFIX] [--no-save] [--keep-openblas-env]
//       [--wait-quiet SECONDS] [--retries N]
//
// or: dotnet run -c Release --project bench/Hebb.Bench -- fuzz [--cases 10000] [--seed S] [--target NAME] [--repro TARGET:SEED]
//
// WORKLOAD: peak, w1 ... w8, all. Every implementation x workload x thread count runs in its own
// process (so max RSS is per workload): Hebb in a child of this program (--child), PyTorch through
// bench/peers/torch_bench.py, TorchSharp through bench/Hebb.Bench.TorchSharp. Each measurement is
// one JSON line on standard output; tables go to standard error and to PREFIX.md / PREFIX.json.
using System.Globalization;
using Hebb.Bench;

return BenchCli.Run(args);

internal static class BenchCli
{
    public static readonly string[] Implemented = ["peak", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"];
    public static readonly string[] Planned = [];

    public static readonly (int, int, int)[] FullShapes =
        [(128, 128, 128), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048), (768, 128, 512), (64, 784, 16)];
    public static readonly (int, int, int)[] QuickShapes = [(128, 128, 128), (512, 512, 512), (768, 128, 512), (64, 784, 16)];

    public static int Run(string[] args)
    {
        try
        {
            if (args.Length > 0 && args[0] == "fuzz") return FuzzCommand.Run(args[1..]);
            if (args.Length > 0 && args[0] == "--child")
            {
                var (child, _) = Parse(args[1..]);
                return HebbWorkloads.Run(child.ToChild());
            }
            var (opts, error) = Parse(args);
            if (error is not null)
            {
                Console.Error.WriteLine(error);
                Console.Error.WriteLine("usage: dotnet run -c Release --project bench/Hebb.Bench -- peak|w1|w2|w3|w4|w5|w6|w7|w8|all " +
                    "[--threads N] [--peers] [--quick] [--epochs E] [--steps S] [--shapes MxKxN,...] [--min-time S] [--out PREFIX] " +
                    "[--no-save] [--keep-openblas-env] [--wait-quiet SECONDS] [--retries N]");
                return 2;
            }
            return new Orchestrator(opts, args).Run();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IOException or InvalidOperationException)
        {
            Console.Error.WriteLine($"hebb-bench: {e.Message}");
            return 1;
        }
    }

    private static (BenchOptions, string?) Parse(string[] args)
    {
        var o = new BenchOptions();
        string? error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            switch (a)
            {
                case "--threads": o.Threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--peers": o.Peers = true; break;
                case "--quick": o.Quick = true; break;
                case "--epochs": o.Epochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--steps": o.Steps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--shapes": o.Shapes = ChildOptions.ParseShapes(Next()); break;
                case "--min-time": o.MinTime = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--out": o.Out = Next(); break;
                case "--no-save": o.NoSave = true; break;
                case "--keep-openblas-env": o.KeepOpenBlasEnv = true; break;
                case "--wait-quiet": o.WaitQuiet = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--retries": o.Retries = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default:
                    if (a.StartsWith('-')) error ??= $"unknown option {a}";
                    else if (o.Workload is null) o.Workload = a.ToLowerInvariant();
                    else error ??= $"one workload only (got '{o.Workload}' and '{a}')";
                    break;
            }
        }
        if (o.Workload is null) error ??= "no workload given";
        else if (o.Workload != "all" && !Implemented.Contains(o.Workload) && !Planned.Contains(o.Workload))
            error ??= $"unknown workload '{o.Workload}'";
        if (o.Threads < 1) error ??= "--threads must be at least 1";
        if (o.Retries < 0) error ??= "--retries must be at least 0";
        if (o.Epochs is < 1) error ??= "--epochs must be at least 1";
        if (o.Steps is < 0) error ??= "--steps must be at least 0 (0: whole epochs)";
        if (o.Workload is "w3" or "w4" && o.Steps is > 0 and < 20)
            error ??= "--steps must be at least 20 for w3 and w4 (the first 10 are warm-up, not timed)";
        return (o, error);
    }
}

internal sealed class BenchOptions
{
    public string? Workload;
    public int Threads = Environment.ProcessorCount;
    public bool Peers, Quick, NoSave, KeepOpenBlasEnv;
    public int? Epochs;
    public int? Steps;
    public List<(int, int, int)>? Shapes;
    public double? MinTime;
    public string? Out;
    public double WaitQuiet;
    public int Retries;

    public int EffectiveEpochs => Epochs ?? (Quick ? 1 : 5);
    /// <summary>W2 (LeNet-5) defaults to one epoch: the speed issue asks for seconds per epoch and the accuracy after epoch 1.</summary>
    public int W2Epochs => Epochs ?? 1;
    /// <summary>W2 steps per epoch when not 0: the run trains on the first steps x 64 training images only (--quick: 200).</summary>
    public int W2Steps => Steps ?? (Quick ? QuickW2Steps : 0);
    public const int QuickW2Steps = 200;
    /// <summary>W3 (char-LSTM) training steps: default 1000, --quick 100.</summary>
    public int W3Steps => Steps is > 0 ? Steps.Value : (Quick ? QuickLmSteps : 1000);
    /// <summary>W4 (char-GPT) iterations: default 2000 (nanoGPT's max_iters), --quick 100.</summary>
    public int W4Steps => Steps is > 0 ? Steps.Value : (Quick ? QuickLmSteps : 2000);
    public const int QuickLmSteps = 100;
    public IReadOnlyList<(int, int, int)> EffectiveShapes => Shapes ?? (Quick ? [.. BenchCli.QuickShapes] : [.. BenchCli.FullShapes]);
    public double EffectiveMinTime => MinTime ?? (Quick ? 0.2 : 0.5);

    public ChildOptions ToChild() => new(Workload!, Threads, EffectiveEpochs, EffectiveShapes, EffectiveMinTime, Steps ?? 0);
}
