namespace Hebb;

/// <summary>A flat buffer that one or more tensors (views) look into.</summary>
internal abstract class Storage
{
    public abstract DType DType { get; }
    public abstract int Length { get; }

    public static Storage Allocate(DType dtype, int length) => dtype switch
    {
        DType.Float32 => new Storage<float>(new float[length]),
        DType.Float64 => new Storage<double>(new double[length]),
        DType.Int32 => new Storage<int>(new int[length]),
        _ => throw new NotSupportedException(dtype.ToString()),
    };
}

internal sealed class Storage<T>(T[] data) : Storage where T : unmanaged
{
    public readonly T[] Data = data;
    public override DType DType { get; } = DTypeExtensions.Of<T>();
    public override int Length => Data.Length;
}
