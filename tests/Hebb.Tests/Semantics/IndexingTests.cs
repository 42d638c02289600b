namespace Hebb.Tests.Semantics;

public class IndexingTests
{
    private static Tensor M34() => Tensor.Arange(12).View(3, 4);

    [Fact]
    public void GatherPicksOneElementPerRow()
    {
        var scores = M34();
        var targets = Tensor.FromArray(new[] { 2, 0, 3 }, 3, 1);
        var picked = scores.Gather(1, targets);
        Check.Shape(picked, 3, 1);
        Check.Values(picked, [2, 4, 11]);
    }

    [Fact]
    public void GatherAlongDimZeroAndWithSmallerIndex()
    {
        var x = M34();
        // out[i][j] = x[index[i][j]][j]
        var idx = Tensor.FromArray(new[] { 2, 0, 1, 2, 0, 0, 0, 1 }, 2, 4);
        Check.Values(x.Gather(0, idx), [8, 1, 6, 11, 0, 1, 2, 7]);
        // index smaller than the input on the other dim: only the first 2 columns
        var idx2 = Tensor.FromArray(new[] { 1, 1, 2, 0 }, 2, 2);
        Check.Values(x.Gather(0, idx2), [4, 5, 8, 1]);
        // repeated indices along dim 1
        Check.Values(x.Gather(1, Tensor.FromArray(new[] { 3, 3, 3, 0, 0, 0 }, 2, 3)), [3, 3, 3, 4, 4, 4]);
        // negative dim and non-contiguous input
        Check.Values(x.T.Gather(-1, Tensor.FromArray(new[] { 2, 0 }, 2, 1)), [8, 1]);
    }

    [Fact]
    public void GatherErrors()
    {
        var x = M34();
        var e = Assert.Throws<IndexOutOfRangeException>(() => x.Gather(1, Tensor.FromArray(new[] { 0, 7, 1 }, 3, 1)));
        Assert.Contains("7", e.Message);
        Assert.Contains("Gather", e.Message);
        Assert.Throws<IndexOutOfRangeException>(() => x.Gather(1, Tensor.FromArray(new[] { 0, -1, 1 }, 3, 1)));
        Assert.Throws<ArgumentException>(() => x.Gather(1, Tensor.FromArray(new[] { 0, 1, 2 })));               // rank
        Assert.Throws<ArgumentException>(() => x.Gather(1, Tensor.FromArray(new float[] { 0, 1, 2 }, 3, 1)));   // float index
    }

