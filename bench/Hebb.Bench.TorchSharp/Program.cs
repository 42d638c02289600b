// TorchSharp peer of the Hebb benchmarks (bench/Hebb.Bench starts it; it can also run alone):
//
//   dotnet run -c Release --project bench/Hebb.Bench.TorchSharp -- w1|w2|w3|w4|w5|w6 [--threads N] [--epochs E]
//       [--steps S] [--shapes MxKxN,...] [--min-time S]
//
// One JSON line per measurement on stdout, progress on stderr. Same workloads, data files and
// timing rules as the Hebb harness and the PyTorch script. This project does not reference Hebb:
// it has its own small IDX reader and text loader.
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

var opts = Options.Parse(args);
torch.set_num_threads(opts.Threads);
Console.Error.WriteLine($"torchsharp (libtorch {torch.__version__}), threads {torch.get_num_threads()}");
switch (opts.Workload)
{
    case "w1": Workloads.W1(opts); break;
    case "w2": Workloads.W2(opts); break;
    case "w3": LanguageModels.W3(opts); break;
    case "w4": LanguageModels.W4(opts); break;
    case "w5": Workloads.W5(opts); break;
    case "w6": Workloads.W6(opts); break;
    default: Console.Error.WriteLine($"unknown workload '{opts.Workload}' (w1, w2, w3, w4, w5, w6)"); return 2;
}
return 0;

/// <param name="Steps">W2: steps per epoch (the first Steps x 64 training images) when above 0, else whole epochs.
/// W3/W4: training steps (0: 1000 / 2000).</param>
sealed record Options(string Workload, int Threads, int Epochs, string Shapes, double MinTime, int Steps)
{
    public static Options Parse(string[] args)
    {
        string workload = "", shapes = "128x128x128,256x256x256,512x512x512,1024x1024x1024,2048x2048x2048,768x128x512,64x784x16";
        int threads = Environment.ProcessorCount, steps = 0;
        int? epochs = null;
        double minTime = 0.5;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--epochs": epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--shapes": shapes = args[++i]; break;
                case "--min-time": minTime = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: workload = args[i]; break;
            }
        }
        if (steps <= 0 && workload is "w3" or "w4") steps = workload == "w3" ? 1000 : 2000;
        return new Options(workload, threads, epochs ?? (workload == "w2" ? 1 : 5), shapes, minTime, steps);
    }
}

static class Workloads
{
    // Relaxed escaping: "fwd+bwd" stays readable instead of "fwd\u002Bbwd".
    static readonly JsonSerializerOptions JsonOptions =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal static void Emit(Dictionary<string, object?> fields)
    {
        var rec = new Dictionary<string, object?> { ["impl"] = "torchsharp" };
        foreach (var (k, v) in fields) rec[k] = v;
        rec["max_rss_mb"] = MaxRssMb();
        Console.Out.WriteLine(JsonSerializer.Serialize(rec, JsonOptions));
        Console.Out.Flush();
    }

