namespace Hebb.Tests.Semantics;

public class BroadcastTests
{
    public static TheoryData<int[], int[], int[]> Pairs => new()
    {
        { [2, 3], [2, 3], [2, 3] },
        { [2, 3], [3], [2, 3] },
        { [3], [2, 3], [2, 3] },
        { [3, 1], [1, 4], [3, 4] },
        { [4], [3, 1], [3, 4] },
        { [2, 1, 5], [3, 1], [2, 3, 5] },
        { [1], [2, 2], [2, 2] },
        { [], [2, 3], [2, 3] },
        { [5, 1, 1], [1, 6, 1], [5, 6, 1] },
        { [0, 3], [1, 3], [0, 3] },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void ResultShapesFollowNumPyRules(int[] a, int[] b, int[] expected)
    {
        var x = Tensor.Ones(a);
        var y = Tensor.Ones(b);
        Check.Shape(x.Add(y), expected);
        Check.Shape(x.Mul(y), expected);
        Check.Shape(y.Sub(x), expected);
        Check.Shape(x.Eq(y), expected);
    }

    [Fact]
    public void BroadcastValues()
    {
        var col = Tensor.FromArray(new float[] { 10, 20 }, 2, 1);
        var row = Tensor.FromArray(new float[] { 1, 2, 3 });
        Check.Values(col + row, [11, 12, 13, 21, 22, 23]);
        Check.Values(col - row, [9, 8, 7, 19, 18, 17]);
        Check.Values(row * col, [10, 20, 30, 20, 40, 60]);
        Check.Values(col / row, [10, 5, 10f / 3, 20, 10, 20f / 3], 1e-5);
        Check.Values(2.0 - row, [1, 0, -1]);
        Check.Values(6.0 / row, [6, 3, 2]);
        Check.Values(-row, [-1, -2, -3]);
    }

    [Fact]
    public void BroadcastWorksOnNonContiguousOperands()
    {
        var m = Tensor.Arange(6).View(2, 3).T;          // [[0,3],[1,4],[2,5]]
        var b = Tensor.FromArray(new float[] { 100, 200 });
        Check.Values(m + b, [100, 203, 101, 204, 102, 205]);
    }

    [Theory]
    [InlineData(new[] { 2, 3 }, new[] { 4 })]
    [InlineData(new[] { 3, 2 }, new[] { 2, 3 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 3, 5 })]
    public void MismatchedShapesNameOpAndShapes(int[] a, int[] b)
    {
        var x = Tensor.Ones(a);
        var y = Tensor.Ones(b);
        string sa = "[" + string.Join(", ", a) + "]", sb = "[" + string.Join(", ", b) + "]";
        foreach (var (name, op) in new (string, Func<Tensor>)[]
            { ("Add", () => x.Add(y)), ("Sub", () => x - y), ("Mul", () => x * y), ("Div", () => x / y) })
        {
            var e = Assert.Throws<ArgumentException>(op);
            Assert.Contains(name, e.Message);
            Assert.Contains(sa, e.Message);
            Assert.Contains(sb, e.Message);
        }
    }

    [Fact]
    public void DTypeMismatchIsReported()
    {
        var f = Tensor.Ones(2);
        var d = Tensor.Ones(DType.Float64, 2);
        var e = Assert.Throws<ArgumentException>(() => f.Add(d));
        Assert.Contains("Add", e.Message);
        Assert.Contains("float32", e.Message);
        Assert.Contains("float64", e.Message);
        Assert.Throws<ArgumentException>(() => f.MatMul(Tensor.Ones(DType.Float64, 2, 2)));
    }

    [Fact]
    public void ScalarOperandsKeepTheTensorDType()
    {
        var d = Tensor.Ones(DType.Float64, 3);
        Assert.Equal(DType.Float64, (d * 2.0).DType);
        Assert.Equal(DType.Float64, (1.0 + d).DType);
        Assert.Equal(DType.Float32, (Tensor.Ones(3) / 4.0).DType);
    }
}