    [Fact]
    public void IndexSelectValues()
    {
        var x = M34();
        var rows = x.IndexSelect(0, Tensor.FromArray(new[] { 2, 0, 2 }));
        Check.Shape(rows, 3, 4);
        Check.Values(rows, [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
        var cols = x.IndexSelect(1, Tensor.FromArray(new[] { 3, 1 }));
        Check.Shape(cols, 3, 2);
        Check.Values(cols, [3, 1, 7, 5, 11, 9]);
        var x3 = Tensor.Arange(24).View(2, 3, 4);
        var mid = x3.IndexSelect(1, Tensor.FromArray(new[] { 1 }));
        Check.Shape(mid, 2, 1, 4);
        Check.Values(mid, [4, 5, 6, 7, 16, 17, 18, 19]);
        Check.Shape(x.IndexSelect(0, Tensor.FromArray(Array.Empty<int>())), 0, 4);
    }

    [Fact]
    public void IndexSelectOutOfRangeNamesTheIndex()
    {
        var e = Assert.Throws<IndexOutOfRangeException>(() => M34().IndexSelect(0, Tensor.FromArray(new[] { 1, 3 })));
        Assert.Contains("3", e.Message);
        Assert.Contains("IndexSelect", e.Message);
        var e2 = Assert.Throws<IndexOutOfRangeException>(() => M34().IndexSelect(1, Tensor.FromArray(new[] { 42 })));
        Assert.Contains("42", e2.Message);
        Assert.Throws<ArgumentException>(() => M34().IndexSelect(0, Tensor.FromArray(new[] { 0, 1 }, 1, 2)));
    }

    [Fact]
    public void WhereSelectsAndBroadcasts()
    {
        var cond = Tensor.FromArray(new[] { 1, 0, 1 });
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.Scalar(-1);
        var y = Tensor.Where(cond, a, b);
        Check.Shape(y, 2, 3);
        Check.Values(y, [1, -1, 3, 4, -1, 6]);

        var colCond = Tensor.FromArray(new float[] { 0, 2.5f }, 2, 1);   // any non-zero is true
        var z = Tensor.Where(colCond, Tensor.FromArray(new float[] { 7, 8, 9 }), Tensor.Zeros(2, 1));
        Check.Shape(z, 2, 3);
        Check.Values(z, [0, 0, 0, 7, 8, 9]);

        Assert.Throws<ArgumentException>(() => Tensor.Where(cond, a, Tensor.Ones(DType.Float64, 3)));
        Assert.Throws<ArgumentException>(() => Tensor.Where(Tensor.Ones(4), a, b));
    }

    [Fact]
    public void MaskedFillWithBroadcastMask()
    {
        var x = M34();
        var mask = Tensor.FromArray(new[] { 0, 1, 0, 1 });
        Check.Values(x.MaskedFill(mask, 100), [0, 100, 2, 100, 4, 100, 6, 100, 8, 100, 10, 100]);
        var rowMask = Tensor.FromArray(new[] { 1, 0, 0 }, 3, 1);
        Check.Values(x.MaskedFill(rowMask, -2), [-2, -2, -2, -2, 4, 5, 6, 7, 8, 9, 10, 11]);
        // x itself is untouched
        Assert.Equal(1f, x.ToArray<float>()[1]);
        // a mask that would grow the tensor is an error
        var e = Assert.Throws<ArgumentException>(() =>
            Tensor.Zeros(4).MaskedFill(Tensor.FromArray(new[] { 1, 0, 1, 0, 1, 0, 1, 0 }, 2, 4), 1));
        Assert.Contains("MaskedFill", e.Message);
    }

    [Fact]
    public void CausalMaskThenSoftmaxGivesZerosAboveTheDiagonal()
    {
        const int n = 5;
        var rows = Tensor.Arange(n, DType.Int32).Unsqueeze(1);
        var cols = Tensor.Arange(n, DType.Int32).Unsqueeze(0);
        var upper = cols.Gt(rows);                     // 1 strictly above the diagonal
        Check.Shape(upper, n, n);
        var scores = Tensor.Randn(new Generator(3), n, n);
        var masked = scores.MaskedFill(upper, double.NegativeInfinity);
        var m = masked.ToArray<float>();
        var p = masked.Softmax(-1).ToArray<float>();
        var s = scores.ToArray<float>();
        for (int i = 0; i < n; i++)
        {
            double rowSum = 0, expSum = 0;
            for (int j = 0; j <= i; j++) expSum += Math.Exp(s[i * n + j]);
            for (int j = 0; j < n; j++)
            {
                if (j > i)
                {
                    Assert.Equal(float.NegativeInfinity, m[i * n + j]);
                    Assert.Equal(0f, p[i * n + j]);
                }
                else
                {
                    Assert.Equal(s[i * n + j], m[i * n + j]);
                    Assert.Equal(Math.Exp(s[i * n + j]) / expSum, p[i * n + j], 5);
                }
                rowSum += p[i * n + j];
            }
            Assert.Equal(1.0, rowSum, 5);
        }
        Assert.Equal(1f, p[0]);   // the first position can only attend to itself
    }

    [Fact]
    public void SoftmaxRowsSumToOneAlongTheChosenDim()
    {
        var x = Tensor.Randn(new Generator(8), 3, 4);
        var s0 = x.Softmax(0).Sum(0).ToArray<float>();
        var s1 = x.Softmax(1).Sum(1).ToArray<float>();
        Assert.All(s0, v => Assert.Equal(1f, v, 5));
        Assert.All(s1, v => Assert.Equal(1f, v, 5));
        // invariant to adding a constant per row
        Check.Values(x.Add(1000.0).Softmax(1), x.Softmax(1).ToFloatArray(), 1e-5);
    }
}

public class JoinTests
{
    [Fact]
    public void CatAlongEachDim()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        var b = Tensor.FromArray(new float[] { 5, 6 }, 1, 2);
        var c0 = Tensor.Cat([a, b], 0);
        Check.Shape(c0, 3, 2);
        Check.Values(c0, [1, 2, 3, 4, 5, 6]);

        var d = Tensor.FromArray(new float[] { 7, 8, 9, 10, 11, 12 }, 2, 3);
        var c1 = Tensor.Cat([a, d], -1);
        Check.Shape(c1, 2, 5);
        Check.Values(c1, [1, 2, 7, 8, 9, 3, 4, 10, 11, 12]);

        // non-contiguous inputs and int32
        Check.Values(Tensor.Cat([a.T, a.T], 0), [1, 3, 2, 4, 1, 3, 2, 4]);
        Check.Ints(Tensor.Cat([Tensor.FromArray(new[] { 1 }), Tensor.FromArray(new[] { 2, 3 })]), 1, 2, 3);
    }

    [Fact]
    public void CatErrors()
    {
        var a = Tensor.Zeros(2, 2);
        var e = Assert.Throws<ArgumentException>(() => Tensor.Cat([a, Tensor.Zeros(2, 3)], 0));
        Assert.Contains("[2, 2]", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("dtypes", Assert.Throws<ArgumentException>(() => Tensor.Cat([a, Tensor.Zeros(DType.Float64, 2, 2)])).Message);
        Assert.Throws<ArgumentException>(() => Tensor.Cat([a, Tensor.Zeros(2, 2, 1)]));
        Assert.Throws<ArgumentException>(() => Tensor.Cat(Array.Empty<Tensor>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Cat([a, a], 2));
    }

    [Fact]
    public void StackAddsANewDim()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3 });
        var b = Tensor.FromArray(new float[] { 4, 5, 6 });
        var s0 = Tensor.Stack([a, b]);
        Check.Shape(s0, 2, 3);
        Check.Values(s0, [1, 2, 3, 4, 5, 6]);
        var s1 = Tensor.Stack([a, b], 1);
        Check.Shape(s1, 3, 2);
        Check.Values(s1, [1, 4, 2, 5, 3, 6]);
        Check.Shape(Tensor.Stack([a, b], -1), 3, 2);
        var e = Assert.Throws<ArgumentException>(() => Tensor.Stack([a, Tensor.Zeros(4)]));
        Assert.Contains("[3]", e.Message);
        Assert.Contains("[4]", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Stack(Array.Empty<Tensor>()));
    }

