using Hebb.Cli.Recipes;
using Hebb.Data;
using Hebb.IO;
using Hebb.Models;
using Hebb.NN;
using Hebb.Tests.Data;
using Hebb.Training;

namespace Hebb.Tests.Training;

/// <summary>Loads MNIST once for the training tests (about a second).</summary>
public sealed class MnistFixture
{
    public TensorDataset Train { get; }
    public TensorDataset Test { get; }

    public MnistFixture()
    {
        (Train, Test) = ClassifierRecipe.LoadData("mnist", TestData.DatasetsRoot);
    }
}

/// <summary>The must-show figures, trained for real on MNIST.</summary>
public class MnistTrainingTests(MnistFixture mnist) : IClassFixture<MnistFixture>
{
    [Fact]
    public void SeedNetworkReaches94PercentWithin10Epochs()
    {
        // 784-16-16-10, sigmoid everywhere, seed cost on one-hot targets, plain SGD lr 3, batch 100, seed 0.
        var result = ClassifierRecipe.Run(new ClassifierOptions(), mnist.Train, mnist.Test);
        Assert.Equal(13_002, result.Model.ParameterCount);
        Assert.Equal(10, result.History.Count);
        Assert.True(result.History.Max(e => e.Test.Accuracy) >= 0.94, $"best test accuracy {result.History.Max(e => e.Test.Accuracy):P2}");
        Assert.True(result.Test.Accuracy >= 0.94, $"final test accuracy {result.Test.Accuracy:P2}");
        // Training actually lowered the cost.
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss / 2);
    }

    [Fact]
    public void ReluCrossEntropy128Reaches97Point5Percent()
    {
        var options = new ClassifierOptions { Activation = Activation.Relu, Loss = LossKind.CrossEntropy, Hidden = [128] };
        var result = ClassifierRecipe.Run(options, mnist.Train, mnist.Test);
        Assert.True(result.Test.Accuracy >= 0.975, $"test accuracy {result.Test.Accuracy:P2}");
    }

    [Fact]
    public void SameSeedGivesTheSameRunToTheLastDigit()
    {
        var options = new ClassifierOptions { Epochs = 1 };
        var subset = mnist.Train.Slice(0, 12_000);
        var a = ClassifierRecipe.Run(options, subset, mnist.Test);
        var b = ClassifierRecipe.Run(options, subset, mnist.Test);
        Assert.Equal(a.History[0].TrainLoss, b.History[0].TrainLoss);
        Assert.Equal(a.Test.Loss, b.Test.Loss);
        Assert.Equal(a.Test.Accuracy, b.Test.Accuracy);
        Assert.Equal(a.Model.Parameters().First().ToArray<float>(), b.Model.Parameters().First().ToArray<float>());

        var c = ClassifierRecipe.Run(options with { Seed = 1 }, subset, mnist.Test);
        Assert.NotEqual(a.History[0].TrainLoss, c.History[0].TrainLoss);
    }

    [Fact]
    public void ZeroInitLeavesHiddenUnitsIdentical()
    {
        // The seed's symmetry problem: with all-zero weights every hidden unit gets the same gradient.
        var options = new ClassifierOptions { Epochs = 1, Init = InitScheme.Zeros };
        var result = ClassifierRecipe.Run(options, mnist.Train.Slice(0, 5_000), mnist.Test);
        var w = result.Model.NamedParameters().First(p => p.Key == "0.weight").Value.ToArray<float>();
        for (int unit = 1; unit < 16; unit++)
            for (int i = 0; i < 784; i++)
                Assert.Equal(w[i], w[unit * 784 + i]);
        Assert.Contains(w, v => v != 0); // it did train, just symmetrically
    }

    [Fact]
    public void SavedModelRebuildsFromTheFileAloneAndScoresTheSame()
    {
        var options = new ClassifierOptions { Epochs = 1 };
        var result = ClassifierRecipe.Run(options, mnist.Train.Slice(0, 6_000), mnist.Test);
        var path = Path.Combine(Path.GetTempPath(), $"hebb-test-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(path, result.Model, result.Metadata(options));
            var loaded = ModelFactory.Load(path);
            Assert.Equal(((MlpConfig)result.Config).Sizes, ((MlpConfig)loaded.Config).Sizes);
            Assert.Equal("mnist", loaded.Metadata["dataset"]);
            var eval = Trainer.Evaluate(loaded.Model, mnist.Test, ClassifierRecipe.LossFor(LossKind.Mse, 10));
            Assert.Equal(result.Test.Accuracy, eval.Accuracy);
            Assert.Equal(result.Test.Loss, eval.Loss, 12);

            // A truncated copy is refused with an error that names the file.
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length - 10)]);
            var error = Assert.ThrowsAny<IOException>(() => ModelFactory.Load(path));
            Assert.Contains(path, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ByteBackedImagesGiveTheSameBatchesAsFloatTensors()
    {
        var bytes = mnist.Train.Slice(100, 1000);                          // pixels kept as bytes
        var floats = new TensorDataset(bytes.Inputs.Clone(), bytes.Targets); // the same values as floats
        Assert.Equal(784, bytes.SampleShape[0]);
        var a = new DataLoader(bytes, 64, shuffle: true, new Generator(3)).ToList();
        var b = new DataLoader(floats, 64, shuffle: true, new Generator(3)).ToList();
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(b[i].Input.ToArray<float>(), a[i].Input.ToArray<float>());
            Assert.Equal(b[i].Target.ToArray<int>(), a[i].Target.ToArray<int>());
        }
        Assert.InRange(a[0].Input.Max().Item(), 0.99f, 1f);
    }

    [Fact]
    public void HostileMetadataIsRefused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"hebb-test-{Guid.NewGuid():N}.safetensors");
        try
        {
            var model = MlpConfig.Seed.Build(new Generator(0));
            var meta = MlpConfig.Seed.ToMetadata();
            meta["sizes"] = "784,2000000000,10"; // would allocate gigabytes if trusted
            ModelFile.Save(path, model, meta);
            var error = Assert.Throws<InvalidDataException>(() => ModelFactory.Load(path));
            Assert.Contains("sizes", error.Message);

            meta["sizes"] = "784,8,16,10"; // a smaller valid config with the same names, but the tensors in the file do not match it
            ModelFile.Save(path, model, meta);
            error = Assert.Throws<InvalidDataException>(() => ModelFactory.Load(path));
            Assert.Contains("0.weight", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
