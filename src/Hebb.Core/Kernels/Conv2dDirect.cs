using System.Numerics.Tensors;

namespace Hebb.Kernels;

/// <summary>
/// Conv2d's float32 forward and backward for the common case (stride 1, dilation 1, one group), on the
/// implicit-GEMM kernels of <see cref="DirectConv"/>: no im2col columns are written or folded back.
/// - forward: pad each image into the flat layout, Y = W ⊛ x, keep the OW valid columns of each row;
/// - weight gradient: dW = Σ_n dY_n ⊛ x_n, per chunk of images, the chunks' sums added in order;
/// - input gradient: for stride 1, dX is itself a stride-1 convolution of dY zero-padded by K-1-P with
///   the kernel flipped and C_in/C_out swapped, so it runs on the forward kernel.
/// Images are split into at most <see cref="ImageChunks.MaxChunks"/> chunks whatever the thread count, so results
/// are bitwise the same on any number of threads. Work buffers come from the caller's <c>scratch</c> (the op hands
/// in its step's pool; kernels never see it). The op itself (checks, tensors, autograd) is Ops/Conv2dOp.cs:
/// Conv2dOp.Forward and Conv2dBackward choose this path or <see cref="Conv2dIm2Col{T}"/>.
/// </summary>
internal sealed unsafe class Conv2dDirect : IParallelWork
{
    /// <summary>Whether this path computes the convolution of float32 tensors (else im2col does). The input
    /// gradient needs P ≤ K-1.</summary>
    public static bool Applies(in Conv2dGeometry g, int groups, bool inputGrad) =>
        groups == 1 && g.StrideH == 1 && g.StrideW == 1 && g.DilationH == 1 && g.DilationW == 1
        && (!inputGrad || g.PadH <= g.KernelH - 1 && g.PadW <= g.KernelW - 1);

    private readonly SimdPath _path;
    private readonly Conv2dGeometry _g;
    private readonly float[] _x, _w, _y;      // y: the output (forward) or its gradient (backward)
    private readonly float[]? _bias, _gx, _gw;
    private readonly int _xOff, _wOff, _yOff, _biasOff;
    private readonly int _images, _cIn, _cOut, _k, _outH, _outW, _hp, _wp, _imageLen, _ldy, _qWeight;
    private readonly ImageChunks _chunks;
    private readonly int[] _offsets;                 // tap (c, i, j) -> c·Hp·Wp + i·Wp + j
    private readonly float[] _wPack = [];            // W in row blocks, tap-major (forward)
    private readonly (int Start, int Rows)[] _blocks = [];
    // Input gradient: dY padded by K-1-P to (Hq, Wq), the flipped, transposed kernel, its taps and row blocks.
    private readonly int _hq, _wq, _gradLen, _ldx;
    private readonly int[] _gradOffsets = [];
    private readonly float[] _wtPack = [];
    private readonly (int Start, int Rows)[] _gradBlocks = [];
    private readonly float[] _scratch;
    private readonly float[] _chunkSums = [];        // each chunk's weight gradient, summed in chunk order at the end
    private readonly int _scratchPerPart;
    private readonly bool _forward;

    /// <summary>Sets up one forward (<c>forward</c> true) or backward call over <c>images</c> images of geometry g
    /// with <c>cOut</c> output channels. x, w, y and bias start at xOff, wOff, yOff and biasOff; y is the output
    /// (forward) or its gradient (backward). gx, the input gradient, is written and gw, the weight gradient, is added
    /// into (backward, either may be null); both are dense from index 0. Work buffers are taken from scratch here,
    /// on the calling thread.</summary>
    private Conv2dDirect(float[] x, int xOff, float[] w, int wOff, float[] y, int yOff, float[]? bias, int biasOff,
        float[]? gx, float[]? gw, int images, int cOut, Conv2dGeometry g, bool forward, Func<int, float[]> scratch)
    {
        _path = ComputeSettings.SimdPath; // read on the calling thread
        (_g, _forward) = (g, forward);
        (_x, _xOff, _w, _wOff, _y, _yOff) = (x, xOff, w, wOff, y, yOff);
        (_gx, _gw) = (gx, gw);
        if (bias is not null) (_bias, _biasOff) = (bias, biasOff);
        (_images, _cIn, _cOut) = (images, g.Channels, cOut);
        (_outH, _outW) = (g.OutH, g.OutW);
        _k = _cIn * g.KernelH * g.KernelW;
        (_hp, _wp) = (g.Height + 2 * g.PadH, g.Width + 2 * g.PadW);
        _imageLen = _cIn * _hp * _wp + DirectConv.Slack(g.KernelW);
        int block = DirectConv.ColumnBlock(_path);
        _ldy = RoundUp(_outH * _wp, block);
        _qWeight = RoundUp(_outH * _wp, DirectConv.Width(_path));
        _offsets = Taps(_cIn, g.KernelH, g.KernelW, _hp, _wp);

        _chunks = ImageChunks.For(_images, 2L * _images * _cOut * _k * _outH * _outW);

        if (forward)
        {
            _blocks = Blocks(_cOut, DirectConv.MaxRows(_path));
            _wPack = scratch(_cOut * _k);
            foreach (var (start, size) in _blocks)
                for (int p = 0; p < _k; p++)
                    for (int r = 0; r < size; r++) _wPack[start * _k + p * size + r] = _w[_wOff + (start + r) * _k + p];
            _scratchPerPart = _imageLen + _cOut * _ldy;
        }
        else
        {
            if (gw is not null)
            {
                _scratchPerPart += _chunks.Size * (_imageLen + _cOut * _ldy);
                _chunkSums = scratch(_chunks.Count * _cOut * _k);
            }
            if (gx is not null)
            {
                (int kh, int kw) = (g.KernelH, g.KernelW);
                (_hq, _wq) = (g.Height + kh - 1, g.Width + kw - 1);
                _gradLen = _cOut * _hq * _wq + DirectConv.Slack(kw);
                _ldx = RoundUp(g.Height * _wq, block);
                _gradOffsets = Taps(_cOut, kh, kw, _hq, _wq);
                // Wt[c, (co, i, j)] = W[co, c, kh-1-i, kw-1-j], packed like the forward's W
                int taps = kh * kw, k = _cOut * taps;
                _gradBlocks = Blocks(_cIn, DirectConv.MaxRows(_path));
                _wtPack = scratch(_cIn * k);
                foreach (var (start, size) in _gradBlocks)
                    for (int p = 0; p < k; p++)
                        for (int r = 0; r < size; r++)
                            _wtPack[start * k + p * size + r] = _w[_wOff + ((p / taps) * _cIn + start + r) * taps + taps - 1 - p % taps];
                _scratchPerPart += _gradLen + _cIn * _ldx;
            }
        }
        // Taken here, on the calling thread, so they come from its step's pool.
        _scratch = scratch(_chunks.Parts * _scratchPerPart);
    }

