namespace Hebb.Kernels;

/// <summary>
/// Describes how up to three operands walk one iteration space: a shared shape and, per operand,
/// an offset and strides (0 on broadcast dimensions). Adjacent dimensions that every operand walks
/// contiguously are merged, so the common cases become one long row handed to a vector kernel.
/// </summary>
internal ref struct StridedLayout
{
    public readonly int Rank;
    public readonly int Inner;          // length of the innermost row
    public readonly int Rows;           // number of rows
    private Span<int> _shape;
    private Span<int> _s0, _s1, _s2;
    private Span<int> _index;
    public int Off0, Off1, Off2;        // current row's start offset per operand

    public StridedLayout(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides0, int off0,
        ReadOnlySpan<int> strides1, int off1, ReadOnlySpan<int> strides2, int off2, Span<int> scratch)
    {
        int rank = shape.Length;
        _shape = scratch.Slice(0, rank);
        _s0 = scratch.Slice(rank, rank);
        _s1 = scratch.Slice(2 * rank, rank);
        _s2 = scratch.Slice(3 * rank, rank);
        _index = scratch.Slice(4 * rank, rank);
        // Merge dims right to left; drop size-1 dims.
        int r = 0;
        for (int d = rank - 1; d >= 0; d--)
        {
            int size = shape[d];
            if (size == 1) continue;
            int a = strides0[d], b = strides1.IsEmpty ? 0 : strides1[d], c = strides2.IsEmpty ? 0 : strides2[d];
            if (r > 0 && _s0[r - 1] * _shape[r - 1] == a && _s1[r - 1] * _shape[r - 1] == b && _s2[r - 1] * _shape[r - 1] == c)
            {
                _shape[r - 1] *= size;
                continue;
            }
            _shape[r] = size; _s0[r] = a; _s1[r] = b; _s2[r] = c;
            r++;
        }
        // Stored innermost-first; reverse to outermost-first.
        _shape.Slice(0, r).Reverse(); _s0.Slice(0, r).Reverse(); _s1.Slice(0, r).Reverse(); _s2.Slice(0, r).Reverse();
        Rank = r;
        Inner = r == 0 ? 1 : _shape[r - 1];
        int total = ShapeUtil.Numel(shape);
        Rows = Inner == 0 ? 0 : total / Inner;
        _index.Clear();
        Off0 = off0; Off1 = off1; Off2 = off2;
    }

    public readonly int InnerStride0 => Rank == 0 ? 1 : _s0[Rank - 1];
    public readonly int InnerStride1 => Rank == 0 ? 1 : _s1[Rank - 1];
    public readonly int InnerStride2 => Rank == 0 ? 1 : _s2[Rank - 1];

    /// <summary>Moves the offsets to the start of the next row.</summary>
    public void NextRow()
    {
        for (int k = Rank - 2; k >= 0; k--)
        {
            Off0 += _s0[k]; Off1 += _s1[k]; Off2 += _s2[k];
            if (++_index[k] < _shape[k]) return;
            Off0 -= _s0[k] * _shape[k]; Off1 -= _s1[k] * _shape[k]; Off2 -= _s2[k] * _shape[k];
            _index[k] = 0;
        }
    }

    public static int ScratchSize(int rank) => 5 * Math.Max(rank, 1);
}
