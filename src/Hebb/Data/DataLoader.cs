namespace Hebb.Data;

/// <summary>
/// Minibatches over a <see cref="TensorDataset"/>. With shuffle, every epoch (every enumeration)
/// draws a new permutation from the given generator, so a seed fixes the whole run. The last
/// smaller batch is kept unless dropLast. One epoch = ceil(N / batch) steps (floor with dropLast).
/// With recycleBatches, a batch is valid only until the next one is taken: its memory is then reused
/// (using it afterwards fails with a clear error; Clone() a batch to keep it). That keeps a training
/// loop from allocating a fresh input batch (313 KB for MNIST at 100) every step; leave it off to
/// collect batches (ToList) or keep them around.
/// </summary>
public sealed class DataLoader : IEnumerable<(Tensor Input, Tensor Target)>
{
    private readonly TensorDataset _dataset;
    private readonly Generator? _generator;

    public int BatchSize { get; }
    public bool Shuffle { get; }
    public bool DropLast { get; }
    public bool RecycleBatches { get; }

    public DataLoader(TensorDataset dataset, int batchSize, bool shuffle = false, Generator? generator = null, bool dropLast = false,
        bool recycleBatches = false)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be positive, got {batchSize}");
        if (shuffle && generator is null) throw new ArgumentException("DataLoader: shuffling needs an explicit Generator (for reproducible runs)");
        _dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        _generator = generator;
        DropLast = dropLast;
        RecycleBatches = recycleBatches;
    }

    public int Count => DropLast ? _dataset.Count / BatchSize : (_dataset.Count + BatchSize - 1) / BatchSize;

    public IEnumerator<(Tensor Input, Tensor Target)> GetEnumerator()
    {
        int n = _dataset.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (Shuffle) _generator!.Shuffle(order);
        (Tensor Input, Tensor Target)? previous = null;
        try
        {
            for (int start = 0; start < n; start += BatchSize)
            {
                int size = Math.Min(BatchSize, n - start);
                if (size < BatchSize && DropLast) yield break;
                if (RecycleBatches) Recycle(previous);
                var ids = order.AsSpan(start, size);
                var input = NewBatch(_dataset.InputDType, ids.Length, _dataset.SampleShape, RecycleBatches);
                _dataset.GatherInputs(ids, input);
                var target = NewBatch(_dataset.Targets.DType, ids.Length, _dataset.Targets.ShapeArray.AsSpan(1), RecycleBatches);
                CopyRows(_dataset.Targets, ids, target);
                previous = (input, target);
                yield return previous.Value;
            }
        }
        finally
        {
            if (RecycleBatches) Recycle(previous);
        }
    }

    private static void Recycle((Tensor Input, Tensor Target)? batch)
    {
        if (batch is not { } b) return;
        b.Input.Storage.ReturnToPool();
        b.Target.Storage.ReturnToPool();
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    private static Tensor NewBatch(DType dtype, int count, ReadOnlySpan<int> sampleShape, bool recyclable)
    {
        var shape = new int[sampleShape.Length + 1];
        shape[0] = count;
        sampleShape.CopyTo(shape.AsSpan(1));
        return recyclable
            ? new Tensor(Storage.AllocateRecyclable(dtype, ShapeUtil.Numel(shape)), shape, ShapeUtil.ContiguousStrides(shape), 0)
            : Tensor.Uninitialized(dtype, shape);
    }

    /// <summary>Copies the chosen rows of a contiguous tensor into a dense batch tensor (any dtype).</summary>
    internal static void CopyRows(Tensor source, ReadOnlySpan<int> ids, Tensor batch)
    {
        int row = source.Size(0) == 0 ? 0 : source.Numel / source.Size(0);
        for (int i = 0; i < ids.Length; i++)
        {
            int from = source.Offset + ids[i] * row, to = batch.Offset + i * row;
            switch (source.DType)
            {
                case DType.Float32: Array.Copy(source.Data<float>(), from, batch.Data<float>(), to, row); break;
                case DType.Float64: Array.Copy(source.Data<double>(), from, batch.Data<double>(), to, row); break;
                default: Array.Copy(source.Data<int>(), from, batch.Data<int>(), to, row); break;
            }
        }
    }
}
