using Hebb.Autograd;
using Hebb.Kernels;

namespace Hebb.Ops;

/// <summary>
/// 2-D convolution (cross-correlation, as in PyTorch) on NCHW tensors, lowered to GEMM through im2col:
/// O(i,j) = Σ_m Σ_n I(i·S + m, j·S + n) K(m,n) + b per output channel, with stride, padding,
/// dilation and groups. The backward uses the same columns: dW += dO · colsᵀ, dcols = Wᵀ · dO (folded
/// back into dI), db = Σ dO.
/// </summary>
internal static class Conv2dOp
{
    public readonly record struct Options(int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW, int Groups);

    public static Tensor Forward(Tensor input, Tensor weight, Tensor? bias, Options o, Activation activation = Activation.None)
    {
        Pointwise.CheckSameFloat(input, weight, "Conv2d");
        if (input.Rank != 4) throw new ArgumentException($"Conv2d: input must be (N, C, H, W), got {ShapeUtil.Format(input.Shape)}");
        if (weight.Rank != 4)
            throw new ArgumentException($"Conv2d: weight must be (C_out, C_in/groups, kh, kw), got {ShapeUtil.Format(weight.Shape)}");
        int n = input.ShapeArray[0], cIn = input.ShapeArray[1], cOut = weight.ShapeArray[0];
        if (o.Groups <= 0 || cIn % o.Groups != 0 || cOut % o.Groups != 0 || weight.ShapeArray[1] * o.Groups != cIn)
            throw new ArgumentException(
                $"Conv2d: input channels {cIn}, weight {ShapeUtil.Format(weight.Shape)} and groups {o.Groups} do not fit together");
        if (bias is not null && (bias.Rank != 1 || bias.ShapeArray[0] != cOut))
            throw new ArgumentException($"Conv2d: bias of shape {ShapeUtil.Format(bias.Shape)} does not match {cOut} output channels");
        var g = Geometry(input, weight, o);
        if (g.OutH <= 0 || g.OutW <= 0)
            throw new ArgumentException(
                $"Conv2d: a {g.KernelH}x{g.KernelW} kernel does not fit the padded " +
                $"{input.ShapeArray[2]}x{input.ShapeArray[3]} input");

        var x = input.Detach().Contiguous();
        var w = weight.Detach().Contiguous();
        var y = Tensor.Uninitialized(input.DType, [n, cOut, g.OutH, g.OutW]);
        if (Conv2dDirect.Applies(input.DType, g, o.Groups, inputGrad: false)) Conv2dDirect.Forward(x, w, bias?.Detach().Contiguous(), y, g);
        else if (input.DType == DType.Float32) Compute<float>(x, w, bias, y, g, o.Groups);
        else Compute<double>(x, w, bias, y, g, o.Groups);

        FusedActivation.Apply(activation, y);
        if (GradMode.ShouldRecord([input, weight, bias])) y.GradFn = new Conv2dBackward(o, activation, y, input, weight, bias);
        return y;
    }

    internal static Conv2dGeometry Geometry(Tensor input, Tensor weight, Options o) =>
        new(weight.ShapeArray[1], input.ShapeArray[2], input.ShapeArray[3], weight.ShapeArray[2], weight.ShapeArray[3],
            o.StrideH, o.StrideW, o.PadH, o.PadW, o.DilationH, o.DilationW);

    /// <summary>Image by image (images split among the worker threads), per group: the image's columns
    /// cols (K, HW) stay in cache and Y_i (C_out/g, HW) = W_g · cols is written straight into y's NCHW
    /// layout, on top of the bias. Lowering a whole batch at once instead makes a columns matrix of
    /// megabytes that is written once and read once from memory.</summary>
    private static void Compute<T>(Tensor x, Tensor w, Tensor? bias, Tensor y, Conv2dGeometry g, int groups)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var work = new ConvWork<T>(x, w, y, null, null, g, groups, forward: true);
        T[] yd = y.Data<T>();
        if (bias is not null)
        {
            var b = bias.Contiguous();
            T[] bd = b.Data<T>();
            for (int i = 0; i < work.Images; i++)
            for (int c = 0; c < work.COut; c++) yd.AsSpan((i * work.COut + c) * work.Plane, work.Plane).Fill(bd[b.Offset + c]);
        }
        else
        {
            yd.AsSpan(0, y.Numel).Clear();
        }
        work.Run();
    }

    /// <summary>A work buffer: pooled inside a TensorScope, an ordinary array otherwise.</summary>
    internal static T[] Scratch<T>(int length) where T : unmanaged =>
        ((Storage<T>)Storage.Allocate(DTypeExtensions.Of<T>(), length, clear: false)).Data; // no Tensor around it: nothing else to allocate
}

