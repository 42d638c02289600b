namespace Hebb.Tests.Semantics;

public class ReductionTests
{
    /// <summary>x[i, j, k] = 100 i + 10 j + k, shape (2, 3, 4).</summary>
    private static Tensor X()
    {
        var v = new float[24];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++)
                    v[i * 12 + j * 4 + k] = 100 * i + 10 * j + k;
        return Tensor.FromArray(v, 2, 3, 4);
    }

    [Fact]
    public void SumByHand()
    {
        var m = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal(21f, m.Sum().Item());
        Assert.Equal(0, m.Sum().Rank);
        Check.Values(m.Sum(0), [5, 7, 9]);
        Check.Values(m.Sum(1), [6, 15]);
        Check.Values(m.Sum(-1), [6, 15]);
        Check.Shape(m.Sum(0, keepDim: true), 1, 3);
        Check.Shape(m.Sum(1, keepDim: true), 2, 1);
        Check.Shape(m.Sum(keepDim: true), 1, 1);
        Check.Values(m.T.Sum(0), [6, 15]);   // non-contiguous input
    }

    /// <summary>A broadcast (expanded, stride 0) input is summed by the stride-0 fast paths: n·value into a
    /// reduced slot, or the value added along a kept row. The result must equal the sum over a contiguous
    /// copy. Small integers keep every sum exact, so the comparison is exact.</summary>
    [Theory]
    [InlineData(new[] { 1 }, new[] { 64, 6, 28, 28 }, new[] { 0, 2, 3 })]   // all stride 0: n·value per slot
    [InlineData(new[] { 1, 6, 1, 1 }, new[] { 4, 6, 7, 5 }, new[] { 0, 2, 3 })]
    [InlineData(new[] { 1, 6, 1, 1 }, new[] { 4, 6, 7, 5 }, new[] { 1 })]    // kept row, source stride 0: scalar added to the row
    [InlineData(new[] { 3, 1 }, new[] { 3, 9 }, new[] { 0 })]
    [InlineData(new[] { 3, 1 }, new[] { 3, 9 }, new[] { 1 })]
    [InlineData(new[] { 3, 1, 4 }, new[] { 2, 3, 5, 4 }, new[] { 0, 2 })]
    [InlineData(new[] { 3, 1, 4 }, new[] { 2, 3, 5, 4 }, new[] { 3 })]
    [InlineData(new[] { 2, 1, 1 }, new[] { 2, 3, 17 }, null)]
    public void SumOfAnExpandedTensorEqualsSumOfItsContiguousCopy(int[] baseShape, int[] shape, int[]? axes)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            int n = baseShape.Aggregate(1, (a, b) => a * b);
            var values = Enumerable.Range(0, n).Select(i => (double)(i % 7 - 3)).ToArray();
            var x = Tensor.FromArray(values, baseShape).To(dtype).Expand(shape);
            Assert.False(x.IsContiguous);
            var expected = x.Clone().Sum(axes);
            var got = x.Sum(axes);
            Check.Shape(got, expected.Shape.ToArray());
            Assert.Equal(expected.To(DType.Float64).ToArray<double>(), got.To(DType.Float64).ToArray<double>());
        }
    }

    [Fact]
    public void SumOverSeveralAxes()
    {
        var x = X();
        // sum over j and k: 12*100i + 4*(0+10+20) + 3*(0+1+2+3) = 1200i + 120 + 18
        Check.Values(x.Sum([1, 2]), [138, 1338]);
        Check.Values(x.Sum([2, 1]), [138, 1338]);
        Check.Values(x.Sum([-1, -2]), [138, 1338]);
        Check.Shape(x.Sum([0, 2], keepDim: true), 1, 3, 1);
        // sum over i and k: 4*100 + 2*4*10j + 2*6 = 412 + 80j
        Check.Values(x.Sum([0, 2]), [412, 492, 572]);
        Check.Shape(x.Sum([0, 2]), 3);
        Check.Shape(x.Sum([0, 1, 2]), []);
    }

    [Fact]
    public void MeanAndVarByHand()
    {
        var m = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 9 }, 2, 3);
        Assert.Equal(4f, m.Mean().Item(), 5);
        Check.Values(m.Mean(0), [2.5f, 3.5f, 6]);
        Check.Values(m.Mean(1), [2, 6]);
        Check.Shape(m.Mean(1, keepDim: true), 2, 1);
        // row 0: mean 2, squared deviations 1+0+1 = 2; row 1: mean 6, 4+1+9 = 14
        Check.Values(m.Var(1), [1, 7], 1e-5);
        Check.Values(m.Var(1, correction: 0), [2f / 3, 14f / 3], 1e-5);
        // all six: mean 4, deviations 9+4+1+0+1+25 = 40
        Assert.Equal(8f, m.Var().Item(), 4);
        Assert.Equal(40f / 6, m.Var(correction: 0).Item(), 4);
        Check.Values(m.Var(0), [4.5f, 4.5f, 18], 1e-5);
        Check.Shape(m.Var(0, keepDim: true), 1, 3);
        var x = X();
        Check.Values(x.Mean([0, 2]), [51.5f, 61.5f, 71.5f], 1e-4);
    }

    [Fact]
    public void MaxAndMinByHand()
    {
        var m = Tensor.FromArray(new float[] { 3, -1, 7, 0, 8, -5 }, 2, 3);
        var (vals, idx) = m.Max(1);
        Check.Values(vals, [7, 8]);
        Check.Ints(idx, 2, 1);
        var (minVals, minIdx) = m.Min(1);
        Check.Values(minVals, [-1, -5]);
        Check.Ints(minIdx, 1, 2);
        var (v0, i0) = m.Max(0);
        Check.Values(v0, [3, 8, 7]);
        Check.Ints(i0, 0, 1, 0);
        var (vk, ik) = m.Min(-2, keepDim: true);
        Check.Shape(vk, 1, 3);
        Check.Shape(ik, 1, 3);
        Check.Values(vk, [0, -1, -5]);
        Assert.Equal(8f, m.Max().Item());
        Assert.Equal(-5f, m.Min().Item());
        Assert.Equal(0, m.Max().Rank);
    }

    [Fact]
    public void MaxOverAMiddleAxis()
    {
        var x = X();
        var (v, i) = x.Max(1);
        Check.Shape(v, 2, 4);
        Check.Values(v, [20, 21, 22, 23, 120, 121, 122, 123]);
        Check.Ints(i, 2, 2, 2, 2, 2, 2, 2, 2);
        var (vmin, imin) = x.Min(0);
        Check.Shape(vmin, 3, 4);
        Check.Ints(imin, Enumerable.Repeat(0, 12).ToArray());
        Check.Values(vmin, Enumerable.Range(0, 3).SelectMany(j => Enumerable.Range(0, 4).Select(k => (float)(10 * j + k))).ToArray());
    }

    [Fact]
    public void MaxAndMinReturnTheFirstIndexOnTies()
    {
        var small = Tensor.FromArray(new float[] { 1, 5, 2, 5, 5 });
        Assert.Equal(1, small.Argmax(0).Item<int>());
        Assert.Equal(0, Tensor.FromArray(new float[] { 4, 4, 4 }).Argmax(0).Item<int>());
        Assert.Equal(1, Tensor.FromArray(new float[] { 3, 0, 0, 0 }).Min(0).Indices.Item<int>());

        // Long rows take the vectorised path; the ties sit in different vector lanes.
        foreach (int n in new[] { 17, 40, 100 })
        {
            var v = new float[n];
            for (int i = 0; i < n; i++) v[i] = 1 + (i * 7) % 5;     // values 1..5, many ties
            v[3] = 9; v[n - 2] = 9; v[n - 1] = 9;
            v[6] = 0; v[13] = 0; v[n - 3] = 0;
            const int firstMin = 6;
            var t = Tensor.FromArray(v);
            Assert.Equal(3, t.Argmax(0).Item<int>());
            Assert.Equal(firstMin, t.Min(0).Indices.Item<int>());
            var d = Tensor.FromArray(v.Select(x => (double)x).ToArray());
            Assert.Equal(3, d.Argmax(0).Item<int>());
        }

        // Ties along dim 0 of a matrix (a strided walk): the first row wins in every column.
        var m = Tensor.FromArray(new float[] { 2, 1, 2, 3, 1, 3 }, 3, 2);
        Check.Ints(m.Argmax(0), 0, 1);
        Check.Ints(m.Min(0).Indices, 2, 0);
        Check.Ints(m.T.Argmax(1), 0, 1);
    }

    [Fact]
    public void AxisErrors()
    {
        var x = X();
        var dup = Assert.Throws<ArgumentException>(() => x.Sum([1, -2]));
        Assert.Contains("Sum", dup.Message);
        Assert.Contains("twice", dup.Message);
        Assert.Throws<ArgumentException>(() => x.Mean([0, 0]));
        Assert.Throws<ArgumentException>(() => x.Var([2, -1]));
        var oob = Assert.Throws<ArgumentOutOfRangeException>(() => x.Sum(3));
        Assert.Contains("3", oob.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Sum(-4));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Max(5));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(0, 3).Max(0));
    }
}

public class MultiAxisMaxTests
{
    [Fact]
    public void MaxAndMinOverSeveralAxes()
    {
        var x = Tensor.Arange(24).Reshape(2, 3, 4);
        Assert.Equal(new float[] { 15, 19, 23 }, x.Max([0, 2]).ToArray<float>());
        Assert.Equal(new[] { 1, 3, 1 }, x.Max([0, 2], keepDim: true).ShapeArray);
        Assert.Equal(new float[] { 0, 1, 2, 3 }, x.Min([0, 1]).ToArray<float>());
        Assert.Equal(23f, x.Max([0, 1, 2]).Item());
    }
}
