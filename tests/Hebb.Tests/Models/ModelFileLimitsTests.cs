using Hebb.Models;

namespace Hebb.Tests.Models;

/// <summary>A model file's header must not make Hebb build a network it cannot fill, and every model
/// kind knows its size before it is built.</summary>
public class ModelFileLimitsTests
{
    [Fact]
    public void MetadataAskingForAGiantRecurrentNetworkIsRefusedBeforeBuilding()
    {
        var meta = new CharRnnConfig(RecurrentCell.Lstm, 65, 8192, 8192, 64).ToMetadata();
        var e = Assert.Throws<InvalidDataException>(() => CharRnnConfig.FromMetadata(meta, "big.safetensors"));
        Assert.Contains("big.safetensors", e.Message);
        Assert.Contains("parameters", e.Message);
        // The estimate is exact, and a real-sized network passes.
        var w3 = new CharRnnConfig(RecurrentCell.Lstm, 65, 64, 256, 1);
        Assert.Equal(w3.Build(new Generator(0)).ParameterCount, w3.ParameterCount);
        Assert.Equal(w3, CharRnnConfig.FromMetadata(w3.ToMetadata(), "w3.safetensors"));
    }

    [Fact]
    public void EveryKindKnowsItsParameterCountWithoutBuilding()
    {
        IModelConfig[] configs =
        [
            MlpConfig.Seed, new LeNet5Config(0.2), new LeNet5Config(0, 3, 32, 7),
            new CharRnnConfig(RecurrentCell.Gru, 30, 16, 24, 2), new CharRnnConfig(RecurrentCell.Rnn, 30, 16, 24, 3),
            new GptConfig(65, 2, 2, 32, 16),
        ];
        foreach (var config in configs) Assert.Equal(config.Build(new Generator(0)).ParameterCount, config.ParameterCount);
    }

    [Fact]
    public void AFileThatCannotFillItsNetworkIsRefusedBeforeBuilding()
    {
        var path = Path.Combine(Path.GetTempPath(), $"hebb-hollow-{Guid.NewGuid():N}.safetensors");
        try
        {
            // A valid LeNet-5 header with a single small tensor: nothing is built, the error names the file.
            Hebb.IO.Safetensors.Save(path, [new("0.weight", [6, 1, 5, 5], new float[150])], new LeNet5Config().ToMetadata());
            var e = Assert.Throws<InvalidDataException>(() => ModelFactory.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("61,706 parameters", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ADamagedFileIsRefusedWithTheDocumentedTypes()
    {
        // Found by the reader fuzzing (tests/Hebb.Tests/Fuzz): a file that is not valid safetensors surfaces as
        // SafetensorsFormatException, which ModelFactory.Load did not document; its docs now list it.
        var path = Path.Combine(Path.GetTempPath(), $"hebb-damaged-{Guid.NewGuid():N}.safetensors");
        try
        {
            var config = new MlpConfig([6, 4, 3], Activation.Relu, Activation.None);
            Hebb.IO.ModelFile.Save(path, config.Build(new Generator(0)), config.ToMetadata());
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..^4]);
            var e = Assert.Throws<Hebb.IO.SafetensorsFormatException>(() => ModelFactory.Load(path));
            Assert.Contains(path, e.Message);
            File.WriteAllBytes(path, [.. bytes[..8], (byte)'[', .. bytes[9..]]);
            Assert.Throws<Hebb.IO.SafetensorsFormatException>(() => ModelFactory.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AMessageQuotingTheMetadataStaysOneLine()
    {
        // Found by the reader fuzzing: a value with line breaks went into the message as it was.
        var meta = new CharRnnConfig(RecurrentCell.Lstm, 5, 3, 4, 1).ToMetadata();
        meta["hidden"] = "4\nforged line";
        var e = Assert.Throws<InvalidDataException>(() => CharRnnConfig.FromMetadata(meta, "m.safetensors"));
        Assert.Equal("m.safetensors: metadata 'hidden' must be an integer between 1 and 1048576, got '4\\u000Aforged line'", e.Message);
        meta["hidden"] = "4";
        meta["cell"] = "ls\r\ntm";
        e = Assert.Throws<InvalidDataException>(() => CharRnnConfig.FromMetadata(meta, "m.safetensors"));
        Assert.Equal("m.safetensors: metadata 'cell' must be rnn, lstm or gru, got 'ls\\u000D\\u000Atm'", e.Message);
    }

    [Fact]
    public void ATensorNameWithALineBreakStaysOnOneLineOfTheError()
    {
        // Found by the reader fuzzing: the state-dict mismatch named the file's tensors as they were.
        var path = Path.Combine(Path.GetTempPath(), $"hebb-names-{Guid.NewGuid():N}.safetensors");
        try
        {
            var config = new MlpConfig([2, 1], Activation.Relu, Activation.None);
            Hebb.IO.Safetensors.Save(path, [new("0.weight", [1, 2], [1, 2]), new("0.bias\nforged", [1], [3])], config.ToMetadata());
            var e = Assert.Throws<InvalidDataException>(() => ModelFactory.Load(path));
            Assert.DoesNotContain('\n', e.Message);
            Assert.Contains("0.bias\\u000Aforged", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
