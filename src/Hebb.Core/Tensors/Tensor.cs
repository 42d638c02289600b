using Hebb.Autograd;

namespace Hebb;

/// <summary>
/// An N-dimensional array with shape, strides and an offset into a shared <see cref="Storage"/>,
/// so that views (transpose, slice, expand...) cost no copy. A tensor that requires grad records
/// the op that made it (<see cref="GradFn"/>), and <see cref="Backward"/> walks those records in
/// reverse. Each op is one file under src/Hebb.Core/Ops: an extension block on Tensor (its forward) and
/// a Node subclass (its backward).
/// </summary>
public sealed partial class Tensor
{
    internal readonly Storage Storage;
    internal readonly int[] ShapeArray;
    internal readonly int[] StrideArray;
    internal readonly int Offset;
    private bool _requiresGrad;
    private Tensor? _grad;

    /// <summary>The op that produced this tensor, when autograd recorded it; null for leaves.</summary>
    internal Node? GradFn;

    internal Tensor(Storage storage, int[] shape, int[] strides, int offset)
    {
        Storage = storage;
        ShapeArray = shape;
        StrideArray = strides;
        Offset = offset;
        Numel = ShapeUtil.Numel(shape);
        IsContiguous = ComputeIsContiguous(shape, strides);
    }

    /// <summary>A fresh contiguous tensor over a zeroed buffer.</summary>
    internal static Tensor Empty(DType dtype, int[] shape)
    {
        int n = ShapeUtil.Numel(shape);
        return new Tensor(Storage.Allocate(dtype, n), shape, ShapeUtil.ContiguousStrides(shape), 0);
    }

    /// <summary>A fresh contiguous tensor whose every element the caller is about to write (its buffer
    /// may hold old values from the pool).</summary>
    internal static Tensor Uninitialized(DType dtype, int[] shape)
    {
        int n = ShapeUtil.Numel(shape);
        return new Tensor(Storage.Allocate(dtype, n, clear: false), shape, ShapeUtil.ContiguousStrides(shape), 0);
    }

    /// <summary>A fresh contiguous, uninitialized tensor shaped like <paramref name="like"/>. Shape and
    /// stride arrays are never modified once a tensor holds them, so a contiguous input's are shared.</summary>
    internal static Tensor UninitializedLike(DType dtype, Tensor like) => like.IsContiguous
        ? new Tensor(Storage.Allocate(dtype, like.Numel, clear: false), like.ShapeArray, like.StrideArray, 0)
        : Uninitialized(dtype, (int[])like.ShapeArray.Clone());

    internal static Tensor Wrap<T>(T[] data, int[] shape) where T : unmanaged
    {
        if (data.Length != ShapeUtil.Numel(shape))
            throw new ArgumentException(
                $"{data.Length} values cannot fill a tensor of shape {ShapeUtil.Format(shape)} " +
                $"({ShapeUtil.Numel(shape)} elements)");
        return new Tensor(new Storage<T>(data), shape, ShapeUtil.ContiguousStrides(shape), 0);
    }

    /// <summary>The element type. As torch.Tensor.dtype.</summary>
    public DType DType => Storage.DType;

    /// <summary>The size of each dimension, outermost first, e.g. (N, C, H, W); empty for a rank-0 scalar.
    /// As torch.Tensor.shape.</summary>
    public ReadOnlySpan<int> Shape => ShapeArray;

    /// <summary>For each dimension, how many elements apart in the storage two neighbours along it lie; 0 along a
    /// broadcast (expanded) dimension. As torch.Tensor.stride().</summary>
    public ReadOnlySpan<int> Strides => StrideArray;

    /// <summary>The number of dimensions (0 for a scalar). As torch.Tensor.dim().</summary>
    public int Rank => ShapeArray.Length;

    /// <summary>The number of elements, the product of <see cref="Shape"/> (1 for a scalar). As torch.Tensor.numel().</summary>
    public int Numel { get; }

    /// <summary>True when the elements lie in row-major order without gaps (offset may be non-zero).</summary>
    public bool IsContiguous { get; }

    /// <summary>Size of one dimension; negative dims count from the end.</summary>
    public int Size(int dim) => ShapeArray[ShapeUtil.NormalizeAxis(dim, Rank, "Size")];

    /// <summary>True when no recorded op made this tensor (a parameter, an input, or a result of <see cref="Detach"/> or
    /// of an op run without grad); only leaves get <see cref="Grad"/> filled by <see cref="Backward"/>.
    /// As torch.Tensor.is_leaf.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>Whether gradients flow to this tensor. Settable on leaves only, and only for float dtypes.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad || GradFn is not null;
        set
        {
            if (GradFn is not null)
                throw new InvalidOperationException("RequiresGrad can only be set on leaf tensors; use Detach() to get a leaf");
            if (value && !DType.IsFloatingPoint())
                throw new InvalidOperationException($"only float tensors can require grad; this one is {DType.Name()}");
            _requiresGrad = value;
        }
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor, for fluent construction.</summary>
    public Tensor RequireGrad(bool value = true)
    {
        RequiresGrad = value;
        return this;
    }