    static double MaxRssMb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return Math.Round(
                    long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0, 1);
        return double.NaN;
    }

    /// <summary>Seed MLP: 784-16-16-10, sigmoid everywhere, sum-of-squares cost, SGD lr 3.0, batch 100.</summary>
    public static void W1(Options o)
    {
        torch.random.manual_seed(0);
        var (xTrain, yTrain) = Mnist.Load(train: true);
        var (xTest, yTest) = Mnist.Load(train: false);
        var model = nn.Sequential(("0", nn.Linear(784, 16)), ("1", nn.Sigmoid()), ("2", nn.Linear(16, 16)), ("3", nn.Sigmoid()),
            ("4", nn.Linear(16, 10)), ("5", nn.Sigmoid())); // PyTorch's default Linear init
        var sgd = optim.SGD(model.parameters(), 3.0);
        long n = xTrain.shape[0];
        const int batch = 100;
        var times = new List<double>();
        double lastLoss = 0;
        for (int epoch = 1; epoch <= o.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            using var perm = torch.randperm(n);
            for (long start = 0; start < n; start += batch)
            {
                using var scope = torch.NewDisposeScope();
                var idx = perm.narrow(0, start, Math.Min(batch, n - start));
                var x = xTrain.index_select(0, idx);
                var target = nn.functional.one_hot(yTrain.index_select(0, idx), 10).to_type(ScalarType.Float32);
                var output = model.forward(x);
                var loss = (output - target).pow(2).sum(1).mean();
                sgd.zero_grad();
                loss.backward();
                sgd.step();
                if (start + batch >= n) lastLoss = loss.item<float>();
            }
            times.Add(clock.Elapsed.TotalSeconds);
            Console.Error.WriteLine($"torchsharp w1 epoch {epoch}: {times[^1]:F3} s, last loss {lastLoss:F4}");
        }
        double accuracy;
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
            accuracy = model.forward(xTest).argmax(1).eq(yTest).to_type(ScalarType.Float32).mean().item<float>();
        var steady = times.Count > 1 ? times.Skip(1).ToList() : times;
        double sec = Median(steady);
        Emit(new()
        {
            ["workload"] = "w1", ["threads"] = o.Threads, ["epoch_seconds"] = Math.Round(sec, 4),
            ["sec_per_100_steps"] = Math.Round(sec / 6, 5), ["first_epoch_seconds"] = Math.Round(times[0], 4),
            ["epoch_seconds_all"] = times.Select(t => Math.Round(t, 4)).ToArray(), ["epochs"] = o.Epochs,
            ["test_accuracy"] = Math.Round(accuracy, 4),
        });
    }

    /// <summary>LeNet-5, cross-entropy, Adam 1e-3, batch 64 (last batch smaller). With Steps > 0, each epoch is
    /// one pass over the first Steps x 64 training images only.</summary>
    public static void W2(Options o)
    {
        const int batch = 64;
        torch.random.manual_seed(0);
        var (xTrain, yTrain) = Mnist.Load(train: true);
        var (xTest, yTest) = Mnist.Load(train: false);
        xTrain = xTrain.view(-1, 1, 28, 28);
        xTest = xTest.view(-1, 1, 28, 28);
        if (o.Steps > 0)
        {
            long keep = Math.Min(xTrain.shape[0], (long)o.Steps * batch);
            xTrain = xTrain.narrow(0, 0, keep);
            yTrain = yTrain.narrow(0, 0, keep);
        }
        var model = nn.Sequential(("0", nn.Conv2d(1, 6, 5, padding: 2)), ("1", nn.ReLU()), ("2", nn.MaxPool2d(2)),
            ("3", nn.Conv2d(6, 16, 5)), ("4", nn.ReLU()), ("5", nn.MaxPool2d(2)), ("6", nn.Flatten()),
            ("7", nn.Linear(400, 120)), ("8", nn.ReLU()), ("9", nn.Linear(120, 84)), ("10", nn.ReLU()), ("11", nn.Linear(84, 10)));
        var adam = optim.Adam(model.parameters(), lr: 1e-3);
        var lossFn = nn.CrossEntropyLoss();
        long n = xTrain.shape[0];
        int steps = (int)((n + batch - 1) / batch);
        var times = new List<double>();
        double lastLoss = 0, accuracy = double.NaN;
        for (int epoch = 1; epoch <= o.Epochs; epoch++)
        {
            model.train();
            var clock = Stopwatch.StartNew();
            using var perm = torch.randperm(n);
            for (long start = 0; start < n; start += batch)
            {
                using var scope = torch.NewDisposeScope();
                var idx = perm.narrow(0, start, Math.Min(batch, n - start));
                var loss = lossFn.forward(model.forward(xTrain.index_select(0, idx)), yTrain.index_select(0, idx));
                model.zero_grad(); // set_to_none, as the PyTorch script
                loss.backward();
                adam.step();
                if (start + batch >= n) lastLoss = loss.item<float>();
            }
            times.Add(clock.Elapsed.TotalSeconds);
            if (epoch == 1) accuracy = Evaluate(model, xTest, yTest); // not timed
            Console.Error.WriteLine($"torchsharp w2 epoch {epoch}: {times[^1]:F3} s ({steps} steps), last loss {lastLoss:F4}" +
                (epoch == 1 ? $", test accuracy {accuracy:P2}" : ""));
        }
        double sec = Median(times.Count > 1 ? times.Skip(1).ToList() : times);
        var rec = new Dictionary<string, object?> { ["workload"] = "w2", ["threads"] = o.Threads };
        if (o.Steps == 0) rec["epoch_seconds"] = Math.Round(sec, 4); // a shortened epoch is no epoch
        rec["sec_per_100_steps"] = Math.Round(sec / steps * 100, 5);
        rec["first_epoch_seconds"] = Math.Round(times[0], 4);
        rec["epoch_seconds_all"] = times.Select(t => Math.Round(t, 4)).ToArray();
        rec["epochs"] = o.Epochs;
        rec["steps_per_epoch"] = steps;
        rec["train_images"] = n;
        rec["test_accuracy"] = Math.Round(accuracy, 4);
        Emit(rec);
    }

    /// <summary>Accuracy in batches of 1000, as Hebb's Trainer.Evaluate.</summary>
    static double Evaluate(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        model.eval();
        using var noGrad = torch.no_grad();
        long correct = 0, n = x.shape[0];
        for (long start = 0; start < n; start += 1000)
        {
            using var scope = torch.NewDisposeScope();
            long len = Math.Min(1000, n - start);
            correct += model.forward(x.narrow(0, start, len)).argmax(1).eq(y.narrow(0, start, len)).sum().item<long>();
        }
        model.train();
        return (double)correct / n;
    }

    // LeNet-5's two convolutions at batch 64, as bench/Hebb.Bench's W6Case.All.
    static readonly (string Layer, int Batch, int In, int Size, int Out, int Kernel, int Padding, bool InputGrad)[] W6Cases =
        [("conv2", 64, 6, 14, 16, 5, 0, true), ("conv1", 64, 1, 28, 6, 5, 2, false)];

    /// <summary>Conv2d forward (no_grad) and forward+backward of sum(); gradients zero-filled in place each time.</summary>
    public static void W6(Options o)
    {
        foreach (var c in W6Cases)
        {
            torch.random.manual_seed(1);
            var conv = nn.Conv2d(c.In, c.Out, c.Kernel, padding: c.Padding);
            using var x = torch.randn([c.Batch, c.In, c.Size, c.Size]);
            int outSize = c.Size + 2 * c.Padding - c.Kernel + 1;
            double fwdFlops = 2.0 * c.Batch * c.Out * outSize * outSize * c.In * c.Kernel * c.Kernel;
            double fwd = Timing.BestSeconds(() =>
            {
                using var noGrad = torch.no_grad();
                using var scope = torch.NewDisposeScope();
                conv.forward(x);
            }, o.MinTime);
            Report("fwd", fwd, 1);
            x.requires_grad_(c.InputGrad);
            double both = Timing.BestSeconds(() =>
            {
                using var scope = torch.NewDisposeScope();
                conv.zero_grad(set_to_none: false); // zero-filled in place, as Hebb's Module.ZeroGrad
                x.grad?.zero_();
                conv.forward(x).sum().backward();
            }, o.MinTime);
            Report("fwd+bwd", both, c.InputGrad ? 3 : 2);

            void Report(string pass, double seconds, int mult)
            {
                Console.Error.WriteLine($"torchsharp w6 {c.Layer} {pass} threads {o.Threads}: {seconds * 1e3:F3} ms/iter");
                Emit(new()
                {
                    ["workload"] = "w6", ["threads"] = o.Threads, ["layer"] = c.Layer, ["pass"] = pass,
                    ["input_shape"] = new[] { c.Batch, c.In, c.Size, c.Size }, ["weight_shape"] = new[] { c.Out, c.In, c.Kernel, c.Kernel },
                    ["padding"] = c.Padding, ["input_grad"] = pass != "fwd" && c.InputGrad,
                    ["ms_per_iter"] = Math.Round(seconds * 1e3, 4), ["gflops"] = Math.Round(fwdFlops * mult / seconds / 1e9, 2),
                });
            }
        }
        Emit(new()
        {
            ["workload"] = "w6-info", ["threads"] = o.Threads, ["version"] = torch.__version__,
            ["blas"] = "oneMKL (bundled in libtorch_cpu)",
        });
    }

    public static void W5(Options o)
    {
        foreach (var shape in o.Shapes.Split(','))
        {
            var d = shape.Split('x').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            int m = d[0], k = d[1], n = d[2];
            var gen = new Generator(1);
            using var a = torch.randn([m, k], generator: gen);
            using var b = torch.randn([k, n], generator: gen);
            using var c = torch.empty(m, n);
            // addmm_ with beta 0 writes A·B into c in place: the out= form, no allocation per call.
            double s = Timing.BestSeconds(() => c.addmm_(a, b, beta: 0, alpha: 1), o.MinTime);
            double err = CheckRows(a, b, c, m);
            double gflops = 2.0 * m * n * k / s / 1e9;
            Console.Error.WriteLine($"torchsharp w5 {m}x{k}x{n} threads {o.Threads}: {gflops:F1} GFLOPS");
            Emit(new()
            {
                ["workload"] = "w5", ["threads"] = o.Threads, ["m"] = m, ["k"] = k, ["n"] = n,
                ["gflops"] = Math.Round(gflops, 2), ["seconds_per_call"] = s, ["rel_err"] = err,
            });
        }
        Emit(new()
        {
            ["workload"] = "w5-info", ["threads"] = o.Threads, ["version"] = torch.__version__,
            ["blas"] = "oneMKL (bundled in libtorch_cpu)",
        });
    }

    /// <summary>Largest error of a few rows of C against float64, relative to those rows' magnitude.</summary>
    static double CheckRows(Tensor a, Tensor b, Tensor c, int m)
    {
        using var scope = torch.NewDisposeScope();
        var rows = torch.tensor(new long[] { 0, m / 2, m - 1 }.Distinct().ToArray());
        var reference = a.index_select(0, rows).to_type(ScalarType.Float64).mm(b.to_type(ScalarType.Float64));
        var got = c.index_select(0, rows).to_type(ScalarType.Float64);
        return (got - reference).abs().max().item<double>() / (reference.abs().max().item<double>() + 1e-30);
    }

    static double Median(List<double> xs)
    {
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}

