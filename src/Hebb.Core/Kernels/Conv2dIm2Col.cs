using System.Numerics;

namespace Hebb.Kernels;

/// <summary>
/// Conv2d's general path (any stride, padding, dilation and groups; float and double), lowered to GEMM through
/// <see cref="Im2Col"/>, image by image and split among the worker threads. Per image and group, its columns
/// cols (K, HW) stay in cache: the forward writes Y_i (C_out/g, HW) = W_g · cols straight into y's NCHW layout,
/// on top of the bias; the backward adds dW_g += dY_i · colsᵀ and folds dcols = W_gᵀ · dY_i back into dX.
/// (Lowering a whole batch at once instead makes a columns matrix of megabytes that is written once and read
/// once from memory.) Images are grouped into a fixed number of <see cref="ImageChunks"/> whatever the thread
/// count; each chunk sums its own weight gradient and the chunks' sums are added in order at the end, so results
/// are bitwise the same on any number of threads. Work buffers come from the caller's <c>scratch</c>, taken on
/// the calling thread. The op (checks, tensors, autograd) is Ops/Conv2dOp.cs; the float32 stride-1 case mostly
/// takes <see cref="Conv2dDirect"/> instead.
/// </summary>
internal sealed class Conv2dIm2Col<T> : IParallelWork where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _x, _w, _y, _cols, _dcols, _gwChunks;
    private readonly T[]? _gx, _gw;
    private readonly int _xOff, _wOff, _yOff, _k, _imageIn, _cOutG, _groups, _images, _cOut, _plane;
    private readonly ImageChunks _chunks;
    private readonly Conv2dGeometry _g;
    private readonly bool _forward;

    /// <summary>Sets up one forward (<c>forward</c> true) or backward call over <c>images</c> images of geometry g
    /// with <c>cOut</c> output channels in <c>groups</c> groups. x, w and y start at xOff, wOff and yOff; y is the
    /// output (forward) or the output's gradient (backward). gx and gw (either may be null) receive the input and
    /// weight gradients. Work buffers are taken from scratch here, on the calling thread.</summary>
    private Conv2dIm2Col(T[] x, int xOff, T[] w, int wOff, T[] y, int yOff, T[]? gx, T[]? gw, int images, int cOut,
        Conv2dGeometry g, int groups, bool forward, Func<int, T[]> scratch)
    {
        (_x, _xOff, _w, _wOff, _y, _yOff) = (x, xOff, w, wOff, y, yOff);
        (_gx, _gw, _g, _groups, _forward) = (gx, gw, g, groups, forward);
        _images = images;
        _cOut = cOut;
        _plane = g.OutH * g.OutW;
        _cOutG = _cOut / groups;
        _k = g.Channels * g.KernelH * g.KernelW;
        _imageIn = g.Channels * g.Height * g.Width;
        _chunks = ImageChunks.For(_images, 2L * _images * _cOut * _k * _plane);
        // Work buffers are taken here, on the calling thread, so they come from its step's pool.
        bool needCols = forward || gw is not null;
        _cols = needCols ? scratch(_chunks.Parts * _k * _plane) : [];
        _dcols = gx is not null ? scratch(_chunks.Parts * _k * _plane) : [];
        _gwChunks = gw is not null ? scratch(_chunks.Count * _cOut * _k) : [];
    }

    /// <summary>y = W ⊛ x + bias for images (N, C, H, W) and W (C_out, C/groups, kh, kw); y is dense from index 0
    /// and every element of it is written.</summary>
    public static void Forward(T[] x, int xOff, T[] w, int wOff, T[]? bias, int biasOff, T[] y, int images, int cOut,
        Conv2dGeometry g, int groups, Func<int, T[]> scratch)
    {
        var work = new Conv2dIm2Col<T>(x, xOff, w, wOff, y, 0, null, null, images, cOut, g, groups, forward: true, scratch);
        int plane = work._plane;
        if (bias is not null)
        {
            for (int i = 0; i < images; i++)
                for (int c = 0; c < cOut; c++) y.AsSpan((i * cOut + c) * plane, plane).Fill(bias[biasOff + c]);
        }
        else
        {
            y.AsSpan(0, images * cOut * plane).Clear();
        }
        work.Run();
    }

    /// <summary>gx += dX and gw += dW from the output gradient dy; either may be null (not needed). gx and gw are
    /// dense from index 0.</summary>
    public static void Backward(T[] x, int xOff, T[] w, int wOff, T[] dy, int dyOff, T[]? gx, T[]? gw, int images, int cOut,
        Conv2dGeometry g, int groups, Func<int, T[]> scratch) =>
        new Conv2dIm2Col<T>(x, xOff, w, wOff, dy, dyOff, gx, gw, images, cOut, g, groups, forward: false, scratch).Run();

    private void Run()
    {
        if (_images == 0) return;
        WorkerPool.Run(this, _chunks.Parts);
        if (_gw is null) return;
        // dW = Σ over chunks, in chunk order.
        int size = _cOut * _k;
        for (int c = 0; c < _chunks.Count; c++)
        {
            var partial = _gwChunks.AsSpan(c * size, size);
            AddOp.Apply<T>(_gw.AsSpan(0, size), partial, _gw.AsSpan(0, size));
        }
    }

    private static float[] Floats(T[] array) => (float[])(object)array;

    public void Run(int part, int parts)
    {
        int colsOff = part * _k * _plane;
        var (firstChunk, lastChunk) = _chunks.ChunksOf(part, parts);
        for (int chunk = firstChunk; chunk < lastChunk; chunk++)
        {
            var (first, last) = _chunks.ImagesOf(chunk);
            if (_gw is not null) _gwChunks.AsSpan(chunk * _cOut * _k, _cOut * _k).Clear();
            for (int i = first; i < last; i++)
                for (int gr = 0; gr < _groups; gr++)
                {
                    int xOff = _xOff + (i * _groups + gr) * _imageIn;       // this image's channels of group gr
                    int yOff = _yOff + (i * _cOut + gr * _cOutG) * _plane;    // its output channels of group gr
                    int wOff = _wOff + gr * _cOutG * _k;
                    if (_forward || _gw is not null)
                        Im2Col.Unfold<T>(_x.AsSpan(xOff, _imageIn), _g, _cols.AsSpan(colsOff, _k * _plane), _plane);
                    if (_forward)
                    {
                        // Y_i (cOutG, HW) += W_g (cOutG, K) · cols (K, HW), onto the bias already in y.
                        if (_w is float[] wf)
                            SmallGemm.MultiplyRowMajorB(
                                wf.AsSpan(wOff), _k, 1, Floats(_cols).AsSpan(colsOff), _plane, Floats(_y).AsSpan(yOff), _plane,
                                _cOutG, _k, _plane, accumulate: true);
                        else
                            Gemm.Multiply(_w, wOff, _k, 1, _cols, colsOff, _plane, 1, _y, yOff, _cOutG, _k, _plane, accumulate: true);
                        continue;
                    }
                    if (_gw is not null)
                    {
                        // dW_g (cOutG, K) += dY_i (cOutG, HW) · colsᵀ (HW, K)
                        int gwOff = chunk * _cOut * _k + gr * _cOutG * _k;
                        if (_y is float[] yf)
                            SmallGemm.MultiplyTransposedB(
                                yf.AsSpan(yOff), _plane, Floats(_cols).AsSpan(colsOff), _plane, Floats(_gwChunks).AsSpan(gwOff), _k,
                                _cOutG, _plane, _k, accumulate: true);
                        else
                            Gemm.Multiply(
                                _y, yOff, _plane, 1, _cols, colsOff, 1, _plane, _gwChunks, gwOff, _cOutG, _plane, _k, accumulate: true);
                    }
                    if (_gx is not null)
                    {
                        // dcols (K, HW) = W_gᵀ (K, cOutG) · dY_i (cOutG, HW), folded back into the image's gradient.
                        if (_w is float[] wf)
                            SmallGemm.MultiplyRowMajorB(
                                wf.AsSpan(wOff), 1, _k, Floats(_y).AsSpan(yOff), _plane, Floats(_dcols).AsSpan(colsOff), _plane,
                                _k, _cOutG, _plane, accumulate: false);
                        else
                            Gemm.Multiply(_w, wOff, 1, _k, _y, yOff, _plane, 1, _dcols, colsOff, _k, _cOutG, _plane);
                        Im2Col.FoldAdd<T>(
                            _dcols.AsSpan(colsOff, _k * _plane), _plane, 1, _g, _gx.AsSpan((i * _groups + gr) * _imageIn, _imageIn));
                    }
                }
        }
    }
}
