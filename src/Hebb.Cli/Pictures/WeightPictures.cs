using Hebb.IO;
using Hebb.NN;

namespace Hebb.Cli.Pictures;

/// <summary>The first layer's weights, cut into one tile per unit (Linear) or per filter and input channel (Conv2d).</summary>
/// <param name="Layer">the layer's path in the model, e.g. "0".</param>
/// <param name="Columns">tiles per row of the grid (0 = square-ish).</param>
public sealed record WeightTiles(string Layer, string Description, float[] Values, int Count, int TileHeight, int TileWidth, int Columns);

/// <summary>
/// Pictures of what a network's first layer looks for, the classic "look at the first layer's weights as
/// 28x28 images": for an MLP on MNIST, each hidden unit's 784 incoming weights as a 28x28 tile; for a
/// CNN, each kh x kw filter.
/// </summary>
public static class WeightPictures
{
    /// <summary>Finds the first Linear or Conv2d (in module order) and cuts its weight into tiles.</summary>
    public static WeightTiles FirstLayer(Module model)
    {
        foreach (var (path, module) in model.NamedModules())
        {
            string name = path.Length == 0 ? "(root)" : path;
            switch (module)
            {
                case Linear linear:
                    {
                        int side = (int)Math.Round(Math.Sqrt(linear.InFeatures));
                        if (side * side != linear.InFeatures)
                            throw new ArgumentException($"the first layer '{name}' is Linear({linear.InFeatures}, {linear.OutFeatures}): " +
                                $"{linear.InFeatures} inputs are not a square image, so its weights cannot be drawn as pictures");
                        return new WeightTiles(name, $"Linear({linear.InFeatures}, {linear.OutFeatures}): {linear.OutFeatures} units, " +
                            $"each a {side}x{side} picture of its input weights",
                            linear.Weight.ToFloatArray(), linear.OutFeatures, side, side, 0);
                    }
                case Conv2d conv:
                    {
                        var w = conv.Weight; // (out, in/groups, kh, kw)
                        int perFilter = w.Size(1), kh = w.Size(2), kw = w.Size(3);
                        return new WeightTiles(name,
                            $"Conv2d({conv.InChannels}, {conv.OutChannels}, kernel {kh}x{kw}): "
                            + $"{w.Size(0) * perFilter} filters of {kh}x{kw}" +
                            (perFilter > 1 ? $", one row per output channel, one column per input channel" : ""),
                            w.ToFloatArray(), w.Size(0) * perFilter, kh, kw, perFilter > 1 ? perFilter : 0);
                    }
            }
        }
        throw new ArgumentException("the model has no Linear or Conv2d layer, so there are no first-layer weights to draw " +
            $"({model.GetType().Name} with {model.NamedModules().Count() - 1} sub-modules)");
    }

    /// <summary>The tiles as one grayscale picture. scale 0 enlarges small tiles until each is at least 56 pixels wide
    /// (28x28 tiles twice, 5x5 filters twelve times).</summary>
    public static PixelImage Render(Module model, int scale = 0) => Render(FirstLayer(model), scale);

    public static PixelImage Render(WeightTiles tiles, int scale = 0)
    {
        if (scale < 0) throw new ArgumentException($"scale must be >= 0 (0 = automatic), got {scale}");
        if (scale == 0) scale = Math.Max(1, (int)Math.Ceiling(56.0 / Math.Max(tiles.TileHeight, tiles.TileWidth)));
        return TileGrid.Render(tiles.Values, tiles.Count, tiles.TileHeight, tiles.TileWidth, tiles.Columns, scale);
    }
}
