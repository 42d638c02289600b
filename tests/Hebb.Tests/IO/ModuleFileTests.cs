using Hebb.IO;
using Hebb.Models;
using Hebb.NN;

namespace Hebb.Tests.IO;

/// <summary>A model of one's own: model.Save(path) and model.Load(path), and a registered kind that
/// ModelFactory.Load rebuilds from the file alone.</summary>
public class ModuleFileTests
{
    private sealed class TwoLayer : Module
    {
        private readonly Linear _hidden, _output;

        public TwoLayer(int width, Generator g)
        {
            _hidden = new Linear(3, width, g);
            _output = new Linear(width, 2, g);
            RegisterComponents();
        }

        public override Tensor Forward(Tensor x) => _output.Forward(_hidden.Forward(x, Activation.Relu));
    }

    private sealed record TwoLayerConfig(int Width) : IModelConfig
    {
        public const string KindName = "test-two-layer";
        public string Kind => KindName;
        public long ParameterCount => 3L * Width + Width + 2L * Width + 2;
        public Dictionary<string, string> ToMetadata() => new() { ["model"] = Kind, ["width"] = Width.ToString() };
        public Module Build(Generator generator) => new TwoLayer(Width, generator);

        public static IModelConfig Parse(IReadOnlyDictionary<string, string> metadata, string source) =>
            new TwoLayerConfig(new MetadataReader(metadata, source).Int("width", 1, 4096));
    }

    [Fact]
    public void SaveThenLoadIntoAFreshModelGivesTheSameOutputs()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hebb-two-layer-{Guid.NewGuid():N}.safetensors");
        try
        {
            var trained = new TwoLayer(5, new Generator(1));
            trained.Save(path, new Dictionary<string, string> { ["note"] = "mine" });
            var fresh = new TwoLayer(5, new Generator(2));
            var x = Tensor.Randn(new Generator(3), 4, 3);
            Assert.NotEqual(trained.Forward(x).ToArray<float>(), fresh.Forward(x).ToArray<float>());
            var metadata = fresh.Load(path);
            Assert.Equal("mine", metadata["note"]);
            Assert.Equal(trained.Forward(x).ToArray<float>(), fresh.Forward(x).ToArray<float>());

            var wider = new TwoLayer(6, new Generator(2));
            var e = Assert.Throws<InvalidDataException>(() => wider.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("hidden.weight", e.Message);
            Assert.Throws<FileNotFoundException>(() => fresh.Load(path + ".missing"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ARegisteredKindIsRebuiltFromTheFileAlone()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hebb-two-layer-{Guid.NewGuid():N}.safetensors");
        try
        {
            var config = new TwoLayerConfig(4);
            var model = config.Build(new Generator(5));
            model.Save(path, config.ToMetadata());
            if (!ModelFactory.Kinds.Contains(TwoLayerConfig.KindName)) ModelFactory.Register(TwoLayerConfig.KindName, TwoLayerConfig.Parse);
            var loaded = ModelFactory.Load(path);
            Assert.Equal(config, loaded.Config);
            var x = Tensor.Randn(new Generator(6), 2, 3);
            Assert.Equal(model.Forward(x).ToArray<float>(), loaded.Model.Forward(x).ToArray<float>());
            Assert.Throws<ArgumentException>(() => ModelFactory.Register(TwoLayerConfig.KindName, TwoLayerConfig.Parse));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AnUnknownKindSaysHowToRegisterOne()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hebb-unknown-{Guid.NewGuid():N}.safetensors");
        try
        {
            new Linear(2, 2, new Generator(0)).Save(path, new Dictionary<string, string> { ["model"] = "nobody-knows-me" });
            var e = Assert.Throws<InvalidDataException>(() => ModelFactory.Load(path));
            Assert.Contains("unknown model kind 'nobody-knows-me'", e.Message);
            Assert.Contains("ModelFactory.Register", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
