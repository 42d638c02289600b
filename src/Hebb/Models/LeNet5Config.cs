using System.Globalization;
using Hebb.NN;

namespace Hebb.Models;

/// <summary>
/// LeNet-5 in its common modern form (LeCun et al. 1998, with ReLU and max pooling):
/// Conv2d(1,6,5,pad 2)-ReLU-MaxPool2-Conv2d(6,16,5)-ReLU-MaxPool2-Flatten-Linear(400,120)-ReLU-
/// Linear(120,84)-ReLU-Linear(84,10), 61,706 parameters. Dropout > 0 adds a Dropout after each hidden
/// Linear (which shifts the later layers' names, so the rate travels in the file's metadata).
/// </summary>
/// <param name="Dropout">Dropout probability after each hidden Linear in training, in [0, 1) (default 0: no Dropout layers).</param>
/// <param name="InChannels">Channels of the input images (default 1, grayscale).</param>
/// <param name="ImageSize">Height and width of the square input images, at least 12 (default 28).</param>
/// <param name="Classes">The number of classes: the width of the output (default 10).</param>
public sealed record LeNet5Config(double Dropout = 0, int InChannels = 1, int ImageSize = 28, int Classes = 10) : IClassifierConfig
{
    /// <summary>The kind's name in a model file's metadata: "lenet5".</summary>
    public const string KindName = "lenet5";
    /// <summary>Always <see cref="KindName"/>.</summary>
    public string Kind => KindName;

    /// <summary>[InChannels, ImageSize, ImageSize]: one image, without the batch dim.</summary>
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

    /// <summary>A new LeNet-5 of this shape, with initial weights drawn from <paramref name="generator"/>.</summary>
    /// <exception cref="ArgumentException">The dropout is outside [0, 1), channels or classes are not positive, or
    /// the images are smaller than 12×12.</exception>
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

    /// <summary>The config as metadata: model, dropout, in_channels, image_size and classes.</summary>
    public Dictionary<string, string> ToMetadata() => new()
    {
        ["model"] = KindName,
        ["dropout"] = Dropout.ToString("R", CultureInfo.InvariantCulture),
        ["in_channels"] = InChannels.ToString(CultureInfo.InvariantCulture),
        ["image_size"] = ImageSize.ToString(CultureInfo.InvariantCulture),
        ["classes"] = Classes.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Reads back a config written by <see cref="ToMetadata"/>.</summary>
    /// <param name="meta">A model file's metadata.</param>
    /// <param name="source">The file's name, for error messages.</param>
    /// <exception cref="InvalidDataException">A field is missing, malformed or out of range.</exception>
    public static LeNet5Config FromMetadata(IReadOnlyDictionary<string, string> meta, string source)
    {
        var read = new MetadataReader(meta, source);
        return new LeNet5Config(read.Fraction("dropout"), read.Int("in_channels", 1, 64), read.Int("image_size", 12, 1024),
            read.Int("classes", 1, 100_000));
    }
}