static class Timing
{
    /// <summary>Warm up, then best of 3 repetitions, each calling fn until minTime has passed; seconds per call.</summary>
    public static double BestSeconds(Action fn, double minTime)
    {
        fn();
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < minTime / 5) fn();
        double best = double.PositiveInfinity;
        for (int rep = 0; rep < 3; rep++)
        {
            long calls = 0;
            var clock = Stopwatch.StartNew();
            double el;
            do { fn(); calls++; } while ((el = clock.Elapsed.TotalSeconds) < minTime);
            best = Math.Min(best, el / calls);
        }
        return best;
    }
}

/// <summary>MNIST from the same IDX.gz files as Hebb and the PyTorch script ($HEBB_DATASETS/mnist).</summary>
static class Mnist
{
    public static (Tensor X, Tensor Y) Load(bool train)
    {
        string root = Path.Combine(Environment.GetEnvironmentVariable("HEBB_DATASETS") ?? "/work/shared/datasets", "mnist");
        string prefix = train ? "train" : "t10k";
        var (imgShape, images) = ReadIdx(Path.Combine(root, $"{prefix}-images-idx3-ubyte.gz"));
        var (_, labels) = ReadIdx(Path.Combine(root, $"{prefix}-labels-idx1-ubyte.gz"));
        int count = imgShape[0], pixels = imgShape[1] * imgShape[2];
        var x = new float[images.Length];
        for (int i = 0; i < x.Length; i++) x[i] = images[i] / 255f;
        var y = new long[labels.Length];
        for (int i = 0; i < y.Length; i++) y[i] = labels[i];
        return (torch.tensor(x, [count, pixels]), torch.tensor(y, [count]));
    }

    static (int[] Shape, byte[] Data) ReadIdx(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        var bytes = ms.GetBuffer().AsSpan(0, (int)ms.Length);
        if (bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08) throw new InvalidDataException($"{path}: not an unsigned-byte IDX file");
        int rank = bytes[3];
        var shape = new int[rank];
        for (int i = 0; i < rank; i++) shape[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.Slice(4 + 4 * i, 4));
        return (shape, bytes[(4 + 4 * rank)..].ToArray());
    }
}
