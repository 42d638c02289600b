using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Hebb.Kernels;

/// <summary>
/// Single-precision GEMM, C = A·B, in the BLIS style: B is packed in kc x nc blocks of NR-wide column
/// panels, A in mc x kc blocks of MR-high row panels, and a register-tiled micro-kernel
/// (<see cref="SgemmMicroKernels"/>) runs over the tiles. Threads split C into a grid of tile-aligned
/// blocks, each packing its own A rows and B columns (no sharing, no barrier: one wake-up per call);
/// every element of C is computed by one thread with the same order of operations whatever the
/// thread count, so results are bitwise identical for 1 or N threads.
/// </summary>
internal sealed unsafe class Sgemm : IParallelWork
{
    private const int Kc = 256, Mc = 96, Nc = 2048; // A block (96 KB) stays in L2; a B panel row of kc in L1
    private const long ParallelFlops = 1 << 21;      // per kc block: below ~2 MFLOP one thread beats waking another
    private const int MaxTile = 12 * 32;              // largest MR x NR of any micro-kernel

    [ThreadStatic] private static Sgemm? _context;   // one reusable context per calling thread
    [ThreadStatic] private static float* _packA;      // one A block buffer per thread
    [ThreadStatic] private static float* _packB;      // one B block buffer per thread

    private float* _a, _b, _c;
    private long _bRs, _bCs;
    private int _aRs, _aCs, _m, _k, _n, _ldc, _mr, _nr;
    private int _rowParts, _rowsPerPart, _colsPerPart; // the grid of parts: _rowParts row ranges x (parts / _rowParts) column ranges
    private bool _accumulateC; // C += A·B: the first kc block adds to C instead of overwriting it
    private delegate*<int, float*, int, float*, float*, int, bool, void> _kernel;
    private bool _inPlaceA, _rowsKernel; // read A without packing: column-major panels / row-major rows (single B panel only)

    /// <summary>C (m, n) = A (m, k) · B (k, n) in float32, each matrix starting at its offset in its array.</summary>
    /// <param name="a">the array holding A</param><param name="aOff">where A starts in <paramref name="a"/></param>
    /// <param name="aRs">A's row stride</param><param name="aCs">A's column stride</param>
    /// <param name="b">the array holding B</param><param name="bOff">where B starts in <paramref name="b"/></param>
    /// <param name="bRs">B's row stride</param><param name="bCs">B's column stride</param>
    /// <param name="c">the array receiving C</param><param name="cOff">where C starts in <paramref name="c"/></param>
    /// <param name="m">rows of A and C</param><param name="k">columns of A, rows of B</param>
    /// <param name="n">columns of B and C</param>
    /// <param name="accumulate">C += A·B instead of C = A·B</param>
    /// <param name="ldc">C's row stride (at least n)</param>
    public static void Multiply(float[] a, int aOff, int aRs, int aCs, float[] b, int bOff, int bRs, int bCs,
        float[] c, int cOff, int m, int k, int n, bool accumulate, int ldc)
    {
        fixed (float* pa = a, pb = b, pc = c)
            (_context ??= new Sgemm()).Run(pa + aOff, aRs, aCs, pb + bOff, bRs, bCs, pc + cOff, m, k, n, accumulate, ldc);
    }

