using Hebb.Data;
using Hebb.IO;
using Hebb.NN;
using Hebb.Optim;
using Hebb.Tests.Data;
using Hebb.Training;

namespace Hebb.Tests.Training;

/// <summary>Checkpoints: a run stopped part-way and resumed from its checkpoint ends with the same weights, bit for bit, as
/// one never stopped; a checkpoint of another run, or a damaged one, is refused and changes nothing.</summary>
public class CheckpointTests
{
    private static readonly Lazy<(TensorDataset Train, TensorDataset Validation)> Digits = new(() =>
    {
        var all = TensorDataset.FromMnist(MnistDataset.Load(DatasetCatalog.Mnist, train: true, TestData.DatasetsRoot));
        return (all.Slice(0, 600), all.Slice(600, 200));
    });

    /// <summary>Everything one run needs, built from one seed: a network with dropout, Adam, a cosine schedule, shuffled
    /// batches and early stopping on a validation loss.</summary>
    private sealed class Run
    {
        public readonly Generator Generator;
        public readonly Sequential Model;
        public readonly Adam Optimizer;
        public readonly DataLoader Loader;
        public readonly Trainer Trainer;
        public readonly EarlyStopping Early;

        public Run(string? checkpointPath, CancellationToken cancel = default, int seed = 3, int hidden = 32,
            bool restoreDataGenerator = true)
        {
            Generator = new Generator(seed);
            Model = new Sequential(
                new Linear(784, hidden, Generator), new ReLU(), new Dropout(0.2, Generator.Fork()), new Linear(hidden, 10, Generator));
            Optimizer = new Adam(Model.Parameters(), 3e-3);
            Loader = new DataLoader(Digits.Value.Train, 32, shuffle: true, Generator, recycleBatches: true);
            Trainer = new Trainer(Model, Optimizer, Losses.CrossEntropy)
            {
                Schedule = new CosineWithWarmupSchedule(3e-3, 0, 0, 4 * Loader.Count),
                Checkpoints = checkpointPath is null ? null : new CheckpointPolicy(checkpointPath, 7)
                {
                    Identity = new Dictionary<string, string> { ["data"] = Digits.Value.Train.Fingerprint() },
                    Generators = restoreDataGenerator
                        ? new Dictionary<string, Generator> { ["data"] = Generator }
                        : new Dictionary<string, Generator>(),
                },
                Cancellation = cancel,
            };
            Early = new EarlyStopping(Model, patience: 2);
        }

        public FitResult Fit(Checkpoint? resume = null, Action<StepInfo>? onStep = null) => Trainer.Fit(Loader, 4,
            () => Trainer.Evaluate(Model, Digits.Value.Validation, Losses.CrossEntropy, 10).Loss, Early, onStep: onStep,
            resumeFrom: resume);

        public float[][] Weights() => Model.StateDict().Select(kv => kv.Value.ToArray<float>()).ToArray();
    }

    [Theory]
    [InlineData(5)]    // mid-epoch, before the first checkpoint of step 7: resumes from the stop's own checkpoint
    [InlineData(19)]   // the last step of epoch 1 (19 batches of 32 in 600)
    [InlineData(44)]   // mid-epoch 3, after the early-stopping watch has best weights to save
    public void AStoppedRunResumedFromItsCheckpointEndsBitForBitAsAnUnbrokenOne(int stopAfter)
    {
        var unbroken = new Run(null);
        var expected = unbroken.Fit();

        using var folder = TestData.CreateTempFolder();
        string path = Path.Combine(folder.Path, "run.ckpt");
        using var stop = new CancellationTokenSource();
        var first = new Run(path, stop.Token);
        var e = Assert.Throws<TrainingInterruptedException>(() => first.Fit(onStep: s =>
        {
            if (first.Optimizer.StepCount == stopAfter) stop.Cancel();
        }));
        Assert.Equal(stopAfter, e.Step);
        Assert.Equal(path, e.CheckpointPath);

        var resumed = new Run(path);
        var checkpoint = Checkpoint.Load(path);
        Assert.Equal(stopAfter, checkpoint.StepCount);
        var result = resumed.Fit(checkpoint);

        Assert.Equal(unbroken.Weights(), resumed.Weights());
        Assert.Equal(expected.BestEpoch, result.BestEpoch);
        Assert.Equal(expected.Epochs.Select(x => (x.Epoch, x.TrainLoss, x.ValidationLoss)),
            result.Epochs.Select(x => (x.Epoch, x.TrainLoss, x.ValidationLoss)));
    }

