using System.Globalization;
using Hebb.NN;

namespace Hebb.Models;

/// <summary>
/// LeNet-5 as the speed issue's W2 defines it (LeCun et al. 1998, with ReLU and max pooling):
/// Conv2d(1,6,5,pad 2)-ReLU-MaxPool2-Conv2d(6,16,5)-ReLU-MaxPool2-Flatten-Linear(400,120)-ReLU-
/// Linear(120,84)-ReLU-Linear(84,10), 61,706 parameters. Dropout > 0 adds a Dropout after each hidden
/// Linear (which shifts the later layers' names, so the rate travels in the file's metadata).
/// </summary>
public sealed record LeNet5Config(double Dropout = 0, int InChannels = 1, int ImageSize = 28, int Classes = 10) : IClassifierConfig
{
    public const string KindName = "lenet5";
    public string Kind => KindName;

    public int[] InputShape => [InChannels, ImageSize, ImageSize];

    /// <summary>(M·N·C_in + 1)·C_out for each convolution, (in + 1)·out for each Linear.</summary>
    public long ParameterCount
    {
        get
        {
            long side = (ImageSize / 2 - 4) / 2;
            return (25L * InChannels + 1) * 6 + (25L * 6 + 1) * 16 + (16 * side * side + 1) * 120 + 121L * 84 + 85L * Classes;
        }
    }

    public Sequential Build(Generator generator)
    {
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"LeNet-5: dropout must be in [0, 1), got {Dropout}");
        if (InChannels <= 0 || Classes <= 0)
            throw new ArgumentException($"LeNet-5: channels and classes must be positive, got {InChannels} and {Classes}");
        // 28 -conv pad 2-> 28 -pool-> 14 -conv 5-> 10 -pool-> 5: needs a side with (side/2 - 4)/2 >= 1.
        int side = (ImageSize / 2 - 4) / 2;
        if (ImageSize < 12 || side < 1) throw new ArgumentException($"LeNet-5: images must be at least 12x12, got {ImageSize}x{ImageSize}");
        var model = new Sequential(
            new Conv2d(InChannels, 6, 5, generator, padding: 2), new ReLU(), new MaxPool2d(2),
            new Conv2d(6, 16, 5, generator), new ReLU(), new MaxPool2d(2),
            new Flatten(),
            new Linear(16 * side * side, 120, generator), new ReLU());
        if (Dropout > 0) model.Add(new NN.Dropout(Dropout, generator.Fork()));
        model.Add(new Linear(120, 84, generator));
        model.Add(new ReLU());
        if (Dropout > 0) model.Add(new NN.Dropout(Dropout, generator.Fork()));
        model.Add(new Linear(84, Classes, generator));
        return model;
    }

    Module IModelConfig.Build(Generator generator) => Build(generator);

    public Dictionary<string, string> ToMetadata() => new()
    {
        ["model"] = KindName,
        ["dropout"] = Dropout.ToString("R", CultureInfo.InvariantCulture),
        ["in_channels"] = InChannels.ToString(CultureInfo.InvariantCulture),
        ["image_size"] = ImageSize.ToString(CultureInfo.InvariantCulture),
        ["classes"] = Classes.ToString(CultureInfo.InvariantCulture),
    };

    public static LeNet5Config FromMetadata(IReadOnlyDictionary<string, string> meta, string source)
    {
        var read = new MetadataReader(meta, source);
        return new LeNet5Config(read.Fraction("dropout"), read.Int("in_channels", 1, 64), read.Int("image_size", 12, 1024),
            read.Int("classes", 1, 100_000));
    }
}