    private void Run(float* a, int aRs, int aCs, float* b, int bRs, int bCs, float* c, int m, int k, int n, bool accumulate, int ldc)
    {
        _accumulateC = accumulate;
        _a = a; _b = b; _c = c;
        (_bRs, _bCs) = (bRs, bCs);
        (_aRs, _aCs, _m, _k, _n, _ldc) = (aRs, aCs, m, k, n, ldc);
        var path = ComputeSettings.SimdPath; // read on the calling thread, once per product
        switch (path)
        {
            case SimdPath.Avx512 when n <= SgemmMicroKernels.Avx512NarrowNr:
                (_mr, _nr) = (SgemmMicroKernels.Avx512NarrowMr, SgemmMicroKernels.Avx512NarrowNr);
                _kernel = &SgemmMicroKernels.Avx512Narrow; break;
            case SimdPath.Avx512:
                (_mr, _nr) = (SgemmMicroKernels.Avx512Mr, SgemmMicroKernels.Avx512Nr); _kernel = &SgemmMicroKernels.Avx512; break;
            case SimdPath.Avx2: (_mr, _nr) = (SgemmMicroKernels.Avx2Mr, SgemmMicroKernels.Avx2Nr); _kernel = &SgemmMicroKernels.Avx2; break;
            default:
                (_mr, _nr) = (SgemmMicroKernels.PortableMr, SgemmMicroKernels.PortableNr); _kernel = &SgemmMicroKernels.Portable; break;
        }

        // When B is one panel wide, each A value is used once: packing A would cost as much as the product.
        bool singlePanel = n <= _nr;
        _inPlaceA = singlePanel && aRs == 1;
        _rowsKernel = singlePanel && aCs == 1 && path == SimdPath.Avx512 && _nr == SgemmMicroKernels.Avx512NarrowNr;

        int threads = 1;
        // Below ~2 MFLOP per kc block, one thread beats waking another. Inside another parallel region
        // a parallel call would run its parts one after another anyway: one part then.
        if (2L * m * n * Math.Min(k, Kc) >= ParallelFlops && !WorkerPool.InParallelRegion)
            threads = ComputeSettings.Threads;
        int rowPanels = (m + _mr - 1) / _mr, colPanels = (n + _nr - 1) / _nr;
        var (rowParts, colParts) = ChooseGrid(threads, rowPanels, colPanels, m, n);
        _rowsPerPart = (rowPanels + rowParts - 1) / rowParts * _mr;
        _colsPerPart = (colPanels + colParts - 1) / colParts * _nr;
        _rowParts = (m + _rowsPerPart - 1) / _rowsPerPart;
        colParts = (n + _colsPerPart - 1) / _colsPerPart;
        WorkerPool.Run(this, _rowParts * colParts);
    }

    /// <summary>Splits C among the threads into a rowParts x colParts grid of blocks whose edges fall on
    /// tile boundaries. Each thread packs the A rows and B columns of its own block, so the split that
    /// packs least per thread (m/rowParts + n/colParts) wins; ties go to splitting rows.</summary>
    private static (int RowParts, int ColParts) ChooseGrid(int threads, int rowPanels, int colPanels, int m, int n)
    {
        for (; threads > 1; threads--)
        {
            int bestRows = 0;
            double bestCost = double.MaxValue;
            for (int rows = threads; rows >= 1; rows--)
            {
                int cols = threads / rows;
                if (rows * cols != threads || rows > rowPanels || cols > colPanels) continue;
                double cost = (double)m / rows + (double)n / cols;
                if (cost < bestCost) (bestCost, bestRows) = (cost, rows);
            }
            if (bestRows > 0) return (bestRows, threads / bestRows);
        }
        return (1, 1);
    }

    /// <summary>One thread's block of C: rows [rowStart, rowEnd) x columns [colStart, colEnd), with its own
    /// packed copies of the A rows and B columns it needs. The arithmetic of each tile of C does not depend
    /// on the grid, so results are bitwise identical for any thread count.</summary>
    public void Run(int part, int parts)
    {
        if (_packA == null) _packA = (float*)NativeMemory.AlignedAlloc((nuint)(Mc * Kc * sizeof(float)), 64);
        if (_packB == null) _packB = (float*)NativeMemory.AlignedAlloc((nuint)(Kc * (Nc + 32) * sizeof(float)), 64);
        float* tile = stackalloc float[MaxTile];
        int colStart = part / _rowParts * _colsPerPart, colEnd = Math.Min(_n, colStart + _colsPerPart);
        int rowStart = part % _rowParts * _rowsPerPart, rowEnd = Math.Min(_m, rowStart + _rowsPerPart);
        for (int jc = colStart; jc < colEnd; jc += Nc)
        {
            int nc = Math.Min(Nc, colEnd - jc);
            for (int pc = 0; pc < _k; pc += Kc)
            {
                int kc = Math.Min(Kc, _k - pc);
                PackB(_packB, pc, kc, jc, nc);
                Compute(rowStart, rowEnd, _packB, pc, kc, jc, nc, tile);
            }
        }
    }

    /// <summary>Rows [rowStart, rowEnd) of C for one (jc, pc) block, B packed in packB.</summary>
    private void Compute(int rowStart, int rowEnd, float* packB, int pc, int kc, int jc, int nc, float* tile)
    {
        int mr = _mr, nr = _nr, ldc = _ldc;
        bool accumulate = pc > 0 || _accumulateC;
        for (int ic = rowStart; ic < rowEnd; ic += Mc)
        {
            int mc = Math.Min(Mc, rowEnd - ic);
            if (_inPlaceA || _rowsKernel)
            {
                InPlaceA(ic, mc, packB, pc, kc, jc, nc, tile);
                continue;
            }
            PackA(ic, mc, pc, kc);
            for (int jr = 0; jr < nc; jr += nr)
            {
                int cols = Math.Min(nr, nc - jr);
                float* bPanel = packB + jr * kc;
                for (int ir = 0; ir < mc; ir += mr)
                {
                    int rows = Math.Min(mr, mc - ir);
                    float* aPanel = _packA + ir * kc;
                    float* cTile = _c + (long)(ic + ir) * ldc + jc + jr;
                    if (rows == mr && cols == nr)
                    {
                        _kernel(kc, aPanel, mr, bPanel, cTile, ldc, accumulate);
                        continue;
                    }
                    // Edge tile: compute the full tile aside, keep the valid part (same arithmetic as above).
                    _kernel(kc, aPanel, mr, bPanel, tile, nr, false);
                    StoreEdge(tile, cTile, rows, cols, accumulate);
                }
            }
        }
    }

