using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hebb.Data;
using Hebb.Kernels;
using Hebb.Models;
using Hebb.NN;
using Hebb.Optim;
using Hebb.Training;

namespace Hebb.Bench;

/// <summary>The Hebb side of each workload. Runs inside a child process (one per workload and thread
/// count) and prints one JSON line per measurement.</summary>
internal static class HebbWorkloads
{
    public static int Run(ChildOptions o)
    {
        Parallelism.MaxThreads = o.Threads;
        switch (o.Workload)
        {
            case "peak": Peak(o); return 0;
            case "w1": W1(o, trainerLoop: false); return 0;
            case "w1-trainer": W1(o, trainerLoop: true); return 0;
            case "w5": W5(o); return 0;
            default: Console.Error.WriteLine($"hebb child: unknown workload '{o.Workload}'"); return 2;
        }
    }

    // ---- peak: FMA throughput of this machine, in the same runtime and harness ----

    private const int Accumulators = 12; // FMA latency 4 x 2 pipes = 8 in flight needed on current x86; 12 leaves slack

    private static void Peak(ChildOptions o)
    {
        bool v512 = Avx512F.IsSupported && Vector512.IsHardwareAccelerated;
        if (!v512 && !Fma.IsSupported) throw new PlatformNotSupportedException("peak: needs AVX-512F or FMA3");
        int lanes = v512 ? Vector512<float>.Count : Vector256<float>.Count;
        double flopsPerIter = 2.0 * lanes * Accumulators;
        int threads = o.Threads;

        // Calibrate on one thread: iterations for about a tenth of min-time, then scale.
        long iters = 1 << 16;
        while (true)
        {
            var sw = Stopwatch.StartNew();
            Sink += v512 ? Fma512(iters) : Fma256(iters);
            if (sw.Elapsed.TotalSeconds > o.MinTime / 10) { iters = (long)(iters * o.MinTime / sw.Elapsed.TotalSeconds) + 1; break; }
            iters *= 4;
        }
        double best = double.PositiveInfinity;
        // Best of 5 (not 3 as for GEMM): a peak is a maximum, and the machine may be shared.
        for (int rep = 0; rep < 5; rep++) best = Math.Min(best, RunThreads(threads, iters, v512));
        double gflops = flopsPerIter * iters * threads / best / 1e9;
        Console.Error.WriteLine($"hebb peak threads {threads}: {gflops:F1} GFLOPS ({(v512 ? "Vector512" : "Vector256")} FMA, {Accumulators} accumulators/thread)");
        Json.Emit(new()
        {
            ["workload"] = "peak", ["impl"] = "hebb", ["threads"] = threads, ["gflops"] = Math.Round(gflops, 2),
            ["gflops_per_thread"] = Math.Round(gflops / threads, 2), ["isa"] = v512 ? "avx512f" : "avx2-fma",
            ["vector_bits"] = lanes * 32, ["accumulators"] = Accumulators, ["seconds"] = Math.Round(best, 4),
            ["max_rss_mb"] = Proc.MaxRssMb(),
        });
    }

    private static float Sink;

