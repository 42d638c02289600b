namespace Hebb.Data;

/// <summary>Paired inputs and targets indexed along their first dim (e.g. MNIST images and labels).</summary>
public sealed class TensorDataset
{
    public Tensor Inputs { get; }
    public Tensor Targets { get; }
    public int Count => Inputs.Size(0);

    public TensorDataset(Tensor inputs, Tensor targets)
    {
        if (inputs.Rank == 0 || targets.Rank == 0 || inputs.Size(0) != targets.Size(0))
            throw new ArgumentException($"TensorDataset: inputs {ShapeUtil.Format(inputs.Shape)} and targets {ShapeUtil.Format(targets.Shape)} must have the same first dimension");
        Inputs = inputs.Contiguous();
        Targets = targets.Contiguous();
    }

    /// <summary>Rows [start, start+count) as a new dataset sharing memory (for validation splits).</summary>
    public TensorDataset Slice(int start, int count) => new(Inputs.Narrow(0, start, count), Targets.Narrow(0, start, count));

    /// <summary>An MNIST-style dataset as (N, rows*cols) float inputs and int32 labels.</summary>
    public static TensorDataset FromMnist(MnistDataset data) =>
        new(Tensor.FromArray(data.Images, data.Count, data.Rows * data.Cols), Tensor.FromArray(data.Labels, data.Count));
}