    private void StoreEdge(float* tile, float* cTile, int rows, int cols, bool accumulate)
    {
        int nr = _nr, ldc = _ldc;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
                cTile[(long)r * ldc + j] = accumulate ? cTile[(long)r * ldc + j] + tile[r * nr + j] : tile[r * nr + j];
    }

    /// <summary>Rows [ic, ic+mc) against the single B panel, reading A where it lies. Full panels go
    /// straight to the kernel; the last short one is packed (zero-padded) so no read passes A's end.
    /// Each element sees the same operations as on the packed path.</summary>
    private void InPlaceA(int ic, int mc, float* packB, int pc, int kc, int jc, int nc, float* tile)
    {
        int mr = _rowsKernel ? SgemmMicroKernels.Avx512RowsMr : _mr, nr = _nr, ldc = _ldc;
        bool accumulate = pc > 0 || _accumulateC;
        bool full = nc == nr;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* a = _a + (long)(ic + ir) * _aRs + (long)pc * _aCs;
            float* cTile = _c + (long)(ic + ir) * ldc + jc;
            if (rows == mr)
            {
                float* dst = full ? cTile : tile;
                int ld = full ? ldc : nr;
                bool acc = full && accumulate;
                if (_rowsKernel) SgemmMicroKernels.Avx512Rows(kc, a, _aRs, packB, dst, ld, acc);
                else _kernel(kc, a, _aCs, packB, dst, ld, acc);
                if (!full) StoreEdge(tile, cTile, rows, nc, accumulate);
                continue;
            }
            // The short last panel: pack it with zero rows and use the packed kernel.
            PackA(ic + ir, rows, pc, kc);
            _kernel(kc, _packA, _mr, packB, tile, nr, false);
            StoreEdge(tile, cTile, rows, nc, accumulate);
        }
    }

    /// <summary>Copies a few floats with vector moves (Buffer.MemoryCopy's call costs more than the copy at these sizes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopySmall(float* src, float* dst, int count)
    {
        int i = 0;
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
            for (; i + 16 <= count; i += 16)
                System.Runtime.Intrinsics.Vector512.Store(System.Runtime.Intrinsics.Vector512.Load(src + i), dst + i);
        for (; i + 8 <= count; i += 8)
            System.Runtime.Intrinsics.Vector256.Store(System.Runtime.Intrinsics.Vector256.Load(src + i), dst + i);
        for (; i + 4 <= count; i += 4)
            System.Runtime.Intrinsics.Vector128.Store(System.Runtime.Intrinsics.Vector128.Load(src + i), dst + i);
        for (; i < count; i++) dst[i] = src[i];
    }

    /// <summary>A[ic..ic+mc, pc..pc+kc] into MR-high panels, each stored p-major: panel[p*MR + r]; short panels zero-padded.</summary>
    private void PackA(int ic, int mc, int pc, int kc)
    {
        int mr = _mr;
        long aRs = _aRs, aCs = _aCs;
        for (int ir = 0; ir < mc; ir += mr)
        {
            float* dst = _packA + ir * kc;
            int rows = Math.Min(mr, mc - ir);
            float* src = _a + (ic + ir) * aRs + pc * aCs;
            if (aRs == 1 && rows == mr)
            {
                // Column-major A (a transposed view): each step of p is mr contiguous floats.
                for (int p = 0; p < kc; p++) CopySmall(src + p * aCs, dst + p * mr, mr);
                continue;
            }
            if (aCs == 1)
            {
                PackLanes(src, aRs, rows, mr, kc, dst);
                continue;
            }
            for (int r = 0; r < mr; r++)
            {
                if (r >= rows)
                {
                    for (int p = 0; p < kc; p++) dst[p * mr + r] = 0;
                    continue;
                }
                float* row = src + r * aRs;
                for (int p = 0; p < kc; p++) dst[p * mr + r] = row[p * aCs];
            }
        }
    }

    /// <summary>dst[p*width + l] = src[l*laneStride + p] for p &lt; kc and l &lt; lanes (zeros for lanes ≤ l &lt; width):
    /// a panel whose lanes are contiguous in p (row-major A's rows, or a transposed B's columns) turned p-major,
    /// four lanes by four p at a time with in-register 4x4 transposes instead of one strided scalar per element.</summary>
    private static void PackLanes(float* src, long laneStride, int lanes, int width, int kc, float* dst)
    {
        int l = 0;
        if (Sse.IsSupported)
        {
            for (; l + 4 <= lanes; l += 4)
            {
                float* s0 = src + l * laneStride, s1 = s0 + laneStride, s2 = s1 + laneStride, s3 = s2 + laneStride;
                float* d = dst + l;
                int p = 0;
                for (; p + 4 <= kc; p += 4, d += 4 * width)
                {
                    var r0 = Sse.LoadVector128(s0 + p);
                    var r1 = Sse.LoadVector128(s1 + p);
                    var r2 = Sse.LoadVector128(s2 + p);
                    var r3 = Sse.LoadVector128(s3 + p);
                    var t0 = Sse.UnpackLow(r0, r1);  // r0[0] r1[0] r0[1] r1[1]
                    var t1 = Sse.UnpackLow(r2, r3);  // r2[0] r3[0] r2[1] r3[1]
                    var t2 = Sse.UnpackHigh(r0, r1); // r0[2] r1[2] r0[3] r1[3]
                    var t3 = Sse.UnpackHigh(r2, r3); // r2[2] r3[2] r2[3] r3[3]
                    Sse.Store(d, Sse.MoveLowToHigh(t0, t1));
                    Sse.Store(d + width, Sse.MoveHighToLow(t1, t0));
                    Sse.Store(d + 2 * width, Sse.MoveLowToHigh(t2, t3));
                    Sse.Store(d + 3 * width, Sse.MoveHighToLow(t3, t2));
                }
                for (; p < kc; p++, d += width)
                {
                    d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p];
                }
            }
        }
        for (; l < width; l++)
        {
            float* d = dst + l;
            if (l >= lanes)
            {
                for (int p = 0; p < kc; p++) d[p * width] = 0;
                continue;
            }
            float* lane = src + l * laneStride;
            for (int p = 0; p < kc; p++) d[p * width] = lane[p];
        }
    }

    /// <summary>B[pc..pc+kc, jc..jc+nc] into NR-wide panels, each stored p-major: panel[p*NR + j]; short panels zero-padded.</summary>
    private void PackB(float* packB, int pc, int kc, int jc, int nc)
    {
        int p0 = 0, p1 = kc;
        int nr = _nr;
        long bRs = _bRs, bCs = _bCs;
        float* b = _b + pc * bRs + jc * bCs;
        if (bCs == 1)
        {
            // A few rows of B at a time across all panels: sequential reads of each row, and each
            // panel's share written contiguously (one panel at a time down all kc rows would read
            // B in a column walk whose rows alias in the L1 sets when the row stride is a large power of two).
            const int Rows = 8;
            for (int pb = p0; pb < p1; pb += Rows)
            {
                int pe = Math.Min(pb + Rows, p1);
                for (int jr = 0; jr < nc; jr += nr)
                {
                    int cols = Math.Min(nr, nc - jr);
                    float* dst = packB + jr * kc;
                    for (int p = pb; p < pe; p++)
                    {
                        CopySmall(b + p * bRs + jr, dst + p * nr, cols);
                        for (int j = cols; j < nr; j++) dst[p * nr + j] = 0;
                    }
                }
            }
            return;
        }
        for (int jr = 0; jr < nc; jr += nr)
        {
            float* dst = packB + jr * kc + p0 * nr;
            int cols = Math.Min(nr, nc - jr);
            float* src = b + jr * bCs + p0 * bRs;
            if (bRs == 1)
            {
                // A transposed view (e.g. x·Wᵀ): each column of B is contiguous in p.
                PackLanes(src, bCs, cols, nr, p1 - p0, dst);
                continue;
            }
            for (int j = 0; j < nr; j++)
            {
                if (j >= cols)
                {
                    for (int p = 0; p < p1 - p0; p++) dst[p * nr + j] = 0;
                    continue;
                }
                float* col = src + j * bCs;
                for (int p = 0; p < p1 - p0; p++) dst[p * nr + j] = col[p * bRs];
            }
        }
    }
}
