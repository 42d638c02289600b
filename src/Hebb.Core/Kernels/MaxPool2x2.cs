using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Hebb.Kernels;

/// <summary>
/// Max pooling with a 2x2 window and stride 2, no padding (LeNet's and most CNNs' pooling), over
/// float planes split among the worker threads. Each maximum's flat input index is kept for the
/// backward. The choice is the general loop's: the first maximum in row-major order, except that a
/// NaN wins (the last one), so NaN propagates. The two pairs of a window are compared first (left wins
/// ties), then the bottom pair's winner must be strictly greater than the top pair's (or NaN). The AVX2 path
/// does eight windows at once, without the branches that random data mispredicts half the time.
/// </summary>
internal sealed class MaxPool2x2 : IParallelWork
{
    [ThreadStatic] private static MaxPool2x2? _context;
    private float[] _x = [], _y = [];
    private int[] _argmax = [];
    private int _xOff, _planes, _height, _width;

    public static void Forward(float[] x, int xOff, int planes, int height, int width, float[] y, int[] argmax)
    {
        var work = _context ??= new MaxPool2x2();
        (work._x, work._xOff, work._planes, work._height, work._width, work._y, work._argmax) = (x, xOff, planes, height, width, y, argmax);
        WorkerPool.Run(work, Parts(planes, height * width));
        (work._x, work._y, work._argmax) = ([], [], []);
    }

    /// <summary>Threads only pay off over a few hundred planes of 28x28 (about 100,000 input values).</summary>
    private static int Parts(int planes, int inPlane) => Math.Min(ComputeSettings.Threads, Math.Max(1, planes * inPlane / 100_000));

    public void Run(int part, int parts)
    {
        int first = (int)((long)_planes * part / parts), last = (int)((long)_planes * (part + 1) / parts);
        int outH = _height / 2, outW = _width / 2, inPlane = _height * _width;
        for (int p = first; p < last; p++)
            for (int oh = 0; oh < outH; oh++)
            {
                int top = p * inPlane + 2 * oh * _width;          // index within the tensor (argmax is relative to it)
                int o = (p * outH + oh) * outW;
                int ow = Avx2.IsSupported ? Row8(top, o, outW) : 0;
                for (; ow < outW; ow++)
                {
                    int at = top + 2 * ow;
                    float a0 = _x[_xOff + at], a1 = _x[_xOff + at + 1], a2 = _x[_xOff + at + _width], a3 = _x[_xOff + at + _width + 1];
                    bool right = a1 > a0 || float.IsNaN(a1), rightBottom = a3 > a2 || float.IsNaN(a3);
                    int iTop = right ? at + 1 : at, iBottom = rightBottom ? at + _width + 1 : at + _width;
                    float mTop = right ? a1 : a0, mBottom = rightBottom ? a3 : a2;
                    bool bottom = mBottom > mTop || float.IsNaN(mBottom);
                    _y[o + ow] = bottom ? mBottom : mTop;
                    _argmax[o + ow] = bottom ? iBottom : iTop;
                }
            }
    }

    /// <summary>Eight windows per step; a last, short group (or a whole row narrower than eight windows,
    /// such as LeNet's 10x10 planes) is computed eight wide from reads that run into the next rows and
    /// only its valid windows are kept. Returns the first column left to the scalar loop: the short
    /// group of the tensor's last rows, whose reads would pass the end of the input.</summary>
    private int Row8(int top, int o, int outW)
    {
        int ow = 0;
        for (; ow + 8 <= outW; ow += 8)
        {
            var (y, argmax) = Windows8(top + 2 * ow);
            y.CopyTo(_y, o + ow);
            argmax.CopyTo(_argmax, o + ow);
        }
        if (ow < outW && _xOff + top + 2 * ow + _width + 16 <= _x.Length)
        {
            var (y, argmax) = Windows8(top + 2 * ow);
            for (int k = 0; ow < outW; ow++, k++)
            {
                _y[o + ow] = y.GetElement(k);
                _argmax[o + ow] = argmax.GetElement(k);
            }
        }
        return ow;
    }

    /// <summary>The eight windows whose top-left inputs are at, at+2, ..., at+14 (relative to the tensor).</summary>
    private (Vector256<float> Max, Vector256<int> ArgMax) Windows8(int at)
    {
        ref float x = ref _x[0];
        // Even and odd columns of each row: shufps picks them within 128-bit lanes, vpermpd restores the order.
        var (t0, t1) = (Vector256.LoadUnsafe(ref x, (nuint)(_xOff + at)), Vector256.LoadUnsafe(ref x, (nuint)(_xOff + at + 8)));
        var (b0, b1) = (Vector256.LoadUnsafe(ref x, (nuint)(_xOff + at + _width)),
            Vector256.LoadUnsafe(ref x, (nuint)(_xOff + at + _width + 8)));
        var topL = Even(t0, t1); var topR = Odd(t0, t1);
        var botL = Even(b0, b1); var botR = Odd(b0, b1);
        var baseIndex = Vector256.Create(at) + Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        var rightTop = Vector256.GreaterThan(topR, topL) | ~Vector256.Equals(topR, topR);
        var mTop = Vector256.ConditionalSelect(rightTop, topR, topL);
        var iTop = baseIndex - rightTop.AsInt32();                 // true lanes are -1: index + 1
        var rightBot = Vector256.GreaterThan(botR, botL) | ~Vector256.Equals(botR, botR);
        var mBot = Vector256.ConditionalSelect(rightBot, botR, botL);
        var iBot = baseIndex + Vector256.Create(_width) - rightBot.AsInt32();
        var bottom = Vector256.GreaterThan(mBot, mTop) | ~Vector256.Equals(mBot, mBot);
        return (Vector256.ConditionalSelect(bottom, mBot, mTop), Vector256.ConditionalSelect(bottom.AsInt32(), iBot, iTop));
    }

    /// <summary>Max pooling's backward (any window): gx = 0, then gx[argmax[o]] += gy[o], with planes split among the
    /// threads as in the forward. A window never leaves its plane, so each thread writes only its own planes.</summary>
    public static void Backward(float[] gy, int gyOff, int[] argmax, int planes, int inPlane, int outPlane, float[] gx)
    {
        var work = _backward ??= new Scatter();
        (work.Gy, work.GyOff, work.Argmax, work.Planes, work.InPlane, work.OutPlane, work.Gx) =
            (gy, gyOff, argmax, planes, inPlane, outPlane, gx);
        WorkerPool.Run(work, Parts(planes, inPlane));
        (work.Gy, work.Argmax, work.Gx) = ([], [], []);
    }

    [ThreadStatic] private static Scatter? _backward;

    private sealed class Scatter : IParallelWork
    {
        public float[] Gy = [], Gx = [];
        public int[] Argmax = [];
        public int GyOff, Planes, InPlane, OutPlane;

        public void Run(int part, int parts)
        {
            int first = (int)((long)Planes * part / parts), last = (int)((long)Planes * (part + 1) / parts);
            Gx.AsSpan(first * InPlane, (last - first) * InPlane).Clear();
            for (int o = first * OutPlane; o < last * OutPlane; o++) Gx[Argmax[o]] += Gy[GyOff + o];
        }
    }

    private static Vector256<float> Even(Vector256<float> a, Vector256<float> b) =>
        Avx2.Permute4x64(Avx.Shuffle(a, b, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();

    private static Vector256<float> Odd(Vector256<float> a, Vector256<float> b) =>
        Avx2.Permute4x64(Avx.Shuffle(a, b, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
}