    [Fact]
    public void AResumeThatLeavesOutTheDataGeneratorEndsElsewhere()
    {
        // What the test above guards: without the shuffling generator's state the resumed run draws other batches.
        var unbroken = new Run(null);
        unbroken.Fit();
        using var folder = TestData.CreateTempFolder();
        string path = Path.Combine(folder.Path, "run.ckpt");
        using var stop = new CancellationTokenSource();
        var first = new Run(path, stop.Token);
        Assert.Throws<TrainingInterruptedException>(() => first.Fit(onStep: _ => { if (first.Optimizer.StepCount == 30) stop.Cancel(); }));

        var resumed = new Run(path, restoreDataGenerator: false);
        resumed.Fit(Checkpoint.Load(path));
        Assert.NotEqual(unbroken.Weights(), resumed.Weights());
    }

    [Fact]
    public void ACheckpointOfAnotherModelIsRefusedAndChangesNothing()
    {
        using var folder = TestData.CreateTempFolder();
        string path = Path.Combine(folder.Path, "run.ckpt");
        var small = new Run(path);
        Checkpoint.Capture(small.Model, small.Optimizer).Save(path);

        var wide = new Run(null, hidden: 48);
        var before = wide.Weights();
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path).Restore(wide.Model, wide.Optimizer));
        Assert.Contains("run.ckpt", e.Message);
        Assert.Contains("another model", e.Message);
        Assert.Equal(before, wide.Weights());
        Assert.Equal(0, wide.Optimizer.StepCount);
    }

    [Fact]
    public void ACheckpointOfOtherDataOrSettingsIsRefusedNamingTheDifference()
    {
        using var folder = TestData.CreateTempFolder();
        string path = Path.Combine(folder.Path, "run.ckpt");
        var checkpoint = Checkpoint.Capture(new Run(null).Model, new Run(null).Optimizer);
        checkpoint.Identity["--lr"] = "0.1";
        checkpoint.Identity["training data"] = Digits.Value.Train.Fingerprint();
        checkpoint.Save(path);
        var loaded = Checkpoint.Load(path);

        var e = Assert.Throws<InvalidDataException>(() => loaded.CheckIdentity(new Dictionary<string, string>
        {
            ["training data"] = Digits.Value.Validation.Fingerprint(), ["--lr"] = "0.1",
        }));
        Assert.Contains("it was made with training data 600 samples", e.Message);
        Assert.Contains("this run has 200 samples", e.Message);

        e = Assert.Throws<InvalidDataException>(() => loaded.CheckIdentity(new Dictionary<string, string> { ["--lr"] = "0.5" }));
        Assert.Contains("made with --lr 0.1, this run has 0.5", e.Message);
    }

    [Fact]
    public void AnOptimizerOfAnotherKindIsRefused()
    {
        var run = new Run(null);
        var state = run.Optimizer.StateDict();
        var sgd = new SGD(run.Model.Parameters(), 0.1, momentum: 0.9);
        var e = Assert.Throws<InvalidDataException>(() => sgd.LoadStateDict(state));
        Assert.Contains("the optimiser state is Adam's, not SGD's", e.Message);
    }

    [Fact]
    public void ADamagedOrForeignFileIsRefusedNamingTheFile()
    {
        using var folder = TestData.CreateTempFolder();
        string path = Path.Combine(folder.Path, "run.ckpt");
        var run = new Run(null);
        Checkpoint.Capture(run.Model, run.Optimizer).Save(path);
        var bytes = File.ReadAllBytes(path);

        // One flipped bit in the weights: only the checksum can tell.
        var flipped = (byte[])bytes.Clone();
        flipped[^5] ^= 0x10;
        File.WriteAllBytes(path, flipped);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Equal($"checkpoint '{path}' is damaged: its checksum does not match its content", e.Message);

        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.StartsWith($"checkpoint '{path}' is damaged or not a checkpoint", e.Message);

        File.WriteAllText(path, "epoch,loss\n1,0.5\n");
        e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains("not a safetensors file", e.Message);

        run.Model.Save(path, new Dictionary<string, string> { ["kind"] = "mlp" });
        e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains("it is a model file", e.Message);
    }

    [Fact]
    public void AnOptimizerBufferIndexFarPastTheParametersIsRefusedWithoutSizingMemoryFromIt()
    {
        // Found by the reader fuzzing (tests/Hebb.Tests/Fuzz): renaming 'optimizer.exp_avg.0' to '...100000000' made a
        // 2 KB file allocate two lists of 10^8 entries (1.6 GB, 8 s); '...1000000000' ran out of memory.
        using var folder = TestData.CreateTempFolder();
        string path = Path.Combine(folder.Path, "run.ckpt");
        var g = new Generator(1);
        var model = new Linear(3, 2, g);
        var adam = new Adam(model.Parameters(), 0.1);
        new Trainer(model, adam, (o, t) => Losses.Mse(o, t)).Step(Tensor.FromArray([1f, 2f, 3f], 1, 3), Tensor.FromArray([1f, 0f], 1, 2));
        Checkpoint.Capture(model, adam).Save(path);
        var file = Safetensors.Load(path);
        foreach (string index in new[] { "100000000", "1000000000", "2147483646" })
        {
            Safetensors.Save(path, file.Tensors.Select(t =>
                t.Name == "optimizer.exp_avg.0" ? t with { Name = "optimizer.exp_avg." + index } : t), file.Metadata);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000, "allocated from the hostile index");
            Assert.Equal($"checkpoint '{path}' is damaged: optimiser tensor 'optimizer.exp_avg.{index}' is for parameter {index}, " +
                $"but the checkpoint holds only {file.Tensors.Count} tensors", e.Message);
        }
    }

    [Fact]
    public void AMessageQuotingTheCheckpointStaysOneLine()
    {
        // Found by the reader fuzzing: the format entry and parse errors went into the message as they were.
        using var folder = TestData.CreateTempFolder();
        string path = Path.Combine(folder.Path, "run.ckpt");
        var model = new Linear(3, 2, new Generator(1));
        Checkpoint.Capture(model, new SGD(model.Parameters(), 0.1)).Save(path);
        var file = Safetensors.Load(path);
        var meta = file.Metadata.ToDictionary();
        meta["format"] = "hebb-checkpoint-1\nforged line";
        Safetensors.Save(path, file.Tensors, meta);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Equal($"checkpoint '{path}' has format 'hebb-checkpoint-1\\u000Aforged line'; " +
            "this version of Hebb reads 'hebb-checkpoint-1'", e.Message);
        meta["format"] = "hebb-checkpoint-1";
        meta["optimizer.step_count"] = "1\n2";
        Safetensors.Save(path, file.Tensors, meta);
        e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith($"checkpoint '{path}' is damaged: ", e.Message);
    }

    /// <summary>Throws "no space left" once a number of bytes went through, as a full disk does.</summary>
    private sealed class DiskFullStream(Stream inner, long capacity) : Stream
    {
        private long _written;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_written + count > capacity) throw new IOException("No space left on device");
            inner.Write(buffer, offset, count);
            _written += count;
        }
    }

    [Fact]
    public void AFullDiskDuringASaveLeavesThePreviousCheckpointIntact()
    {
        using var folder = TestData.CreateTempFolder();
        string path = Path.Combine(folder.Path, "run.ckpt");
        var run = new Run(null);
        var old = Checkpoint.Capture(run.Model, run.Optimizer);
        old.Progress["step"] = "old";
        old.Save(path);
        byte[] before = File.ReadAllBytes(path);

        var newer = Checkpoint.Capture(run.Model, run.Optimizer);
        newer.Progress["step"] = "new";
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, s => newer.Write(new DiskFullStream(s, 20_000))));
        Assert.Equal("No space left on device", e.Message);

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal("old", Checkpoint.Load(path).Progress["step"]);
        Assert.Equal(["run.ckpt"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void OptimizerStateRoundTripsForSgdWithMomentum()
    {
        var g = new Generator(1);
        var model = new Linear(3, 2, g);
        var sgd = new SGD(model.Parameters(), 0.1, momentum: 0.9, nesterov: true);
        var empty = sgd.StateDict();
        Assert.All(empty.Buffers["momentum_buffer"], b => Assert.Null(b)); // no velocity before the first step
        var trainer = new Trainer(model, sgd, (o, t) => Losses.Mse(o, t));
        var x = Tensor.FromArray([1f, 2f, 3f], 1, 3);
        trainer.Step(x, Tensor.FromArray([1f, 0f], 1, 2));
        var state = sgd.StateDict();
        var copy = new Linear(3, 2, new Generator(2));
        copy.LoadStateDict(model.StateDict());
        var other = new SGD(copy.Parameters(), 0.5, momentum: 0.9, nesterov: true);
        other.LoadStateDict(state);
        Assert.Equal(1, other.StepCount);
        Assert.Equal(0.1, other.LearningRate);
        trainer.Step(x, Tensor.FromArray([1f, 0f], 1, 2));
        new Trainer(copy, other, (o, t) => Losses.Mse(o, t)).Step(x, Tensor.FromArray([1f, 0f], 1, 2));
        Assert.Equal(model.Weight.ToArray<float>(), copy.Weight.ToArray<float>());
    }

    /// <summary>Two Linear layers, only the first of which the loss uses: the second never gets a gradient.</summary>
    private sealed class HalfUsed : Module
    {
        private readonly Linear _used, _unused;

        public HalfUsed(Generator g)
        {
            _used = new Linear(3, 2, g);
            _unused = new Linear(2, 2, g);
            RegisterComponents();
        }

        public override Tensor Forward(Tensor x) => _used.Forward(x);
    }

    [Fact]
    public void AParameterWhoseMomentumDoesNotExistYetStillResumes()
    {
        // SGD keeps no velocity for a parameter that never had a gradient: the checkpoint must still restore the rest.
        using var folder = TestData.CreateTempFolder();
        string path = Path.Combine(folder.Path, "run.ckpt");
        var x = Tensor.FromArray([1f, 2f, 3f], 1, 3);
        var y = Tensor.FromArray([1f, 0f], 1, 2);
        var model = new HalfUsed(new Generator(4));
        var sgd = new SGD(model.Parameters(), 0.1, momentum: 0.9);
        var trainer = new Trainer(model, sgd, (o, t) => Losses.Mse(o, t));
        trainer.Step(x, y);
        Checkpoint.Capture(model, sgd).Save(path);
        trainer.Step(x, y);

        var copy = new HalfUsed(new Generator(5));
        var other = new SGD(copy.Parameters(), 0.1, momentum: 0.9);
        Checkpoint.Load(path).Restore(copy, other);
        Assert.Null(other.StateDict().Buffers["momentum_buffer"][^1]);
        new Trainer(copy, other, (o, t) => Losses.Mse(o, t)).Step(x, y);
        Assert.Equal(model.StateDict().Select(kv => kv.Value.ToArray<float>()), copy.StateDict().Select(kv => kv.Value.ToArray<float>()));
    }
}
