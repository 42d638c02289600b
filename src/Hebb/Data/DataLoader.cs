namespace Hebb.Data;

/// <summary>
/// Minibatches over a <see cref="TensorDataset"/>. With shuffle, every epoch (every enumeration)
/// draws a new permutation from the given generator, so a seed fixes the whole run. The last
/// smaller batch is kept unless dropLast. One epoch = ceil(N / batch) steps (floor with dropLast).
/// With recycleBatches, a batch is valid only until the next one is taken: its memory is then reused
/// (using it afterwards fails with a clear error; Clone() a batch to keep it), and the next batch is
/// gathered on another thread while the caller trains on the current one. That keeps a training
/// loop from allocating a fresh input batch (313 KB for MNIST at 100) and from waiting on memory
/// every step; leave it off to collect batches (ToList) or keep them around.
/// </summary>
public sealed class DataLoader : IEnumerable<(Tensor Input, Tensor Target)>
{
    private readonly TensorDataset _dataset;
    private readonly Generator? _generator;

    /// <summary>Samples per batch; the last batch of an epoch may be smaller unless <see cref="DropLast"/>.</summary>
    public int BatchSize { get; }
    /// <summary>Whether every epoch visits the samples in a new random order.</summary>
    public bool Shuffle { get; }
    /// <summary>Whether a last batch smaller than <see cref="BatchSize"/> is skipped.</summary>
    public bool DropLast { get; }
    /// <summary>Whether batch memory is reused and the next batch gathered on another thread; a batch is then
    /// valid only until the next one is taken.</summary>
    public bool RecycleBatches { get; }

    /// <summary>Batches of <paramref name="batchSize"/> samples of <paramref name="dataset"/>, as torch.utils.data.DataLoader.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="shuffle">Whether every epoch visits the samples in a new random order (default false).</param>
    /// <param name="generator">The random source of the orders; required when shuffling.</param>
    /// <param name="dropLast">Whether to skip a last batch smaller than batchSize (default false).</param>
    /// <param name="recycleBatches">Whether to reuse batch memory and prefetch the next batch (default false);
    /// see the class remarks.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    /// <exception cref="ArgumentException">Shuffling was asked for without a generator.</exception>
    public DataLoader(TensorDataset dataset, int batchSize, bool shuffle = false, Generator? generator = null, bool dropLast = false,
        bool recycleBatches = false)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be positive, got {batchSize}");
        if (shuffle && generator is null)
            throw new ArgumentException("DataLoader: shuffling needs an explicit Generator (for reproducible runs)");
        _dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        _generator = generator;
        DropLast = dropLast;
        RecycleBatches = recycleBatches;
    }

    /// <summary>Batches per epoch: ceil(N / BatchSize), or floor(N / BatchSize) with <see cref="DropLast"/>.</summary>
    public int Count => DropLast ? _dataset.Count / BatchSize : (_dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>One epoch of (input, target) batches: inputs (b, sample shape...) and targets (b, target shape...),
    /// in a new order each time when shuffling.</summary>
    public IEnumerator<(Tensor Input, Tensor Target)> GetEnumerator() => Enumerate(null, 0);

    /// <summary>With shuffle, the generator's state just before it drew the order of the epoch being enumerated
    /// (null before the first epoch, or without shuffle): with <see cref="ResumeEpoch"/> it gives the same order again, so
    /// a checkpoint need not hold the order itself.</summary>
    public GeneratorState? EpochOrderState { get; private set; }

    /// <summary>The rest of an epoch that was stopped part-way: the order drawn from <paramref name="orderState"/> (an
    /// <see cref="EpochOrderState"/>; null without shuffle), from batch <paramref name="startBatch"/> on. The loader's own
    /// generator is not touched: restore it separately.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="startBatch"/> is outside 0..<see cref="Count"/>.</exception>
    /// <exception cref="ArgumentException">An order state is given without shuffle, or none with it.</exception>
    public IEnumerable<(Tensor Input, Tensor Target)> ResumeEpoch(GeneratorState? orderState, int startBatch)
    {
        if (startBatch < 0 || startBatch > Count)
            throw new ArgumentOutOfRangeException(nameof(startBatch), $"an epoch has batches 0..{Count}, got start {startBatch}");
        if (Shuffle != orderState.HasValue)
            throw new ArgumentException(Shuffle ? "a shuffled epoch needs its order state" : "an order state needs a shuffling loader");
        return Rest(); // checked above when called, not when first enumerated

        IEnumerable<(Tensor Input, Tensor Target)> Rest()
        {
            using var batches = Enumerate(orderState, startBatch);
            while (batches.MoveNext()) yield return batches.Current;
        }
    }

    private IEnumerator<(Tensor Input, Tensor Target)> Enumerate(GeneratorState? orderState, int startBatch)
    {
        int n = _dataset.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (Shuffle)
        {
            var source = _generator!;
            if (orderState is { } resumed)
            {
                source = new Generator(0);
                source.SetState(resumed);
            }
            EpochOrderState = source.GetState();
            source.Shuffle(order);
        }
        int batches = Count;
        if (!RecycleBatches)
        {
            for (int b = startBatch; b < batches; b++) yield return Fill(NewBatch(order, b, recyclable: false), order, b);
            yield break;
        }

        // Recycling mode: while the caller works on batch b, another thread fills batch b+1 into
        // buffers rented here (on the caller's thread, whose pool they return to).
        (Tensor Input, Tensor Target)? current = null, next = null;
        Task? prefetch = null;
        try
        {
            if (startBatch < batches) current = Fill(NewBatch(order, startBatch, recyclable: true), order, startBatch);
            for (int b = startBatch; b < batches; b++)
            {
                if (b + 1 < batches)
                {
                    var pending = NewBatch(order, b + 1, recyclable: true);
                    next = pending;
                    int nextIndex = b + 1;
                    prefetch = Task.Run(() => Fill(pending, order, nextIndex));
                }
                yield return current!.Value;
                if (prefetch is not null)
                {
                    prefetch.GetAwaiter().GetResult();
                    prefetch = null;
                }
                Recycle(current);
                current = next;
                next = null;
            }
        }
        finally
        {
            try { prefetch?.Wait(); } catch (AggregateException) { } // the error, if any, was already surfaced or is moot
            Recycle(current);
            Recycle(next);
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Empty batch tensors for batch number b (the last one may be smaller).</summary>
    private (Tensor Input, Tensor Target) NewBatch(int[] order, int b, bool recyclable)
    {
        int size = Math.Min(BatchSize, order.Length - b * BatchSize);
        return (NewBatch(_dataset.InputDType, size, _dataset.SampleShape, recyclable),
                NewBatch(_dataset.Targets.DType, size, _dataset.Targets.ShapeArray.AsSpan(1), recyclable));
    }

    private (Tensor Input, Tensor Target) Fill((Tensor Input, Tensor Target) batch, int[] order, int b)
    {
        var ids = order.AsSpan(b * BatchSize, batch.Input.Size(0));
        _dataset.GatherInputs(ids, batch.Input);
        CopyRows(_dataset.Targets, ids, batch.Target);
        return batch;
    }

    private static void Recycle((Tensor Input, Tensor Target)? batch)
    {
        if (batch is not { } b) return;
        b.Input.Storage.ReturnToPool();
        b.Target.Storage.ReturnToPool();
    }


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
