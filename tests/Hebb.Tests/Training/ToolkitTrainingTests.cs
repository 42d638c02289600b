using Hebb.Cli.Recipes;
using Hebb.IO;
using Hebb.Models;
using Hebb.NN;
using Hebb.Optim;
using Hebb.Training;

namespace Hebb.Tests.Training;

/// <summary>Early stopping, the two weight-decay forms, metrics and LeNet-5, on real MNIST where it matters.</summary>
public class ToolkitTrainingTests(MnistFixture mnist) : IClassFixture<MnistFixture>
{
    // A deliberately over-fitting run: a wide MLP, 600 training images, cross-entropy with Adam.
    private static ClassifierOptions OverfittingRun => new()
    {
        Hidden = [256, 256], Activation = Activation.Relu, Loss = LossKind.CrossEntropy, Optimizer = OptimizerKind.Adam,
        Epochs = 60, BatchSize = 50, TrainLimit = 600, EarlyStoppingPatience = 3, ValidationSplit = 0.25, Seed = 3,
    };

    [Fact]
    public void EarlyStoppingStopsAnOverfittingRunAndRestoresTheBestEpoch()
    {
        var options = OverfittingRun;
        var result = ClassifierRecipe.Run(options, mnist.Train.Slice(0, options.TrainLimit), mnist.Test);
        int best = result.BestEpoch!.Value;
        Assert.True(result.StoppedEarly, $"ran all {result.History.Count} epochs");
        Assert.Equal(best + options.EarlyStoppingPatience, result.History.Count);
        var valLosses = result.History.Select(e => e.Validation!.Loss).ToArray();
        Assert.Equal(valLosses.Min(), valLosses[best - 1]);
        // It was over-fitting: training loss kept falling after the best epoch while validation loss rose.
        Assert.True(result.History[^1].TrainLoss < result.History[best - 1].TrainLoss);
        Assert.True(valLosses[^1] > valLosses[best - 1]);
        // The returned model holds the best epoch's weights: its test figures are that epoch's, not the last one's.
        Assert.Equal(result.History[best - 1].Test.Loss, result.Test.Loss, 5);
        Assert.NotEqual(result.History[^1].Test.Loss, result.Test.Loss, 5);
    }

    [Fact]
    public void RetrainFullTrainsAFreshModelOnAllImagesForTheBestEpochCount()
    {
        var options = OverfittingRun with { RetrainFull = true };
        var result = ClassifierRecipe.Run(options, mnist.Train.Slice(0, options.TrainLimit), mnist.Test);
        Assert.NotNull(result.Retrain);
        Assert.Equal(result.BestEpoch, result.Retrain!.Count);
        Assert.All(result.Retrain, e => Assert.Null(e.Validation));
        Assert.Equal(result.Retrain[^1].Test.Loss, result.Test.Loss, 6);
        Assert.True(result.Test.Accuracy > 0.8, $"retrained accuracy {result.Test.Accuracy:P2}");
    }

    [Fact]
    public void EarlyStoppingTracksTheBestLossAndRestoresItsWeights()
    {
        var model = new Linear(2, 1, new Generator(0));
        var stop = new EarlyStopping(model, patience: 2);
        Assert.Throws<InvalidOperationException>(stop.RestoreBest);
        Assert.True(stop.Observe(1, 1.0));
        var atBest = model.Weight.ToArray<float>();
        using (Hebb.Autograd.GradMode.NoGrad()) model.Weight.CopyFrom(Tensor.Full(7.0, DType.Float32, 1, 2));
        Assert.False(stop.Observe(2, 1.5));
        Assert.False(stop.ShouldStop);
        Assert.False(stop.Observe(3, 1.0)); // equal is not better
        Assert.True(stop.ShouldStop);
        stop.RestoreBest();
        Assert.Equal(atBest, model.Weight.ToArray<float>());
        Assert.Equal(1, stop.BestEpoch);
        Assert.Throws<ArgumentException>(() => new EarlyStopping(model, 0));
    }

    [Fact]
    public void L2InTheLossIsTheSeedFormulaAndMatchesSgdWeightDecay()
    {
        var g = new Generator(4);
        var w = Tensor.Randn(g, 3, 4).RequireGrad();
        var b = Tensor.Randn(g, 3).RequireGrad();
        const double lambda = 0.6;
        const int n = 50;
        var penalty = Losses.L2Penalty([w, b], lambda, n);
        double sumSquares = w.ToArray<float>().Sum(v => (double)v * v);
        Assert.Equal(lambda / (2 * n) * sumSquares, penalty.ItemAsDouble(), 5);   // biases are not penalised
        penalty.Backward();
        var expected = w.ToArray<float>().Select(v => lambda / n * v).ToArray();
        Assert.Equal(expected, w.Grad!.ToArray<float>().Select(v => (double)v).ToArray(), new ToleranceComparer(1e-6));
        Assert.Null(b.Grad);

        // One SGD step on loss + L2 equals one SGD step with weight decay lambda/N on the loss alone.
        var x = Tensor.Randn(g, 5, 4);
        Tensor[] Step(bool inLoss)
        {
            var model = new Linear(4, 3, new Generator(9));
            var opt = new SGD(model.Parameters(), 0.1, weightDecay: inLoss ? 0 : lambda / n);
            var loss = model.Forward(x).Mul(model.Forward(x)).Mean();
            if (inLoss) loss = loss.Add(Losses.L2Penalty(model.Parameters(), lambda, n));
            loss.Backward();
            opt.Step();
            return [model.Weight, model.Bias!];
        }
        var a = Step(true);
        var c = Step(false);
        Assert.Equal(a[0].ToArray<float>(), c[0].ToArray<float>(), new ToleranceComparer(1e-6));
        // SGD's weight decay also decays the bias; the seed's L2 does not, so only the weights are compared.
    }

