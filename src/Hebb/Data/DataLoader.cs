namespace Hebb.Data;

/// <summary>
/// Minibatches over a <see cref="TensorDataset"/>. With shuffle, every epoch (every enumeration)
/// draws a new permutation from the given generator, so a seed fixes the whole run. The last
/// smaller batch is kept unless dropLast. One epoch = ceil(N / batch) steps (floor with dropLast).
/// </summary>
public sealed class DataLoader : IEnumerable<(Tensor Input, Tensor Target)>
{
    private readonly TensorDataset _dataset;
    private readonly Generator? _generator;

    public int BatchSize { get; }
    public bool Shuffle { get; }
    public bool DropLast { get; }

    public DataLoader(TensorDataset dataset, int batchSize, bool shuffle = false, Generator? generator = null, bool dropLast = false)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be positive, got {batchSize}");
        if (shuffle && generator is null) throw new ArgumentException("DataLoader: shuffling needs an explicit Generator (for reproducible runs)");
        _dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        _generator = generator;
        DropLast = dropLast;
    }

    public int Count => DropLast ? _dataset.Count / BatchSize : (_dataset.Count + BatchSize - 1) / BatchSize;

    public IEnumerator<(Tensor Input, Tensor Target)> GetEnumerator()
    {
        int n = _dataset.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (Shuffle) _generator!.Shuffle(order);
        for (int start = 0; start < n; start += BatchSize)
        {
            int size = Math.Min(BatchSize, n - start);
            if (size < BatchSize && DropLast) yield break;
            var ids = order.AsSpan(start, size);
            yield return (TakeRows(_dataset.Inputs, ids), TakeRows(_dataset.Targets, ids));
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Copies the chosen rows of a contiguous tensor into a new batch tensor (any dtype).</summary>
    private static Tensor TakeRows(Tensor source, ReadOnlySpan<int> ids)
    {
        var shape = (int[])source.ShapeArray.Clone();
        shape[0] = ids.Length;
        var batch = Tensor.Uninitialized(source.DType, shape);
        int row = source.Size(0) == 0 ? 0 : source.Numel / source.Size(0);
        for (int i = 0; i < ids.Length; i++)
        {
            int from = source.Offset + ids[i] * row;
            switch (source.DType)
            {
                case DType.Float32: Array.Copy(source.Data<float>(), from, batch.Data<float>(), i * row, row); break;
                case DType.Float64: Array.Copy(source.Data<double>(), from, batch.Data<double>(), i * row, row); break;
                default: Array.Copy(source.Data<int>(), from, batch.Data<int>(), i * row, row); break;
            }
        }
        return batch;
    }
}