/// <summary>Inputs: x, weight and the bias (absent when the layer has none). Saved: the output, only when
/// an activation was fused into it.</summary>
internal sealed class Conv2dBackward(Conv2dOp.Options o, Activation activation, Tensor y, Tensor input, Tensor weight, Tensor? bias)
    : Node([input, weight, bias], saveForBackward: [activation == Activation.None ? null : y])
{
    private readonly Conv2dOp.Options _o = o;

    public override Tensor?[] Backward(Tensor g)
    {
        if (SavedOrNull(0) is { } y) g = FusedActivation.Backward(activation, y, g);
        var (input, weight) = (Input(0), Input(1));
        var gx = NeedsGrad(0) ? Tensor.ZerosLike(input) : null;
        var gw = NeedsGrad(1) ? Tensor.ZerosLike(weight) : null;
        var x = input.Contiguous();
        var w = weight.Contiguous();
        var dy = g.Contiguous();
        var geometry = Conv2dOp.Geometry(input, weight, _o);
        if (Conv2dDirect.Applies(input.DType, geometry, _o.Groups, inputGrad: gx is not null))
            Conv2dDirect.Backward(x, w, dy, gx, gw, geometry);
        else if (input.DType == DType.Float32) Compute<float>(x, w, dy, gx, gw, geometry, _o.Groups);
        else Compute<double>(x, w, dy, gx, gw, geometry, _o.Groups);
        var gb = NeedsGrad(2) ? dy.Sum([0, 2, 3]) : null; // dy: g made contiguous (summing a broadcast g element by element is slow)
        return [gx, gw, gb];
    }

    private static void Compute<T>(Tensor x, Tensor w, Tensor dy, Tensor? gx, Tensor? gw, Conv2dGeometry g, int groups)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        new ConvWork<T>(x, w, dy, gx, gw, g, groups, forward: false).Run();
}

