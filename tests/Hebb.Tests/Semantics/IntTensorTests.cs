namespace Hebb.Tests.Semantics;

public class IntTensorTests
{
    [Fact]
    public void LabelsFromIntArray()
    {
        var labels = Tensor.FromArray(new[] { 3, 0, 9, 1 });
        Assert.Equal(DType.Int32, labels.DType);
        Check.Shape(labels, 4);
        Check.Ints(labels, 3, 0, 9, 1);
        Assert.Equal(9, labels.Narrow(0, 2, 1).Item<int>());
        Assert.Equal(9.0, labels.Narrow(0, 2, 1).ItemAsDouble());
    }

    [Fact]
    public void ArgmaxReturnsInt32()
    {
        var x = Tensor.FromArray(new float[] { 0.1f, 0.7f, 0.2f, 0.9f, 0.05f, 0.05f }, 2, 3);
        var am = x.Argmax(1);
        Check.Ints(am, 1, 0);
        Check.Ints(x.Argmax(0), 1, 0, 0);
        var (_, idx) = x.Max(1, keepDim: true);
        Assert.Equal(DType.Int32, idx.DType);
        Check.Shape(idx, 2, 1);
    }

    [Fact]
    public void ComparisonsGiveInt32ZeroOne()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4 });
        var b = Tensor.FromArray(new float[] { 1, 5, 3, 0 });
        Check.Ints(a.Eq(b), 1, 0, 1, 0);
        Check.Ints(a.Ne(b), 0, 1, 0, 1);
        Check.Ints(a.Gt(b), 0, 0, 0, 1);
        Check.Ints(a.Ge(b), 1, 0, 1, 1);
        Check.Ints(a.Lt(b), 0, 1, 0, 0);
        Check.Ints(a.Le(b), 1, 1, 1, 0);
        Check.Ints(a.Gt(2.5), 0, 0, 1, 1);
        Check.Ints(a.Eq(3), 0, 0, 1, 0);
        Check.Ints(a.Lt(2), 1, 0, 0, 0);
    }

    [Fact]
    public void ComparisonsWorkAcrossDTypesAndBroadcast()
    {
        var labels = Tensor.FromArray(new[] { 2, 0, 1 });
        var preds = Tensor.FromArray(new[] { 2, 1, 1 });
        var correct = preds.Eq(labels);
        Check.Ints(correct, 1, 0, 1);
        Assert.Equal(2f, correct.To(DType.Float32).Sum().Item());

        var f = Tensor.FromArray(new float[] { 0, 1, 2 });
        Check.Ints(f.Eq(Tensor.FromArray(new[] { 0, 5, 2 })), 1, 0, 1);
        var m = Tensor.Arange(3, DType.Int32).Unsqueeze(1).Lt(Tensor.Arange(3, DType.Int32));
        Check.Shape(m, 3, 3);
        Check.Ints(m, 0, 1, 1, 0, 0, 1, 0, 0, 0);
    }

    [Fact]
    public void ToConvertsBetweenDTypes()
    {
        var f = Tensor.FromArray(new float[] { -2.7f, -0.5f, 0.5f, 1.9999f, 3f });
        Check.Ints(f.To(DType.Int32), -2, 0, 0, 1, 3);   // truncation toward zero
        var i = Tensor.FromArray(new[] { -3, 7 });
        var fi = i.To(DType.Float32);
        Assert.Equal(DType.Float32, fi.DType);
        Assert.Equal(new float[] { -3, 7 }, fi.ToArray<float>());
        Assert.Equal(new double[] { -3, 7 }, i.To(DType.Float64).ToArray<double>());
        var d = Tensor.FromArray(new double[] { 0.1, 1e10 }).To(DType.Float32);
        Assert.Equal(new[] { 0.1f, 1e10f }, d.ToArray<float>());
        Assert.Same(f, f.To(DType.Float32));
        Assert.Throws<OverflowException>(() => Tensor.FromArray(new float[] { 3e9f }).To(DType.Int32));
        Assert.Throws<OverflowException>(() => Tensor.FromArray(new float[] { float.NaN }).To(DType.Int32));
    }

    [Fact]
    public void ToOnANonContiguousTensorKeepsLogicalOrder()
    {
        var t = Tensor.Arange(6).View(2, 3).T;
        Check.Ints(t.To(DType.Int32), 0, 3, 1, 4, 2, 5);
    }

    [Fact]
    public void ArithmeticOnInt32GivesAClearError()
    {
        var a = Tensor.FromArray(new[] { 1, 2 });
        var e = Assert.Throws<ArgumentException>(() => a.Add(a));
        Assert.Contains("Add", e.Message);
        Assert.Contains("int32", e.Message);
        Assert.Contains("int32", Assert.Throws<ArgumentException>(() => a.Mul(2.0)).Message);
        Assert.Contains("int32", Assert.Throws<ArgumentException>(() => a.Exp()).Message);
        Assert.Equal(3, a.Sum().Item<int>()); // integer sums (counting) are allowed and stay int32
        Assert.Contains("int32", Assert.Throws<ArgumentException>(() => a.MatMul(a)).Message);
        // Mixing an int with a float tensor names both dtypes.
        var mixed = Assert.Throws<ArgumentException>(() => Tensor.Ones(2).Add(a));
        Assert.Contains("float32", mixed.Message);
        Assert.Contains("int32", mixed.Message);
    }

    [Fact]
    public void RequiresGradOnInt32Throws()
    {
        var a = Tensor.FromArray(new[] { 1, 2 });
        var e = Assert.Throws<InvalidOperationException>(() => a.RequiresGrad = true);
        Assert.Contains("int32", e.Message);
        Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(DType.Int32, 2).RequireGrad());
        a.RequiresGrad = false;   // allowed
        Assert.False(a.RequiresGrad);
    }

    [Fact]
    public void ItemOfTheWrongTypeThrows()
    {
        Assert.Throws<ArgumentException>(() => Tensor.Scalar(1.0).Item<int>());
        Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(2).Item());
    }
}
