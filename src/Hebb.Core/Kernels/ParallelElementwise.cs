using System.Numerics;

namespace Hebb.Kernels;

/// <summary>
/// Large dense element-wise ops split into consecutive ranges, one per thread. Besides using both
/// cores, the split matters for locality: the convolution and pooling kernels also give thread i the
/// i-th consecutive share of the batch, so an activation written by one core is read back by the same
/// core. (Measured on LeNet's step: reading the other core's half costs more than the op itself.)
/// Element-wise results do not depend on the split.
/// </summary>
internal static class ParallelElementwise
{
    /// <summary>Below this many elements one thread is faster than handing out the work.</summary>
    public const int MinElements = 1 << 16;

    public static int Parts(int n) => n < MinElements ? 1 : Math.Min(ComputeSettings.Threads, n / (MinElements / 2));

    /// <summary>Part i's range of n elements, on 64-element boundaries so no vector straddles two parts.</summary>
    public static (int Start, int Length) Range(int n, int part, int parts)
    {
        int chunks = (n + 63) / 64;
        int start = Math.Min(n, (int)((long)chunks * part / parts) * 64), end = Math.Min(n, (int)((long)chunks * (part + 1) / parts) * 64);
        return (start, end - start);
    }

    public static void Unary<TOp, T>(T[] x, int xOff, T[] d, int n) where TOp : IUnaryOp where T : unmanaged, IFloatingPointIeee754<T>
    {
        int parts = Parts(n);
        if (parts == 1)
        {
            TOp.Apply<T>(x.AsSpan(xOff, n), d.AsSpan(0, n));
            return;
        }
        var work = UnaryWork<TOp, T>.Instance ??= new UnaryWork<TOp, T>();
        (work.X, work.XOff, work.D, work.N) = (x, xOff, d, n);
        WorkerPool.Run(work, parts);
        (work.X, work.D) = ([], []);
    }

    public static void Binary<TOp, T>(T[] x, int xOff, T[] y, int yOff, T[] d, int n)
        where TOp : IBinaryOp where T : unmanaged, IFloatingPointIeee754<T>
    {
        int parts = Parts(n);
        if (parts == 1)
        {
            TOp.Apply<T>(x.AsSpan(xOff, n), y.AsSpan(yOff, n), d.AsSpan(0, n));
            return;
        }
        var work = BinaryWork<TOp, T>.Instance ??= new BinaryWork<TOp, T>();
        (work.X, work.XOff, work.Y, work.YOff, work.D, work.N) = (x, xOff, y, yOff, d, n);
        WorkerPool.Run(work, parts);
        (work.X, work.Y, work.D) = ([], [], []);
    }

    private sealed class UnaryWork<TOp, T> : IParallelWork where TOp : IUnaryOp where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic] public static UnaryWork<TOp, T>? Instance;
        public T[] X = [], D = [];
        public int XOff, N;

        public void Run(int part, int parts)
        {
            var (start, length) = Range(N, part, parts);
            TOp.Apply<T>(X.AsSpan(XOff + start, length), D.AsSpan(start, length));
        }
    }

    private sealed class BinaryWork<TOp, T> : IParallelWork where TOp : IBinaryOp where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic] public static BinaryWork<TOp, T>? Instance;
        public T[] X = [], Y = [], D = [];
        public int XOff, YOff, N;

        public void Run(int part, int parts)
        {
            var (start, length) = Range(N, part, parts);
            TOp.Apply<T>(X.AsSpan(XOff + start, length), Y.AsSpan(YOff + start, length), D.AsSpan(start, length));
        }
    }
}
