using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Hebb.Data;

/// <summary>
/// Paired inputs and targets indexed along their first dim (e.g. MNIST images and labels).
/// Image datasets may keep their inputs as bytes (pixel/255 on the fly, exactly as the float
/// values): a quarter of the memory, and a quarter of the bytes a batch gathers from RAM.
/// </summary>
public sealed class TensorDataset
{
    private Tensor? _inputs;
    private readonly byte[]? _pixels;   // byte-backed inputs: sample i is _pixels[_pixelOffset + i*_sampleSize ..]
    private readonly int _pixelOffset, _sampleSize;
    private readonly int[] _sampleShape;

    /// <summary>The targets, one per sample along dim 0 (int32 class labels for a classifier).</summary>
    public Tensor Targets { get; }
    /// <summary>The number of samples, N.</summary>
    public int Count => Targets.Size(0);

    /// <summary>The shape of one input sample (e.g. [784]).</summary>
    public ReadOnlySpan<int> SampleShape => _sampleShape;

    /// <summary>The number of values in one input sample: the product of <see cref="SampleShape"/> (784 for MNIST).</summary>
    public int SampleSize => ShapeUtil.Numel(_sampleShape);

    /// <summary>All inputs as one float tensor (for byte-backed datasets, made on first use).</summary>
    public Tensor Inputs => _inputs ??= MaterializePixels();

    /// <summary>Pairs <paramref name="inputs"/> (N, ...) with <paramref name="targets"/> (N, ...), as
    /// torch.utils.data.TensorDataset; each is copied only if it is not contiguous.</summary>
    /// <param name="inputs">The inputs, one sample per row of dim 0.</param>
    /// <param name="targets">The targets, one per row of dim 0.</param>
    /// <exception cref="ArgumentException">Either is a scalar, or their first dims differ.</exception>
    public TensorDataset(Tensor inputs, Tensor targets)
    {
        if (inputs.Rank == 0 || targets.Rank == 0 || inputs.Size(0) != targets.Size(0))
            throw new ArgumentException($"TensorDataset: inputs {ShapeUtil.Format(inputs.Shape)} " +
                $"and targets {ShapeUtil.Format(targets.Shape)} must have the same first dimension");
        _inputs = inputs.Contiguous();
        Targets = targets.Contiguous();
        _sampleShape = inputs.ShapeArray[1..];
    }

    private TensorDataset(byte[] pixels, int offset, int[] sampleShape, Tensor targets)
    {
        _pixels = pixels;
        _pixelOffset = offset;
        _sampleShape = sampleShape;
        _sampleSize = ShapeUtil.Numel(sampleShape);
        Targets = targets.Contiguous();
        if ((long)offset + (long)Count * _sampleSize > pixels.Length)
            throw new ArgumentException($"TensorDataset: {Count} samples of {_sampleSize} pixels do not fit in {pixels.Length} bytes");
    }

    /// <summary>Rows [start, start+count) as a new dataset sharing memory (for validation splits).</summary>
    public TensorDataset Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice: [{start}, {start + count}) is outside a dataset of {Count}");
        return _pixels is not null && _inputs is null
            ? new TensorDataset(_pixels, _pixelOffset + start * _sampleSize, _sampleShape, Targets.Narrow(0, start, count))
            : new TensorDataset(Inputs.Narrow(0, start, count), Targets.Narrow(0, start, count));
    }

    /// <summary>The same samples seen with another per-sample shape of the same size (e.g. [784] as
    /// [1, 28, 28] for a convolutional network); no copy.</summary>
    public TensorDataset WithSampleShape(params int[] sampleShape)
    {
        if (ShapeUtil.Numel(sampleShape) != ShapeUtil.Numel(_sampleShape))
            throw new ArgumentException(
                $"TensorDataset: samples of shape {ShapeUtil.Format(_sampleShape)} cannot be seen as {ShapeUtil.Format(sampleShape)}");
        if (_pixels is not null && _inputs is null) return new TensorDataset(_pixels, _pixelOffset, (int[])sampleShape.Clone(), Targets);
        return new TensorDataset(Inputs.Reshape([Count, .. sampleShape]), Targets);
    }

    /// <summary>An MNIST-style dataset: (N, rows*cols) inputs in [0, 1], kept as bytes, and int32 labels.</summary>
    public static TensorDataset FromMnist(MnistDataset data) =>
        new(data.Pixels, 0, [data.Rows * data.Cols], Tensor.FromArray(data.Labels, data.Count));

    /// <summary>A short text that changes when any input or target changes: the count, the sample shape and a SHA-256 of
    /// the values. A checkpoint records it so that a run is not resumed on other data.</summary>
    public string Fingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (_pixels is not null && _inputs is null) hash.AppendData(_pixels.AsSpan(_pixelOffset, Count * _sampleSize));
        else AppendValues(hash, Inputs);
        AppendValues(hash, Targets);
        string digest = Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
        return $"{Count} samples of {ShapeUtil.Format(_sampleShape)}, sha256 {digest}";
    }

    private static void AppendValues(IncrementalHash hash, Tensor tensor)
    {
        var t = tensor.Contiguous();
        switch (t.DType)
        {
            case DType.Float32: hash.AppendData(MemoryMarshal.AsBytes(t.Data<float>().AsSpan(t.Offset, t.Numel))); break;
            case DType.Float64: hash.AppendData(MemoryMarshal.AsBytes(t.Data<double>().AsSpan(t.Offset, t.Numel))); break;
            default: hash.AppendData(MemoryMarshal.AsBytes(t.Data<int>().AsSpan(t.Offset, t.Numel))); break;
        }
    }

    /// <summary>Images kept as bytes (pixel / 255 on the fly, as <see cref="FromMnist"/>): <paramref name="pixels"/>
    /// holds <c>labels.Length</c> samples of shape <paramref name="sampleShape"/>, row-major.</summary>
    /// <exception cref="ArgumentException">The pixels do not hold that many samples of that shape.</exception>
    public static TensorDataset FromImages(byte[] pixels, int[] sampleShape, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if ((long)labels.Length * ShapeUtil.Numel(sampleShape) != pixels.Length)
            throw new ArgumentException(
                $"TensorDataset: {pixels.Length} bytes are not {labels.Length} samples of {ShapeUtil.Format(sampleShape)}");
        return new(pixels, 0, (int[])sampleShape.Clone(), Tensor.FromArray(labels, labels.Length));
    }

    /// <summary>Copies the chosen samples' inputs into a dense batch (row i = sample ids[i]).</summary>
    internal void GatherInputs(ReadOnlySpan<int> ids, Tensor batch)
    {
        if (_inputs is not null || _pixels is null)
        {
            DataLoader.CopyRows(Inputs, ids, batch);
            return;
        }
        var dst = batch.Data<float>();
        for (int i = 0; i < ids.Length; i++)
        {
            var src = _pixels.AsSpan(_pixelOffset + ids[i] * _sampleSize, _sampleSize);
            MnistDataset.ToUnitRange(src, dst.AsSpan(batch.Offset + i * _sampleSize, _sampleSize));
        }
    }

    internal DType InputDType => _inputs?.DType ?? DType.Float32;

    private Tensor MaterializePixels()
    {
        var shape = new int[_sampleShape.Length + 1];
        shape[0] = Count;
        _sampleShape.CopyTo(shape, 1);
        using var _ = TensorScope.Suspend(); // the cached tensor outlives any step scope
        var all = Tensor.Uninitialized(DType.Float32, shape);
        var ids = new int[Count];
        for (int i = 0; i < ids.Length; i++) ids[i] = i;
        GatherInputs(ids, all);
        return all;
    }
}