    /// <summary>y = W ⊛ x + bias for images (N, C_in, H, W) and W (C_out, C_in, kh, kw); every element of y is written.</summary>
    public static void Forward(float[] x, int xOff, float[] w, int wOff, float[]? bias, int biasOff, float[] y, int yOff,
        int images, int cOut, in Conv2dGeometry g, Func<int, float[]> scratch) =>
        Run(new Conv2dDirect(x, xOff, w, wOff, y, yOff, bias, biasOff, null, null, images, cOut, g, forward: true, scratch));

    /// <summary>gx = dX and gw += dW from the output gradient dy; either may be null (not needed).</summary>
    public static void Backward(float[] x, int xOff, float[] w, int wOff, float[] dy, int dyOff, float[]? gx, float[]? gw,
        int images, int cOut, in Conv2dGeometry g, Func<int, float[]> scratch) =>
        Run(new Conv2dDirect(x, xOff, w, wOff, dy, dyOff, null, 0, gx, gw, images, cOut, g, forward: false, scratch));

    private static void Run(Conv2dDirect work)
    {
        if (work._images == 0) return;
        WorkerPool.Run(work, work._chunks.Parts);
        if (work._gw is null) return;
        // dW = Σ over chunks, in chunk order; chunk c's sum sits in the scratch of part c % parts.
        int size = work._cOut * work._k;
        var gw = work._gw.AsSpan(0, size);
        for (int c = 0; c < work._chunks.Count; c++) TensorPrimitives.Add(gw, work._chunkSums.AsSpan(c * size, size), gw);
    }

    public void Run(int part, int parts)
    {
        fixed (float* scratch = _scratch, x = _x, y = _y, wPack = _wPack, wtPack = _wtPack, sums = _chunkSums)
        fixed (int* offsets = _offsets, gradOffsets = _gradOffsets)
        {
            float* mine = scratch + (long)part * _scratchPerPart;
            var (firstChunk, lastChunk) = _chunks.ChunksOf(part, parts);
            for (int chunk = firstChunk; chunk < lastChunk; chunk++)
            {
                var (first, last) = _chunks.ImagesOf(chunk);
                if (_forward)
                {
                    for (int i = first; i < last; i++) ForwardImage(i, x, y, wPack, offsets, mine, mine + _imageLen);
                    continue;
                }
                float* next = mine;
                if (_gw is not null)
                {
                    WeightGradChunk(first, last, x, y, offsets, next, sums + (long)chunk * _cOut * _k);
                    next += _chunks.Size * (_imageLen + _cOut * _ldy);
                }
                if (_gx is not null)
                    for (int i = first; i < last; i++) InputGradImage(i, y, wtPack, gradOffsets, next, next + _gradLen);
            }
        }
    }

