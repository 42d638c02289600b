using Hebb.Models;
using Hebb.NN;

namespace Hebb.Tests.Models;

/// <summary>An MLP's config read back from a file's metadata: what it wrote comes back, and anything
/// else is refused with an error naming the file and the field.</summary>
public class MlpConfigTests
{
    private const string Source = "mlp.safetensors";

    [Fact]
    public void MetadataRoundTrips()
    {
        foreach (var config in new[] { MlpConfig.Seed, new MlpConfig([3, 1 << 20, 2], Activation.Relu, Activation.None, InitScheme.He) })
        {
            var back = MlpConfig.FromMetadata(config.ToMetadata(), Source);
            Assert.Equal(config.Sizes, back.Sizes);
            Assert.Equal((config.Activation, config.OutputActivation, config.Init), (back.Activation, back.OutputActivation, back.Init));
        }
    }

    [Fact]
    public void AFileWithoutInitGetsTheDefaultAndNamesAreReadInAnyCase()
    {
        var meta = new MlpConfig([4, 3], Activation.Tanh, Activation.Sigmoid, InitScheme.Xavier).ToMetadata();
        meta.Remove("init");
        meta["activation"] = "TANH";
        var back = MlpConfig.FromMetadata(meta, Source);
        Assert.Equal(InitScheme.Default, back.Init);
        Assert.Equal(Activation.Tanh, back.Activation);
        meta["init"] = "Xavier";
        Assert.Equal(InitScheme.Xavier, MlpConfig.FromMetadata(meta, Source).Init);
    }

    [Theory]
    [InlineData("sizes", null)]
    [InlineData("sizes", "784")]
    [InlineData("sizes", "784,,10")]
    [InlineData("sizes", "784,abc,10")]
    [InlineData("sizes", "784,0,10")]
    [InlineData("sizes", "784,-16,10")]
    [InlineData("sizes", "784, 16,10")]
    [InlineData("sizes", "784,1048577,10")]
    [InlineData("sizes", "784,2000000000,10")]
    [InlineData("sizes", "784,99999999999,10")]
    [InlineData("activation", null)]
    [InlineData("activation", "swish")]
    [InlineData("output_activation", null)]
    [InlineData("output_activation", "")]
    [InlineData("init", "bogus")]
    [InlineData("init", "7")]
    [InlineData("init", "")]
    public void BadMetadataIsRefusedNamingTheFileAndTheField(string field, string? value)
    {
        var meta = MlpConfig.Seed.ToMetadata();
        if (value is null) meta.Remove(field);
        else meta[field] = value;
        var e = Assert.Throws<InvalidDataException>(() => MlpConfig.FromMetadata(meta, Source));
        Assert.Contains(Source, e.Message);
        Assert.Contains($"'{field}'", e.Message);
        if (value is not null) Assert.Contains($"'{value}'", e.Message);
    }
}
