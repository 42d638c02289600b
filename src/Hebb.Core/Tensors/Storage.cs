namespace Hebb;

/// <summary>A flat buffer that one or more tensors (views) look into. Inside a <see cref="TensorScope"/>
/// the array is rented from the <see cref="BufferPool{T}"/> and handed back when the scope ends.</summary>
internal abstract class Storage
{
    public abstract DType DType { get; }
    public abstract int Length { get; }

    /// <summary>Gives the array back to the pool; any later use of a tensor over it fails clearly.</summary>
    public abstract void ReturnToPool();

    /// <summary>A buffer of <paramref name="length"/> elements of <paramref name="dtype"/>, rented from the pool inside
    /// a <see cref="TensorScope"/> and tracked by it, else a fresh array.</summary>
    /// <param name="dtype">the element type</param><param name="length">the number of elements</param>
    /// <param name="clear">false when the caller overwrites every element (skips zeroing a reused array)</param>
    public static Storage Allocate(DType dtype, int length, bool clear = true)
    {
        var scope = TensorScope.Current;
        if (scope is null) return Create(dtype, length, pooled: false, clear);
        var storage = Create(dtype, length, pooled: true, clear);
        scope.Track(storage);
        return storage;
    }

    /// <summary>A pooled buffer whose owner hands it back itself (e.g. the DataLoader's batches), not cleared.</summary>
    public static Storage AllocateRecyclable(DType dtype, int length) => Create(dtype, length, pooled: true, clear: false);

    private static Storage Create(DType dtype, int length, bool pooled, bool clear) => dtype switch
    {
        DType.Float32 => new Storage<float>(pooled ? BufferPool<float>.Rent(length, clear) : new float[length]),
        DType.Float64 => new Storage<double>(pooled ? BufferPool<double>.Rent(length, clear) : new double[length]),
        DType.Int32 => new Storage<int>(pooled ? BufferPool<int>.Rent(length, clear) : new int[length]),
        _ => throw new NotSupportedException(dtype.ToString()),
    };
}

internal sealed class Storage<T>(T[] data) : Storage where T : unmanaged
{
    private T[]? _data = data;

    public T[] Data => _data ?? throw new ObjectDisposedException("tensor",
        "this tensor's memory went back to the buffer pool (its TensorScope ended, or it was a DataLoader batch " +
        "and the next batch was taken); Clone() what you need to keep");

    public override DType DType { get; } = DTypeExtensions.Of<T>();
    public override int Length => Data.Length;

    public override void ReturnToPool()
    {
        if (_data is null) return;
        BufferPool<T>.Return(_data);
        _data = null;
    }
}