    private void ForwardImage(int i, float* x, float* y, float* wPack, int* offsets, float* xp, float* yTmp)
    {
        var g = _g;
        Pad(x + _xOff + (long)i * _cIn * g.Height * g.Width, _cIn, g.Height, g.Width, g.PadH, g.PadW, xp, _hp, _wp, _imageLen);
        foreach (var (start, rows) in _blocks)
            DirectConv.Forward(_path, rows, wPack + start * _k, offsets, _k, xp, yTmp + (long)start * _ldy, _ldy, _ldy);
        // Keep the OW valid columns of each row, on top of the bias.
        int plane = _outH * _outW;
        for (int co = 0; co < _cOut; co++)
        {
            float* dst = y + _yOff + ((long)i * _cOut + co) * plane;
            float* src = yTmp + (long)co * _ldy;
            float b = _bias is null ? 0f : _bias[_biasOff + co];
            for (int oh = 0; oh < _outH; oh++)
                TensorPrimitives.Add(new ReadOnlySpan<float>(src + oh * _wp, _outW), b, new Span<float>(dst + oh * _outW, _outW));
        }
    }

    private void WeightGradChunk(int first, int last, float* x, float* dy, int* offsets, float* buffers, float* sums)
    {
        var g = _g;
        int count = last - first, plane = _outH * _outW;
        float** xs = stackalloc float*[count];
        float** gs = stackalloc float*[count];
        for (int n = 0; n < count; n++)
        {
            int i = first + n;
            xs[n] = buffers + (long)n * (_imageLen + _cOut * _ldy);
            gs[n] = xs[n] + _imageLen;
            Pad(x + _xOff + (long)i * _cIn * g.Height * g.Width, _cIn, g.Height, g.Width, g.PadH, g.PadW, xs[n], _hp, _wp, _imageLen);
            // dY in the flat layout (row stride Wp), zeros in the thrown-away columns.
            new Span<float>(gs[n], _cOut * _ldy).Clear();
            for (int co = 0; co < _cOut; co++)
                for (int oh = 0; oh < _outH; oh++)
                    new ReadOnlySpan<float>(dy + _yOff + ((long)i * _cOut + co) * plane + oh * _outW, _outW)
                        .CopyTo(new Span<float>(gs[n] + co * _ldy + oh * _wp, _outW));
        }
        new Span<float>(sums, _cOut * _k).Clear();
        DirectConv.WeightGrad(_path, gs, xs, count, _cOut, _ldy, offsets, _k, _qWeight, sums, _k);
    }

    private void InputGradImage(int i, float* dy, float* wtPack, int* gradOffsets, float* dyp, float* gTmp)
    {
        var g = _g;
        int plane = g.Height * g.Width;
        Pad(dy + _yOff + (long)i * _cOut * _outH * _outW, _cOut, _outH, _outW,
            g.KernelH - 1 - g.PadH, g.KernelW - 1 - g.PadW, dyp, _hq, _wq, _gradLen);
        int k = _cOut * g.KernelH * g.KernelW;
        foreach (var (start, rows) in _gradBlocks)
            DirectConv.Forward(_path, rows, wtPack + start * k, gradOffsets, k, dyp, gTmp + (long)start * _ldx, _ldx, _ldx);
        var gx = _gx!;
        for (int c = 0; c < _cIn; c++)
            for (int h = 0; h < g.Height; h++)
                new ReadOnlySpan<float>(gTmp + (long)c * _ldx + h * _wq, g.Width)
                    .CopyTo(gx.AsSpan((i * _cIn + c) * plane + h * g.Width, g.Width));
    }

    /// <summary>image (C, H, W) into dst (C, Hp, Wp) at (top, left), zeros around and in the slack after it.</summary>
    private static void Pad(float* src, int channels, int h, int w, int top, int left, float* dst, int hp, int wp, int length)
    {
        new Span<float>(dst, length).Clear();
        for (int c = 0; c < channels; c++)
            for (int r = 0; r < h; r++)
                new ReadOnlySpan<float>(src + ((long)c * h + r) * w, w)
                    .CopyTo(new Span<float>(dst + ((long)c * hp + r + top) * wp + left, w));
    }

    // Tap offsets and row blocks depend only on the shapes: made once per shape (per thread), not per call.
    [ThreadStatic] private static Dictionary<(int, int, int, int, int), int[]>? _tapCache;
    [ThreadStatic] private static Dictionary<(int, int), (int Start, int Rows)[]>? _blockCache;

    private static int[] Taps(int channels, int kh, int kw, int hp, int wp)
    {
        var key = (channels, kh, kw, hp, wp);
        if ((_tapCache ??= []).TryGetValue(key, out var taps)) return taps;
        taps = new int[channels * kh * kw];
        int t = 0;
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++) taps[t++] = (c * hp + i) * wp + j;
        if (_tapCache.Count >= 64) _tapCache.Clear();
        return _tapCache[key] = taps;
    }

    /// <summary>Rows split into near-equal blocks of at most max rows; a block is packed tap-major: pack[start·k + p·rows + r].</summary>
    private static (int Start, int Rows)[] Blocks(int rows, int max)
    {
        if ((_blockCache ??= []).TryGetValue((rows, max), out var blocks)) return blocks;
        int count = (rows + max - 1) / max;
        blocks = new (int, int)[count];
        for (int b = 0, start = 0; b < count; b++)
        {
            int size = rows / count + (b < rows % count ? 1 : 0);
            blocks[b] = (start, size);
            start += size;
        }
        if (_blockCache.Count >= 64) _blockCache.Clear();
        return _blockCache[(rows, max)] = blocks;
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
