using System.Diagnostics;
using System.Runtime.InteropServices;
using Hebb.IO;
using Hebb.Tests.Data;
using Hebb.Training;

namespace Hebb.Tests.Cli;

/// <summary>Training that survives, tested as a user meets it: the `hebb` process killed with SIGKILL and resumed from its
/// last checkpoint ends with the weights of a run never killed; Ctrl-C stops with a checkpoint; a diverging run keeps the
/// last good checkpoint.</summary>
public class ResumeTests
{
    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Hebb.Cli.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["HEBB_DATASETS"] = TestData.DatasetsRoot;
        return Process.Start(start)!;
    }

    /// <summary>Starts the run, kills it with SIGKILL at a moment after its first checkpoint, resumes it, and checks the
    /// resumed run's model equals <paramref name="reference"/>'s, tensor by tensor, bit for bit.</summary>
    private static void KillAndResume(string[] run, int seed)
    {
        using var folder = TestData.CreateTempFolder();
        string reference = folder.Combine("reference.safetensors"), resumed = folder.Combine("resumed.safetensors");
        string checkpoint = folder.Combine("run.ckpt");
        var (code, _, stderr) = CliTests.Hebb([.. run, "--out", reference]);
        Assert.True(code == 0, stderr);

        using (var process = Start([.. run, "--out", resumed, "--checkpoint", checkpoint, "--checkpoint-every", "10"]))
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddMinutes(5);
            while (!File.Exists(checkpoint) && !process.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(5);
            Thread.Sleep(new Random(seed).Next(0, 150)); // somewhere in the run: the outcome must not depend on where
            process.Kill(); // SIGKILL: no handler runs, no file is closed properly
            process.WaitForExit();
            Assert.DoesNotContain("saved model", output.Result); // it really was killed before the end
        }
        Assert.False(File.Exists(resumed));

        (code, var stdout, stderr) = CliTests.Hebb([.. run, "--out", resumed, "--resume", checkpoint]);
        Assert.True(code == 0, stderr);
        Assert.Contains($"resuming from {checkpoint} (step ", stdout);
        var expected = Safetensors.Load(reference);
        var actual = Safetensors.Load(resumed);
        Assert.Equal(expected.Tensors.Select(t => t.Name), actual.Tensors.Select(t => t.Name));
        foreach (var t in expected.Tensors) Assert.Equal(t.Data, actual[t.Name].Data);
    }

    [Fact]
    public void AnImageClassifierKilledAndResumedEndsBitForBitAsAnUnbrokenRun() => KillAndResume(
        ["train", "mnist", "--model", "lenet5", "--dropout", "0.2", "--train-limit", "3000", "--epochs", "3", "--seed", "5"], seed: 1);

    [Fact]
    public void ALanguageModelKilledAndResumedEndsBitForBitAsAnUnbrokenRun() => KillAndResume(
        ["train", "text", "--model", "lstm", "--hidden", "64", "--layers", "2", "--dropout", "0.1", "--tbptt", "--batch-size", "8",
         "--block", "32", "--steps", "150", "--eval-interval", "50", "--seed", "2"], seed: 2);

    [Fact]
    public void ATableRunStoppedAndResumedEndsBitForBitAsAnUnbrokenOne()
    {
        var options = new Hebb.Cli.Recipes.TableOptions
        {
            DataPath = Path.Combine(TestData.DatasetsRoot, "tabular", "wine.csv"), Target = "cultivar", Epochs = 30,
        };
        var table = Hebb.Data.CsvTable.Load(options.DataPath);
        var unbroken = Hebb.Cli.Recipes.TableRecipe.Run(options, table);

        using var folder = TestData.CreateTempFolder();
        string path = folder.Combine("table.ckpt");
        using var stop = new CancellationTokenSource();
        Assert.Throws<TrainingInterruptedException>(() => Hebb.Cli.Recipes.TableRecipe.Run(options, table, null,
            e => { if (e.Epoch == 11) stop.Cancel(); },
            new Hebb.Cli.Recipes.RunControl { CheckpointPath = path, Cancellation = stop.Token }));
        var resumed = Hebb.Cli.Recipes.TableRecipe.Run(options, table, null, null,
            new Hebb.Cli.Recipes.RunControl { Resume = Checkpoint.Load(path) });

        Assert.Equal(unbroken.History.Select(e => (e.Epoch, e.TrainLoss)), resumed.History.Select(e => (e.Epoch, e.TrainLoss)));
        Assert.Equal(unbroken.Model.Network.StateDict().Select(kv => kv.Value.ToArray<float>()),
            resumed.Model.Network.StateDict().Select(kv => kv.Value.ToArray<float>()));
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [Fact]
    public async Task CtrlCFinishesTheStepWritesACheckpointAndTheModelAndSaysWhere()
    {
        using var folder = TestData.CreateTempFolder();
        string model = folder.Combine("model.safetensors");
        using var process = Start("train", "mnist", "--train-limit", "3000", "--epochs", "1000", "--out", model);
        var stderr = process.StandardError.ReadToEndAsync();
        string? line;
        do line = process.StandardOutput.ReadLine(); while (line is not null && !line.StartsWith("epoch", StringComparison.Ordinal));
        Assert.NotNull(line); // training has begun (an epoch of 1000 is done)
        Assert.Equal(0, kill(process.Id, 2)); // SIGINT, what Ctrl-C sends
        string rest = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "hebb did not stop after Ctrl-C");

        Assert.Equal(130, process.ExitCode);
        Assert.Contains("stopping after the current step and writing a checkpoint (press Ctrl-C again to quit at once)", await stderr);
        var stopped = System.Text.RegularExpressions.Regex.Match(rest, @"stopped after step (\d+)");
        Assert.True(stopped.Success, rest);
        string checkpoint = model + ".ckpt";
        Assert.Contains($"checkpoint written to {checkpoint} (continue with the same command and --resume {checkpoint})", rest);
        Assert.Contains($"saved the model as it stands to {model}", rest);
        Assert.Equal(int.Parse(stopped.Groups[1].Value), Checkpoint.Load(checkpoint).StepCount);
        Assert.Equal(stopped.Groups[1].Value, Safetensors.Load(model).Metadata["stopped_at_step"]);
    }

    [Fact]
    public void ADivergingRunStopsNamingTheStepAndKeepsTheLastGoodCheckpoint()
    {
        using var folder = TestData.CreateTempFolder();
        string checkpoint = folder.Combine("run.ckpt");
        var (code, _, stderr) = CliTests.Hebb("train", "mnist", "--model", "lenet5", "--lr", "1e30", "--train-limit", "1000",
            "--checkpoint", checkpoint, "--checkpoint-every", "1");
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        var m = System.Text.RegularExpressions.Regex.Match(stderr,
            @"training diverged at step (\d+): .* \(the weights are left as after step (\d+)\); " +
            @"the last good checkpoint, of step (\d+), is ");
        Assert.True(m.Success, stderr);
        Assert.Contains(checkpoint, stderr);
        int good = int.Parse(m.Groups[3].Value);
        Assert.Equal(int.Parse(m.Groups[1].Value) - 1, good);
        var saved = Checkpoint.Load(checkpoint);
        Assert.Equal(good, saved.StepCount);
        var weights = Safetensors.Load(checkpoint).Tensors.Where(t => t.Name.StartsWith("model.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(weights);
        Assert.All(weights, t => Assert.All(t.Data, v => Assert.True(float.IsFinite(v), $"{t.Name} holds {v}")));
    }
}

/// <summary>The two Ctrl-C's: the first is taken over (the run stops after its step), the second is left to end the process.</summary>
public class StopSignalTests
{
    [Fact]
    public void TheFirstCtrlCAsksTheRunToStopAndTheSecondIsLeftToEndTheProcess()
    {
        using var signal = Hebb.Cli.Commands.StopSignal.Listen();
        var first = new PosixSignalContext(PosixSignal.SIGINT);
        signal.Handle(first);
        Assert.True(first.Cancel); // the process goes on, to finish the step and write the checkpoint
        Assert.True(signal.Token.IsCancellationRequested);
        var second = new PosixSignalContext(PosixSignal.SIGINT);
        signal.Handle(second);
        Assert.False(second.Cancel); // the default action: the process ends at once
    }
}

/// <summary>A run that cannot fit in memory is refused up front with the estimate, not left to die of an out-of-memory
/// error (the sizes are far beyond any machine's memory, so the refusal does not depend on this one's).</summary>
public class ResourceFaultTests
{
    [Theory]
    [InlineData("train", "mnist", "--hidden", "1000000", "--batch-size", "60000")]
    [InlineData("train", "text", "--model", "gpt", "--batch-size", "5000", "--block", "1024", "--steps", "1")]
    public void ARunThatCannotFitIsRefusedWithTheEstimate(params string[] args)
    {
        var (code, _, stderr) = CliTests.Hebb(args);
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Matches(@"^hebb: this run needs about [\d.]+ GB \([\d.]+ [MG]B for the weights, their gradients " +
            @"and the optimiser's state, " +
            @"[\d.]+ GB for a batch's activations\), more than the [\d.]+ GB this machine has; use a smaller --batch-size", stderr);
    }

    [Fact]
    public void TheEstimateCountsWeightsGradientsOptimiserBuffersAndActivations()
    {
        var mlp = new Hebb.Models.MlpConfig([784, 16, 16, 10], Activation.Sigmoid, Activation.Sigmoid);
        var (parameters, activations) = Hebb.Models.MemoryEstimate.TrainingBytes(mlp, batchSize: 100, optimizerBuffers: 2);
        Assert.Equal(4L * 13_002 * 4, parameters);                 // weights, gradients, Adam's two moments
        Assert.Equal(4L * 100 * (2 * 784 + 3 * (16 + 16 + 10)), activations);
    }
}
