using Hebb.Autograd;
using Hebb.NN;

namespace Hebb.Models;

/// <summary>Per-layer output shapes and parameter counts, found by running a dummy batch through a Sequential.</summary>
public static class Summary
{
    /// <summary>One layer of a summary.</summary>
    /// <param name="Name">The layer's index in the Sequential: "0", "1", ...</param>
    /// <param name="Layer">The layer as it prints, e.g. "Linear(in_features=784, out_features=16, bias=True)".</param>
    /// <param name="OutputShape">Its output's shape for a batch of one, e.g. [1, 16].</param>
    /// <param name="Parameters">Its number of trainable values.</param>
    public sealed record Row(string Name, string Layer, int[] OutputShape, long Parameters);

    /// <summary>Runs a zero batch of one sample through <paramref name="model"/> layer by layer, without recording a
    /// graph, and returns one row per layer: its output shape and parameter count (as torchsummary).</summary>
    /// <param name="model">The network.</param>
    /// <param name="inputShape">The shape of one sample, without the batch dim, e.g. 784 or 1, 28, 28.</param>
    public static IReadOnlyList<Row> Of(Sequential model, params int[] inputShape)
    {
        var rows = new List<Row>();
        using var _ = GradMode.NoGrad();
        var x = Tensor.Zeros([1, .. inputShape]);
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            x = layer.Forward(x);
            rows.Add(new Row(i.ToString(System.Globalization.CultureInfo.InvariantCulture), layer.ToString(),
                x.ShapeArray.ToArray(), layer.ParameterCount));
        }
        return rows;
    }
}
