using Hebb.Autograd;
using Hebb.NN;

namespace Hebb.Models;

/// <summary>Per-layer output shapes and parameter counts, found by running a dummy batch through a Sequential.</summary>
public static class Summary
{
    public sealed record Row(string Name, string Layer, int[] OutputShape, long Parameters);

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