    [Fact]
    public void SplitBySizesAndBySplitSize()
    {
        var x = Tensor.Arange(10);
        var parts = x.Split([3, 0, 7]);
        Assert.Equal(3, parts.Length);
        Check.Values(parts[0], [0, 1, 2]);
        Assert.Equal(0, parts[1].Numel);
        Check.Values(parts[2], [3, 4, 5, 6, 7, 8, 9]);

        var even = x.Split(4);
        Assert.Equal(new[] { 4, 4, 2 }, even.Select(p => p.Numel));
        Check.Values(even[2], [8, 9]);

        var m = Tensor.Arange(12).View(3, 4);
        var colParts = m.Split(3, dim: 1);
        Assert.Equal(2, colParts.Length);
        Check.Shape(colParts[0], 3, 3);
        Check.Values(colParts[1], [3, 7, 11]);
        Assert.True(Check.SharesStorage(m, colParts[1]));   // views, not copies

        var e = Assert.Throws<ArgumentException>(() => x.Split([3, 3]));
        Assert.Contains("10", e.Message);
        Assert.Throws<ArgumentException>(() => x.Split([11, -1]));
        Assert.Throws<ArgumentException>(() => x.Split(0));
    }

    [Fact]
    public void ChunkMatchesTorch()
    {
        var x = Tensor.Arange(10);
        Assert.Equal(new[] { 4, 4, 2 }, x.Chunk(3).Select(p => p.Numel));
        Assert.Equal(new[] { 5, 5 }, x.Chunk(2).Select(p => p.Numel));
        Assert.Equal(new[] { 2, 2, 2 }, Tensor.Arange(6).Chunk(4).Select(p => p.Numel));   // torch.chunk gives 3 pieces too
        Assert.Equal(new[] { 1, 1, 1 }, Tensor.Arange(3).Chunk(5).Select(p => p.Numel));
        var pieces = Tensor.Arange(12).View(2, 6).Chunk(3, 1);
        Check.Values(pieces[1], [2, 3, 8, 9]);
        Assert.Throws<ArgumentException>(() => x.Chunk(0));
    }

    [Fact]
    public void CatOfSplitRoundTrips()
    {
        var x = Tensor.Randn(new Generator(4), 5, 7);
        var back = Tensor.Cat(x.Split([2, 4, 1], 1), 1);
        Assert.Equal(x.ToArray<float>(), back.ToArray<float>());
    }
}
