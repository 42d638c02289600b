namespace Hebb;

/// <summary>Element type of a tensor. Float32 is the working type; Float64 exists so gradients can be
/// checked against finite differences precisely (as PyTorch's gradcheck does); Int32 holds labels,
/// token ids, argmax results and 0/1 masks without float hacks.</summary>
public enum DType
{
    /// <summary>32-bit IEEE float (C# <c>float</c>), the default for every tensor. As torch.float32.</summary>
    Float32,

    /// <summary>64-bit IEEE float (C# <c>double</c>), for precise gradient checks. As torch.float64.</summary>
    Float64,

    /// <summary>32-bit signed integer (C# <c>int</c>), for labels, indices and masks; never requires grad.
    /// As torch.int32.</summary>
    Int32,
}

/// <summary>Helpers on <see cref="DType"/>.</summary>
public static class DTypeExtensions
{
    /// <summary>True for <see cref="DType.Float32"/> and <see cref="DType.Float64"/>, the dtypes that can carry
    /// gradients. As torch.dtype.is_floating_point.</summary>
    public static bool IsFloatingPoint(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>The PyTorch-style name used in messages and printing: "float32", "float64" or "int32".</summary>
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