    [Fact]
    public void ConfusionMatrixCountsAndPerClassAccuracy()
    {
        var m = new ConfusionMatrix(3);
        m.Add([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2]);
        Assert.Equal(6, m.Total);
        Assert.Equal(4, m.Correct);
        Assert.Equal(4 / 6.0, m.Accuracy, 12);
        Assert.Equal(0.5, m.ClassAccuracy(0));
        Assert.Equal(1.0, m.ClassAccuracy(1));
        Assert.Equal(2 / 3.0, m.ClassAccuracy(2), 12);
        Assert.Equal(1, m[2, 0]);
        Assert.Throws<ArgumentException>(() => m.Add([3], [0]));
        Assert.Throws<ArgumentException>(() => m.Add([0, 1], [0]));
        Assert.True(double.IsNaN(new ConfusionMatrix(2).ClassAccuracy(1)));
    }

    [Fact]
    public void EvaluationConfusionAgreesWithItsAccuracy()
    {
        var model = MlpConfig.Seed.Build(new Generator(0));
        var eval = Trainer.Evaluate(model, mnist.Test.Slice(0, 2000), ClassifierRecipe.LossFor(LossKind.Mse, 10));
        Assert.Equal(2000, eval.Confusion.Total);
        Assert.Equal(eval.Accuracy, eval.Confusion.Accuracy);
        // Each row sums to that digit's count in the slice.
        var labels = mnist.Test.Slice(0, 2000).Targets.ToArray<int>();
        for (int c = 0; c < 10; c++)
            Assert.Equal(labels.Count(l => l == c), Enumerable.Range(0, 10).Sum(p => eval.Confusion[c, p]));
    }

    [Fact]
    public void ScheduleSetsTheLearningRateOfEveryStep()
    {
        var model = new Linear(784, 10, new Generator(0));
        var opt = new SGD(model.Parameters(), 0.5);
        var seen = new List<double>();
        var trainer = new Trainer(model, opt, (o, l) => { seen.Add(opt.LearningRate); return Losses.CrossEntropy(o, l); })
        { Schedule = new CosineWithWarmupSchedule(0.5, 0, 0, 10) };
        trainer.TrainEpoch(new Hebb.Data.DataLoader(mnist.Train.Slice(0, 1000), 100));
        Assert.Equal(10, seen.Count);
        for (int i = 0; i < 10; i++) Assert.Equal(0.25 * (1 + Math.Cos(Math.PI * i / 10)), seen[i], 12);
    }

    [Fact]
    public void LeNet5HasTheW2LayoutAndRoundTripsThroughItsFile()
    {
        var config = new LeNet5Config();
        var model = config.Build(new Generator(0));
        Assert.Equal(61_706, model.ParameterCount);
        var rows = Summary.Of(model, config.InputShape);
        Assert.Equal([1, 6, 28, 28], rows[0].OutputShape);
        Assert.Equal((5 * 5 * 1 + 1) * 6, rows[0].Parameters);      // (M·N·C_in + 1)·C_out
        Assert.Equal([1, 16, 10, 10], rows[3].OutputShape);         // floor((14 - 5 + 0)/1) + 1
        Assert.Equal((5 * 5 * 6 + 1) * 16, rows[3].Parameters);
        Assert.Equal([1, 400], rows[6].OutputShape);
        Assert.Equal(["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias", "11.weight", "11.bias"],
            model.NamedParameters().Select(p => p.Key));

        var withDropout = new LeNet5Config(0.3);
        var path = Path.Combine(Path.GetTempPath(), $"hebb-lenet-{Guid.NewGuid():N}.safetensors");
        try
        {
            var trained = withDropout.Build(new Generator(1));
            ModelFile.Save(path, trained, withDropout.ToMetadata());
            var (loaded, loadedConfig, _) = ModelFactory.LoadClassifier(path);
            Assert.Equal(withDropout, loadedConfig);
            Assert.Contains(loaded.Layers, l => l is Dropout);
            var x = Tensor.Rand(new Generator(2), 3, 1, 28, 28);
            trained.Eval();
            loaded.Eval();
            Assert.Equal(trained.Forward(x).ToArray<float>(), loaded.Forward(x).ToArray<float>());

            var meta = withDropout.ToMetadata();
            meta["image_size"] = "100000000";
            ModelFile.Save(path, trained, meta);
            var e = Assert.Throws<InvalidDataException>(() => ModelFactory.Load(path));
            Assert.Contains("image_size", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LeNet5LearnsMnistFromAFewThousandImages()
    {
        var options = new ClassifierOptions
        {
            Model = ModelKind.LeNet5, Epochs = 1, Seed = 0, Schedule = ScheduleKind.None, LearningRate = 3e-3,
        };
        var result = ClassifierRecipe.Run(options, mnist.Train.Slice(0, 6000), mnist.Test.Slice(0, 2000));
        Assert.True(result.Test.Accuracy >= 0.88, $"test accuracy {result.Test.Accuracy:P2}");
        var again = ClassifierRecipe.Run(options, mnist.Train.Slice(0, 6000), mnist.Test.Slice(0, 2000));
        Assert.Equal(result.Test.Loss, again.Test.Loss);   // same seed, same run
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>, IEqualityComparer<float>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance * (1 + Math.Abs(b));
        public bool Equals(float a, float b) => Equals((double)a, b);
        public int GetHashCode(double v) => 0;
        public int GetHashCode(float v) => 0;
    }
}
