namespace Hebb;

/// <summary>Element type of a tensor. Float32 is the working type; Float64 exists so gradients can be
/// checked against finite differences precisely (as PyTorch's gradcheck does); Int32 holds labels,
/// token ids, argmax results and 0/1 masks without float hacks.</summary>
public enum DType
{
    Float32,
    Float64,
    Int32,
}

public static class DTypeExtensions
{
    public static bool IsFloatingPoint(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int32 => "int32",
        _ => dtype.ToString(),
    };

    internal static DType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? DType.Float32 :
        typeof(T) == typeof(double) ? DType.Float64 :
        typeof(T) == typeof(int) ? DType.Int32 :
        throw new NotSupportedException($"element type {typeof(T).Name} is not a Hebb dtype");
}
