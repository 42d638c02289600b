// TorchSharp peer of the Hebb benchmarks (bench/Hebb.Bench starts it; it can also run alone):
//
//   dotnet run -c Release --project bench/Hebb.Bench.TorchSharp -- w1|w5 [--threads N] [--epochs E]
//       [--shapes MxKxN,...] [--min-time S]
//
// One JSON line per measurement on stdout, progress on stderr. Same workloads, data files and
// timing rules as the Hebb harness and the PyTorch script. This project does not reference Hebb:
// it has its own small IDX reader.
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
    case "w5": Workloads.W5(opts); break;
    default: Console.Error.WriteLine($"unknown workload '{opts.Workload}' (w1, w5)"); return 2;
}
return 0;

sealed record Options(string Workload, int Threads, int Epochs, string Shapes, double MinTime)
{
    public static Options Parse(string[] args)
    {
        string workload = "", shapes = "128x128x128,256x256x256,512x512x512,1024x1024x1024,2048x2048x2048,768x128x512,64x784x16";
        int threads = Environment.ProcessorCount, epochs = 5;
        double minTime = 0.5;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--epochs": epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--shapes": shapes = args[++i]; break;
                case "--min-time": minTime = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: workload = args[i]; break;
            }
        }
        return new Options(workload, threads, epochs, shapes, minTime);
    }
}

static class Workloads
{
    static void Emit(Dictionary<string, object?> fields)
    {
        var rec = new Dictionary<string, object?> { ["impl"] = "torchsharp" };
        foreach (var (k, v) in fields) rec[k] = v;
        rec["max_rss_mb"] = MaxRssMb();
        Console.Out.WriteLine(JsonSerializer.Serialize(rec));
        Console.Out.Flush();
    }

    static double MaxRssMb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return Math.Round(long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0, 1);
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
        Emit(new() { ["workload"] = "w5-info", ["threads"] = o.Threads, ["version"] = torch.__version__, ["blas"] = "oneMKL (bundled in libtorch_cpu)" });
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