/// <summary>
/// The per-image loops of Conv2d's forward and backward, split among the worker threads. Images are
/// grouped into a fixed number of chunks whatever the thread count; each chunk sums its own weight
/// gradient and the chunks' sums are added in order at the end, so results are bitwise the same on
/// any number of threads.
/// </summary>
internal sealed class ConvWork<T> : Kernels.IParallelWork where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    private readonly T[] _x, _w, _y, _cols, _dcols, _gwChunks;
    private readonly T[]? _gx, _gw;
    private readonly int _xOff, _wOff, _yOff, _k, _imageIn, _cOutG, _groups;
    private readonly ImageChunks _chunks;
    private readonly Conv2dGeometry _g;
    private readonly bool _forward;

    public int Images { get; }
    public int COut { get; }
    public int Plane { get; }

    /// <param name="y">the output (forward) or the output's gradient (backward)</param>
    public ConvWork(Tensor x, Tensor w, Tensor y, Tensor? gx, Tensor? gw, Conv2dGeometry g, int groups, bool forward)
    {
        (_x, _xOff, _w, _wOff, _y, _yOff) = (x.Data<T>(), x.Offset, w.Data<T>(), w.Offset, y.Data<T>(), y.Offset);
        (_gx, _gw, _g, _groups, _forward) = (gx?.Data<T>(), gw?.Data<T>(), g, groups, forward);
        Images = x.ShapeArray[0];
        COut = w.ShapeArray[0];
        Plane = g.OutH * g.OutW;
        _cOutG = COut / groups;
        _k = g.Channels * g.KernelH * g.KernelW;
        _imageIn = g.Channels * g.Height * g.Width;
        _chunks = ImageChunks.For(Images, 2L * Images * COut * _k * Plane);
        // Work buffers are taken here, on the calling thread, so they come from its step's pool.
        bool needCols = forward || gw is not null;
        _cols = needCols ? Conv2dOp.Scratch<T>(_chunks.Parts * _k * Plane) : [];
        _dcols = gx is not null ? Conv2dOp.Scratch<T>(_chunks.Parts * _k * Plane) : [];
        _gwChunks = gw is not null ? Conv2dOp.Scratch<T>(_chunks.Count * COut * _k) : [];
    }

    public void Run()
    {
        if (Images == 0) return;
        Kernels.WorkerPool.Run(this, _chunks.Parts);
        if (_gw is null) return;
        // dW = Σ over chunks, in chunk order.
        int size = COut * _k;
        for (int c = 0; c < _chunks.Count; c++)
        {
            var partial = _gwChunks.AsSpan(c * size, size);
            Kernels.AddOp.Apply<T>(_gw.AsSpan(0, size), partial, _gw.AsSpan(0, size));
        }
    }

    private static float[] Floats(T[] array) => (float[])(object)array;

    public void Run(int part, int parts)
    {
        int colsOff = part * _k * Plane;
        var (firstChunk, lastChunk) = _chunks.ChunksOf(part, parts);
        for (int chunk = firstChunk; chunk < lastChunk; chunk++)
        {
            var (first, last) = _chunks.ImagesOf(chunk);
            if (_gw is not null) _gwChunks.AsSpan(chunk * COut * _k, COut * _k).Clear();
            for (int i = first; i < last; i++)
            for (int gr = 0; gr < _groups; gr++)
            {
                int xOff = _xOff + (i * _groups + gr) * _imageIn;       // this image's channels of group gr
                int yOff = _yOff + (i * COut + gr * _cOutG) * Plane;      // its output channels of group gr
                int wOff = _wOff + gr * _cOutG * _k;
                if (_forward || _gw is not null)
                    Kernels.Im2Col.Unfold<T>(_x.AsSpan(xOff, _imageIn), _g, _cols.AsSpan(colsOff, _k * Plane), Plane);
                if (_forward)
                {
                    // Y_i (cOutG, HW) += W_g (cOutG, K) · cols (K, HW), onto the bias already in y.
                    if (_w is float[] wf)
                        Kernels.SmallGemm.MultiplyRowMajorB(
                            wf.AsSpan(wOff), _k, 1, Floats(_cols).AsSpan(colsOff), Plane, Floats(_y).AsSpan(yOff), Plane,
                            _cOutG, _k, Plane, accumulate: true);
                    else
                        Kernels.Gemm.Multiply(_w, wOff, _k, 1, _cols, colsOff, Plane, 1, _y, yOff, _cOutG, _k, Plane, accumulate: true);
                    continue;
                }
                if (_gw is not null)
                {
                    // dW_g (cOutG, K) += dY_i (cOutG, HW) · colsᵀ (HW, K)
                    int gwOff = chunk * COut * _k + gr * _cOutG * _k;
                    if (_y is float[] yf)
                        Kernels.SmallGemm.MultiplyTransposedB(
                            yf.AsSpan(yOff), Plane, Floats(_cols).AsSpan(colsOff), Plane, Floats(_gwChunks).AsSpan(gwOff), _k,
                            _cOutG, Plane, _k, accumulate: true);
                    else
                        Kernels.Gemm.Multiply(
                            _y, yOff, Plane, 1, _cols, colsOff, 1, Plane, _gwChunks, gwOff, _cOutG, Plane, _k, accumulate: true);
                }
                if (_gx is not null)
                {
                    // dcols (K, HW) = W_gᵀ (K, cOutG) · dY_i (cOutG, HW), folded back into the image's gradient.
                    if (_w is float[] wf)
                        Kernels.SmallGemm.MultiplyRowMajorB(
                            wf.AsSpan(wOff), 1, _k, Floats(_y).AsSpan(yOff), Plane, Floats(_dcols).AsSpan(colsOff), Plane,
                            _k, _cOutG, Plane, accumulate: false);
                    else
                        Kernels.Gemm.Multiply(_w, wOff, 1, _k, _y, yOff, Plane, 1, _dcols, colsOff, _k, _cOutG, Plane);
                    Kernels.Im2Col.FoldAdd<T>(
                        _dcols.AsSpan(colsOff, _k * Plane), Plane, 1, _g, _gx.AsSpan((i * _groups + gr) * _imageIn, _imageIn));
                }
            }
        }
    }
}

/// <summary>
/// A batch of images in at most <see cref="MaxChunks"/> chunks, whatever the thread count: each chunk sums
/// its own weight gradient and the sums are added in chunk order, so results are bitwise the same on any
/// number of threads. A thread takes consecutive chunks, i.e. the same consecutive share of the batch as
/// the pooling and element-wise kernels, so activations stay in the cache of the core that made them.
/// </summary>
internal readonly record struct ImageChunks(int Images, int Count, int Size, int Parts)
{
    public const int MaxChunks = 8;

    /// <param name="flops">the work of the whole call: small problems (and gradcheck's) stay on the calling thread</param>
    public static ImageChunks For(int images, long flops)
    {
        int count = Math.Max(1, Math.Min(images, MaxChunks)); // an empty batch still makes one (empty) chunk
        int size = Math.Max(1, (images + count - 1) / count);
        count = (images + size - 1) / size;
        return new(images, count, size, flops < 1_000_000 ? 1 : Math.Min(ComputeSettings.Threads, count));
    }

    public (int First, int Last) ChunksOf(int part, int parts) => (Count * part / parts, Count * (part + 1) / parts);

    public (int First, int Last) ImagesOf(int chunk) => (chunk * Size, Math.Min(Images, (chunk + 1) * Size));
}