    /// <summary>The accumulated gradient of a leaf after <see cref="Backward"/>.</summary>
    public Tensor? Grad
    {
        get => _grad;
        set
        {
            if (value is not null && (!ShapeUtil.SameShape(value.Shape, Shape) || value.DType != DType))
                throw new ArgumentException(
                    $"Grad of shape {ShapeUtil.Format(value.Shape)} ({value.DType.Name()}) does not match " +
                    $"tensor of shape {ShapeUtil.Format(Shape)} ({DType.Name()})");
            _grad = value;
        }
    }

    /// <summary>Drops the accumulated gradient (<see cref="Grad"/> becomes null), so the next
    /// <see cref="Backward"/> starts from zero. As setting torch.Tensor.grad = None.</summary>
    public void ZeroGrad() => _grad = null;

    /// <summary>What Module/Optimizer.ZeroGrad do per parameter: zero-fill the gradient in place (the
    /// next backward reuses the buffer) or, with setToNone, drop it.</summary>
    internal void ClearGrad(bool setToNone)
    {
        if (setToNone || _grad is null) _grad = null;
        else using (Autograd.GradMode.NoGrad()) _grad.FillInPlace(0);
    }

    /// <summary>Reverse-mode differentiation from this tensor. A scalar needs no gradient argument;
    /// any other tensor needs one of its own shape. The graph is freed afterwards unless retainGraph.</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) => Engine.Backward(this, gradient, retainGraph);

    /// <summary>A leaf sharing this tensor's data, cut off from the graph.</summary>
    public Tensor Detach() => new(Storage, ShapeArray, StrideArray, Offset);

    internal T[] Data<T>() where T : unmanaged => ((Storage<T>)Storage).Data;

    internal void RequireDType(DType expected, string op)
    {
        if (DType != expected) throw new ArgumentException($"{op}: expected a {expected.Name()} tensor, got {DType.Name()}");
    }

    internal void RequireFloat(string op)
    {
        if (!DType.IsFloatingPoint()) throw new ArgumentException($"{op}: needs a float tensor, got {DType.Name()}");
    }

    /// <summary>The single value of a one-element tensor, as float.</summary>
    public float Item() => (float)ItemAsDouble();

    /// <summary>The single value of a one-element tensor, in its own type.</summary>
    public T Item<T>() where T : unmanaged
    {
        if (Numel != 1) throw new InvalidOperationException($"Item() needs a tensor with one element, got shape {ShapeUtil.Format(Shape)}");
        RequireDType(DTypeExtensions.Of<T>(), "Item");
        return Data<T>()[Offset];
    }

    /// <summary>The single value of a one-element tensor of any dtype, as double. As torch.Tensor.item().</summary>
    /// <exception cref="InvalidOperationException">The tensor has more or fewer than one element.</exception>
    public double ItemAsDouble()
    {
        if (Numel != 1) throw new InvalidOperationException($"Item() needs a tensor with one element, got shape {ShapeUtil.Format(Shape)}");
        return DType switch
        {
            DType.Float32 => Data<float>()[Offset],
            DType.Float64 => Data<double>()[Offset],
            _ => Data<int>()[Offset],
        };
    }

    /// <summary>The elements in row-major order, as a new array of the tensor's own type.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        RequireDType(DTypeExtensions.Of<T>(), "ToArray");
        var c = this.Contiguous();
        var result = new T[Numel];
        Array.Copy(c.Data<T>(), c.Offset, result, 0, Numel);
        return result;
    }

    /// <summary>Elements converted to float, whatever the dtype.</summary>
    public float[] ToFloatArray() => this.To(DType.Float32).ToArray<float>();

    private static bool ComputeIsContiguous(int[] shape, int[] strides)
    {
        int expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /// <summary>A short description for debugging: dtype, shape, the values when there are at most 20 (else "...")
    /// and the grad_fn or requires_grad flag, e.g. <c>Tensor(float32[2, 2]: [1, 2, 3, 4], requires_grad)</c>.</summary>
    public override string ToString()
    {
        var values = Numel <= 20
            ? string.Join(", ", ToFloatArray().Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)))
            : "...";
        string grad = GradFn is not null ? $", grad_fn={GradFn.Name}" : RequiresGrad ? ", requires_grad" : "";
        return $"Tensor({DType.Name()}{ShapeUtil.Format(Shape)}: [{values}]{grad})";
    }
}
