using Hebb.Cli.Recipes;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hebb.Autograd;
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
        using var settings = ComputeSettings.Use(threads: o.Threads);
        switch (o.Workload)
        {
            case "peak": Peak(o); return 0;
            case "w1": W1(o, trainerLoop: false); return 0;
            case "w1-trainer": W1(o, trainerLoop: true); return 0;
            case "w2": W2(o); return 0;
            case "w3": W3(o); return 0;
            case "w4": W4(o); return 0;
            case "w5": W5(o); return 0;
            case "w6": W6(o); return 0;
            case "w7": GenerateWorkload.Run(o); return 0;
            case "w8": InferenceWorkload.Run(o, ort: false); return 0;
            case "w8-ort": InferenceWorkload.Run(o, ort: true); return 0;
            case "w7-prepare": GenerateWorkload.Prepare(Environment.GetEnvironmentVariable(GenerateWorkload.DirEnv)!); return 0;
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
        Console.Error.WriteLine($"hebb peak threads {threads}: {gflops:F1} GFLOPS " +
            $"({(v512 ? "Vector512" : "Vector256")} FMA, {Accumulators} accumulators/thread)");
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

    // ---- W2: LeNet-5 on MNIST through the library, as a user would ----

    /// <summary>LeNet-5 (<see cref="LeNet5Config"/>), cross-entropy, Adam 1e-3 without a schedule, batch 64
    /// shuffled (recycled batches), <see cref="Trainer.TrainEpoch"/>. With o.Steps > 0 every epoch is one
    /// pass over the first Steps x 64 training images only (--quick). Test accuracy after epoch 1.</summary>
    private static void W2(ChildOptions o)
    {
        const int batch = 64;
        var gen = new Generator(0);
        var model = new LeNet5Config().Build(gen);
        var train = TensorDataset.FromMnist(MnistDataset.Load(DatasetCatalog.Mnist, train: true)).WithSampleShape(1, 28, 28);
        var test = TensorDataset.FromMnist(MnistDataset.Load(DatasetCatalog.Mnist, train: false)).WithSampleShape(1, 28, 28);
        if (o.Steps > 0) train = train.Slice(0, Math.Min(train.Count, o.Steps * batch));
        var adam = new Adam(model.Parameters(), learningRate: 1e-3);
        var loader = new DataLoader(train, batch, shuffle: true, gen, recycleBatches: true); // dropLast false: 938 steps
        var trainer = new Trainer(model, adam, Losses.CrossEntropy);

        // Allocation over steady-state steps: epoch 2 onwards, or after the first quarter (at most 100 steps) of a 1-epoch run.
        int measureFromEpoch = o.Epochs > 1 ? 2 : 1, measureFromStep = o.Epochs > 1 ? 0 : Math.Min(100, loader.Count / 4);
        var meter = new AllocMeter();
        var times = new List<double>();
        double accuracy = double.NaN;
        for (int epoch = 1; epoch <= o.Epochs; epoch++)
        {
            if (epoch == measureFromEpoch && measureFromStep == 0) meter.Start();
            int e = epoch;
            double lastLoss = double.NaN;
            var clock = Stopwatch.StartNew();
            trainer.TrainEpoch(loader, info =>
            {
                if (e > measureFromEpoch || (e == measureFromEpoch && info.Step > measureFromStep)) meter.Steps++;
                if (e == measureFromEpoch && info.Step == measureFromStep) meter.Start();
                lastLoss = info.Loss;
            });
            times.Add(clock.Elapsed.TotalSeconds);
            meter.Pause();
            if (epoch == 1) accuracy = Trainer.Evaluate(model, test, Losses.CrossEntropy).Accuracy; // not timed
            Console.Error.WriteLine($"hebb w2 epoch {epoch}: {times[^1]:F3} s ({loader.Count} steps), last loss {lastLoss:F4}" +
                (epoch == 1 ? $", test accuracy {accuracy:P2}" : ""));
            meter.Resume();
        }
        meter.Pause();

        var rec = W2Record(o, "hebb", times, loader.Count, train.Count, accuracy);
        rec["alloc_bytes_per_step"] = meter.Steps > 0 ? meter.ThreadBytes / meter.Steps : null;
        rec["alloc_total_bytes_per_step"] = meter.Steps > 0 ? meter.TotalBytes / meter.Steps : null;
        rec["alloc_measured_steps"] = meter.Steps;
        rec["gc_collections"] = meter.Collections;
        rec["max_rss_mb"] = Proc.MaxRssMb();
        Json.Emit(rec);
    }

    /// <summary>The W2 figures every implementation reports (the peers build the same record).</summary>
    private static Dictionary<string, object?> W2Record(
        ChildOptions o, string impl, List<double> times, int stepsPerEpoch, int trainImages, double accuracy)
    {
        var steady = times.Count > 1 ? times.Skip(1).ToList() : times;
        double sec = Stats.Median(steady);
        var rec = new Dictionary<string, object?> { ["workload"] = "w2", ["impl"] = impl, ["threads"] = o.Threads };
        // A shortened epoch (--quick, --steps) is no epoch: then only the per-step figure.
        if (o.Steps == 0) rec["epoch_seconds"] = Math.Round(sec, 4);
        rec["sec_per_100_steps"] = Math.Round(sec / stepsPerEpoch * 100, 5);
        rec["first_epoch_seconds"] = Math.Round(times[0], 4);
        rec["epoch_seconds_all"] = times.Select(t => Math.Round(t, 4)).ToArray();
        rec["epochs"] = o.Epochs;
        rec["steps_per_epoch"] = stepsPerEpoch;
        rec["train_images"] = trainImages;
        rec["test_accuracy"] = Math.Round(accuracy, 4);
        return rec;
    }

    // ---- W3: char-LSTM on tinyshakespeare through the library's text recipe ----

    /// <summary>Steps not timed at the start of W3 and W4 (first-call JIT, pool and cache warm-up); the peers skip as many.</summary>
    public static int WarmupSteps(int steps) => Math.Min(10, steps / 2);

    /// <summary><see cref="LanguageModelRecipe.Run"/> with its defaults, which are W3: Embedding(65, 64) -> LSTM 256 ->
    /// Linear(256, 65), random windows of 64, batch 32, Adam 2e-3, clip 1.0, seed 0. Only one evaluation (after the
    /// last step) and no samples, so the steps are timed back to back through the onStep callback.</summary>
    private static void W3(ChildOptions o)
    {
        var data = CharDataset.Load("tinyshakespeare"); // $HEBB_DATASETS/tinyshakespeare/input.txt, as the CLI finds it
        var options = new TextTrainingOptions { Steps = o.Steps, EvalInterval = o.Steps, SampleLength = 0, Seed = 0 };
        int warm = WarmupSteps(o.Steps);
        var meter = new AllocMeter();
        long t0 = Stopwatch.GetTimestamp(), t1 = 0;
        double lastLoss = double.NaN;
        var result = LanguageModelRecipe.Run(options, data, info =>
        {
            if (info.Step > warm) meter.Steps++;
            if (info.Step == warm) { t0 = Stopwatch.GetTimestamp(); meter.Start(); }
            if (info.Step == o.Steps) { t1 = Stopwatch.GetTimestamp(); meter.Pause(); lastLoss = info.Loss; }
        });
        double timed = Stopwatch.GetElapsedTime(t0, t1).TotalSeconds;
        Console.Error.WriteLine($"hebb w3: {o.Steps} steps, {timed / (o.Steps - warm) * 100:F3} s/100 steps, " +
            $"last loss {lastLoss:F4}, val loss {result.ValidationLoss:F4}");
        var rec = LmRecord("w3", "hebb", o.Threads, o.Steps, warm, timed, lastLoss, result.ValidationLoss);
        rec["train_loss_eval"] = Math.Round(result.TrainLoss, 4);
        AddAlloc(rec, meter);
        Json.Emit(rec);
    }

    /// <summary>The W3/W4 figures every implementation reports (the peers build the same record).</summary>
    private static Dictionary<string, object?> LmRecord(
        string workload, string impl, int threads, int steps, int warm, double timedSeconds, double lastLoss, double valLoss)
    {
        var rec = new Dictionary<string, object?> { ["workload"] = workload, ["impl"] = impl, ["threads"] = threads };
        double perStep = timedSeconds / (steps - warm);
        if (workload == "w3") rec["sec_per_100_steps"] = Math.Round(perStep * 100, 5);
        else rec["ms_per_iter"] = Math.Round(perStep * 1e3, 4);
        rec["steps"] = steps;
        rec["warmup_steps"] = warm;
        rec["last_loss"] = Math.Round(lastLoss, 4);
        rec["val_loss"] = Math.Round(valLoss, 4);
        return rec;
    }

    private static void AddAlloc(Dictionary<string, object?> rec, AllocMeter meter)
    {
        rec["alloc_bytes_per_step"] = meter.Steps > 0 ? meter.ThreadBytes / meter.Steps : null;
        rec["alloc_total_bytes_per_step"] = meter.Steps > 0 ? meter.TotalBytes / meter.Steps : null;
        rec["alloc_measured_steps"] = meter.Steps;
        rec["gc_collections"] = meter.Collections;
        rec["max_rss_mb"] = Proc.MaxRssMb();
    }

    // ---- W4: char-GPT, nanoGPT's CPU config for shakespeare_char ----

    /// <summary>nanoGPT's `train.py config/train_shakespeare_char.py --device=cpu ...` run: 4 layers, 4 heads, n_embd 128,
    /// block 64, batch 12, dropout 0, bias false (train.py's default), tied lm_head; AdamW lr 1e-3 betas (0.9, 0.99),
    /// weight decay 0.1 on the 2-D parameters only; warm-up 100 then cosine to 1e-4 at iteration 2000 (fixed, as
    /// nanoGPT's lr_decay_iters: a shorter run stops partway); clip 1.0. One step per iteration (no gradient
    /// accumulation), one TensorScope per step. Validation loss as W3 (the recipe's fixed evenly spaced windows).</summary>
    private static void W4(ChildOptions o)
    {
        const int batch = 12, block = 64;
        var data = CharDataset.Load("tinyshakespeare");
        var gen = new Generator(0);
        var model = (Gpt)new GptConfig(
            data.Vocabulary.Count, Layers: 4, Heads: 4, EmbeddingDim: 128, BlockSize: block, Dropout: 0, Bias: false).Build(gen);
        var parameters = model.Parameters().ToArray();
        var adamw = new AdamW(ParameterGroup.DecayMatricesOnly(parameters, 0.1), learningRate: 1e-3, beta1: 0.9, beta2: 0.99);
        var schedule = new CosineWithWarmupSchedule(1e-3, 1e-4, warmupSteps: 100, totalSteps: 2000);
        int warm = WarmupSteps(o.Steps);
        var meter = new AllocMeter();
        long t0 = Stopwatch.GetTimestamp();
        double loss = double.NaN;
        model.Train();
        for (int it = 0; it < o.Steps; it++)
        {
            if (it == warm) { t0 = Stopwatch.GetTimestamp(); meter.Start(); }
            if (it >= warm) meter.Steps++;
            schedule.Apply(adamw, it);
            using var scope = TensorScope.Begin();
            var (x, y) = data.RandomBatch(validation: false, batch, block, gen);
            var l = Losses.CrossEntropy(model.Forward(x).Reshape(-1, model.VocabSize), y.Reshape(-1));
            adamw.ZeroGrad();
            l.Backward();
            GradientClipping.ClipGradNorm(parameters, 1.0);
            adamw.Step();
            loss = l.ItemAsDouble(); // nanoGPT's CPU run logs every iteration (log_interval 1)
        }
        double timed = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        meter.Pause();
        double val = LanguageModelRecipe.Evaluate(
            model, data, validation: true, new TextTrainingOptions { BatchSize = batch, Block = block });
        Console.Error.WriteLine($"hebb w4: {o.Steps} iterations, {timed / (o.Steps - warm) * 1e3:F2} ms/iter, " +
            $"last loss {loss:F4}, val loss {val:F4}");
        var rec = LmRecord("w4", "hebb", o.Threads, o.Steps, warm, timed, loss, val);
        rec["parameters"] = parameters.Sum(p => (long)p.Numel);
        AddAlloc(rec, meter);
        Json.Emit(rec);
    }

    // ---- W6: Conv2d forward and forward+backward ----

    private static void W6(ChildOptions o)
    {
        foreach (var c in W6Case.All)
        {
            var gen = new Generator(1);
            var conv = new Conv2d(c.InChannels, c.OutChannels, c.Kernel, gen, padding: c.Padding);
            var x = Tensor.Randn(gen, c.Batch, c.InChannels, c.Size, c.Size);

            double fwd = Timing.BestSeconds(() =>
            {
                using var scope = TensorScope.Begin();
                using var noGrad = GradMode.NoGrad();
                conv.Forward(x);
            }, o.MinTime);
            Report("fwd", fwd);

            x.RequiresGrad = c.InputGrad;
            double both = Timing.BestSeconds(() =>
            {
                using var scope = TensorScope.Begin();
                // Zero-filled in place, as Module.ZeroGrad does (the peers do the same): backward accumulates into the same buffers.
                conv.ZeroGrad();
                x.Grad?.FillInPlace(0);
                conv.Forward(x).Sum().Backward();
            }, o.MinTime);
            Report("fwd+bwd", both);

            void Report(string pass, double seconds)
            {
                Console.Error.WriteLine($"hebb w6 {c.Layer} {pass} threads {o.Threads}: {seconds * 1e3:F3} ms/iter");
                var rec = c.Record("hebb", o.Threads, pass, seconds);
                rec["max_rss_mb"] = Proc.MaxRssMb();
                Json.Emit(rec);
            }
        }
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

/// <summary>GC counters over the measured steps of a training run (pausable, so evaluation is left out).</summary>
internal sealed class AllocMeter
{
    private long _thread, _total, _thread0, _total0;
    private readonly int[] _gc = new int[3], _gc0 = new int[3];
    private bool _running, _started;

    public long Steps;
    public long ThreadBytes => _thread;
    public long TotalBytes => _total;
    public int[] Collections => [.. _gc];

    public void Start()
    {
        _started = true;
        Resume();
    }

    public void Resume()
    {
        if (!_started || _running) return;
        _running = true;
        _thread0 = GC.GetAllocatedBytesForCurrentThread();
        _total0 = GC.GetTotalAllocatedBytes(precise: true);
        for (int g = 0; g < 3; g++) _gc0[g] = GC.CollectionCount(g);
    }

    public void Pause()
    {
        if (!_running) return;
        _running = false;
        _thread += GC.GetAllocatedBytesForCurrentThread() - _thread0;
        _total += GC.GetTotalAllocatedBytes(precise: true) - _total0;
        for (int g = 0; g < 3; g++) _gc[g] += GC.CollectionCount(g) - _gc0[g];
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