    /// <summary>Wall seconds for <paramref name="threads"/> dedicated threads each running the loop once.</summary>
    private static double RunThreads(int threads, long iters, bool v512)
    {
        using var start = new ManualResetEventSlim(false);
        using var ready = new CountdownEvent(threads);
        var results = new float[threads];
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() =>
            {
                ready.Signal();
                start.Wait();
                results[id] = v512 ? Fma512(iters) : Fma256(iters);
            }) { IsBackground = true };
            workers[t].Start();
        }
        ready.Wait();
        var sw = Stopwatch.StartNew();
        start.Set();
        foreach (var w in workers) w.Join();
        double seconds = sw.Elapsed.TotalSeconds;
        Sink += results.Sum();
        return seconds;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Fma512(long iters)
    {
        var x = Vector512.Create(0.999999f);
        var y = Vector512.Create(1e-6f);
        Vector512<float> a0 = Vector512.Create(0.0f), a1 = Vector512.Create(0.1f), a2 = Vector512.Create(0.2f), a3 = Vector512.Create(0.3f),
            a4 = Vector512.Create(0.4f), a5 = Vector512.Create(0.5f), a6 = Vector512.Create(0.6f), a7 = Vector512.Create(0.7f),
            a8 = Vector512.Create(0.8f), a9 = Vector512.Create(0.9f), a10 = Vector512.Create(1.0f), a11 = Vector512.Create(1.1f);
        for (long i = 0; i < iters; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, x, y); a1 = Avx512F.FusedMultiplyAdd(a1, x, y);
            a2 = Avx512F.FusedMultiplyAdd(a2, x, y); a3 = Avx512F.FusedMultiplyAdd(a3, x, y);
            a4 = Avx512F.FusedMultiplyAdd(a4, x, y); a5 = Avx512F.FusedMultiplyAdd(a5, x, y);
            a6 = Avx512F.FusedMultiplyAdd(a6, x, y); a7 = Avx512F.FusedMultiplyAdd(a7, x, y);
            a8 = Avx512F.FusedMultiplyAdd(a8, x, y); a9 = Avx512F.FusedMultiplyAdd(a9, x, y);
            a10 = Avx512F.FusedMultiplyAdd(a10, x, y); a11 = Avx512F.FusedMultiplyAdd(a11, x, y);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Fma256(long iters)
    {
        var x = Vector256.Create(0.999999f);
        var y = Vector256.Create(1e-6f);
        Vector256<float> a0 = Vector256.Create(0.0f), a1 = Vector256.Create(0.1f), a2 = Vector256.Create(0.2f), a3 = Vector256.Create(0.3f),
            a4 = Vector256.Create(0.4f), a5 = Vector256.Create(0.5f), a6 = Vector256.Create(0.6f), a7 = Vector256.Create(0.7f),
            a8 = Vector256.Create(0.8f), a9 = Vector256.Create(0.9f), a10 = Vector256.Create(1.0f), a11 = Vector256.Create(1.1f);
        for (long i = 0; i < iters; i++)
        {
            a0 = Fma.MultiplyAdd(a0, x, y); a1 = Fma.MultiplyAdd(a1, x, y);
            a2 = Fma.MultiplyAdd(a2, x, y); a3 = Fma.MultiplyAdd(a3, x, y);
            a4 = Fma.MultiplyAdd(a4, x, y); a5 = Fma.MultiplyAdd(a5, x, y);
            a6 = Fma.MultiplyAdd(a6, x, y); a7 = Fma.MultiplyAdd(a7, x, y);
            a8 = Fma.MultiplyAdd(a8, x, y); a9 = Fma.MultiplyAdd(a9, x, y);
            a10 = Fma.MultiplyAdd(a10, x, y); a11 = Fma.MultiplyAdd(a11, x, y);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    // ---- W1: the seed MLP through the public API ----

    /// <summary>impl "hebb": the step loop of the README example, written out (forward, cost, ZeroGrad,
    /// Backward, Step). impl "hebb-trainer": the library's own loop, <see cref="Trainer.TrainEpoch"/>
    /// (what `hebb train` runs), which may use whatever the library recommends per step.</summary>
    private static void W1(ChildOptions o, bool trainerLoop)
    {
        var gen = new Generator(0);
        var model = MlpConfig.Seed.Build(gen); // InitScheme.Default = PyTorch's Linear default
        var train = TensorDataset.FromMnist(MnistDataset.Load(DatasetCatalog.Mnist, train: true));
        var test = TensorDataset.FromMnist(MnistDataset.Load(DatasetCatalog.Mnist, train: false));
        var sgd = new SGD(model.Parameters(), learningRate: 3.0);
        var loader = new DataLoader(train, batchSize: 100, shuffle: true, gen, recycleBatches: true); // as in the README
        var lossFn = ClassifierRecipe.LossFor(LossKind.Mse, 10);
        var trainer = new Trainer(model, sgd, lossFn);
        string impl = trainerLoop ? "hebb-trainer" : "hebb";

        // Allocation is measured over steady-state steps: epoch 2 onwards, or steps 101+ of a 1-epoch run.
        int measureFromEpoch = o.Epochs > 1 ? 2 : 1, measureFromStep = o.Epochs > 1 ? 0 : 100;
        long threadAlloc0 = 0, totalAlloc0 = 0, measuredSteps = 0;
        int gen0 = 0, gen1 = 0, gen2 = 0;
        void StartMeasuring()
        {
            threadAlloc0 = GC.GetAllocatedBytesForCurrentThread();
            totalAlloc0 = GC.GetTotalAllocatedBytes(precise: true);
            gen0 = GC.CollectionCount(0); gen1 = GC.CollectionCount(1); gen2 = GC.CollectionCount(2);
        }

        var times = new List<double>();
        for (int epoch = 1; epoch <= o.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            double lastLoss = double.NaN;
            if (trainerLoop)
            {
                if (epoch == measureFromEpoch && measureFromStep == 0) StartMeasuring();
                int e = epoch;
                trainer.TrainEpoch(loader, info =>
                {
                    if (e > measureFromEpoch || (e == measureFromEpoch && info.Step > measureFromStep)) measuredSteps++;
                    if (e == measureFromEpoch && info.Step == measureFromStep) StartMeasuring();
                    lastLoss = info.Loss;
                });
            }
            else
            {
                int step = 0;
                foreach (var (x, labels) in loader)
                {
                    if (epoch == measureFromEpoch && step == measureFromStep) StartMeasuring();
                    using var scope = TensorScope.Begin(); // as in the README
                    var cost = Losses.SquaredErrorCost(model.Forward(x), Losses.OneHot(labels, 10));
                    sgd.ZeroGrad();
                    cost.Backward();
                    sgd.Step();
                    if (epoch > measureFromEpoch || (epoch == measureFromEpoch && step >= measureFromStep)) measuredSteps++;
                    step++;
                    if (step == loader.Count) lastLoss = cost.ItemAsDouble();
                }
            }
            times.Add(clock.Elapsed.TotalSeconds);
            Console.Error.WriteLine($"{impl} w1 epoch {epoch}: {times[^1]:F3} s, last loss {lastLoss:F4}");
        }
        long threadAlloc = GC.GetAllocatedBytesForCurrentThread() - threadAlloc0;
        long totalAlloc = GC.GetTotalAllocatedBytes(precise: true) - totalAlloc0;
        int c0 = GC.CollectionCount(0) - gen0, c1 = GC.CollectionCount(1) - gen1, c2 = GC.CollectionCount(2) - gen2;

        var accuracy = Trainer.Evaluate(model, test, lossFn).Accuracy;
        var steady = times.Count > 1 ? times.Skip(1).ToList() : times;
        double sec = Stats.Median(steady);
        Json.Emit(new()
        {
            ["workload"] = "w1", ["impl"] = impl, ["threads"] = o.Threads, ["epoch_seconds"] = Math.Round(sec, 4),
            ["sec_per_100_steps"] = Math.Round(sec / 6, 5), ["first_epoch_seconds"] = Math.Round(times[0], 4),
            ["epoch_seconds_all"] = times.Select(t => Math.Round(t, 4)).ToArray(), ["epochs"] = o.Epochs,
            ["test_accuracy"] = Math.Round(accuracy, 4),
            ["alloc_bytes_per_step"] = measuredSteps > 0 ? threadAlloc / measuredSteps : null,
            ["alloc_total_bytes_per_step"] = measuredSteps > 0 ? totalAlloc / measuredSteps : null,
            ["alloc_measured_steps"] = measuredSteps,
            ["gc_collections"] = new[] { c0, c1, c2 },
            ["max_rss_mb"] = Proc.MaxRssMb(),
        });
    }

    // ---- W5: SGEMM through the kernel and through the tensor API ----

    private static void W5(ChildOptions o)
    {
        foreach (var (m, k, n) in o.Shapes)
        {
            var gen = new Generator(1);
            var ta = Tensor.Randn(gen, m, k);
            var tb = Tensor.Randn(gen, k, n);
            float[] a = ta.ToArray<float>(), b = tb.ToArray<float>(), c = new float[m * n];
            double flops = 2.0 * m * n * k;

            double s = Timing.BestSeconds(() => Gemm.Multiply(a, 0, k, 1, b, 0, n, 1, c, 0, m, k, n), o.MinTime);
            double err = Check.Rows(a, b, c, m, k, n);
            Report("hebb", s, err);

            Tensor? result = null;
            double st = Timing.BestSeconds(() => result = ta.MatMul(tb), o.MinTime);
            double errT = Check.Rows(a, b, result!.ToArray<float>(), m, k, n);
            Report("hebb-tensor", st, errT);

            void Report(string impl, double seconds, double relErr)
            {
                double gflops = flops / seconds / 1e9;
                Console.Error.WriteLine($"{impl} w5 {m}x{k}x{n} threads {o.Threads}: {gflops:F1} GFLOPS (rel err {relErr:G2})");
                Json.Emit(new()
                {
                    ["workload"] = "w5", ["impl"] = impl, ["threads"] = o.Threads, ["m"] = m, ["k"] = k, ["n"] = n,
                    ["gflops"] = Math.Round(gflops, 2), ["seconds_per_call"] = seconds, ["rel_err"] = relErr,
                    ["max_rss_mb"] = Proc.MaxRssMb(),
                });
            }
        }
    }
}

internal static class Check
{
    /// <summary>Largest error of a few rows of C = A·B against a float64 product, relative to those rows' magnitude.</summary>
    public static double Rows(float[] a, float[] b, float[] c, int m, int k, int n)
    {
        double maxErr = 0, maxRef = 0;
        var row = new double[n];
        foreach (int i in new[] { 0, m / 2, m - 1 }.Distinct())
        {
            Array.Clear(row);
            for (int p = 0; p < k; p++)
            {
                double aip = a[i * k + p];
                for (int j = 0; j < n; j++) row[j] += aip * b[p * n + j];
            }
            for (int j = 0; j < n; j++)
            {
                maxErr = Math.Max(maxErr, Math.Abs(c[i * n + j] - row[j]));
                maxRef = Math.Max(maxRef, Math.Abs(row[j]));
            }
        }
        return maxErr / (maxRef + 1e-30);
    }
}
