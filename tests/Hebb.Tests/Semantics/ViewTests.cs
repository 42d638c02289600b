using Hebb.Autograd;

namespace Hebb.Tests.Semantics;

public class ViewTests
{
    /// <summary>[[0,1,2,3],[4,5,6,7],[8,9,10,11]]</summary>
    private static Tensor M34() => Tensor.Arange(12).View(3, 4);

    [Fact]
    public void ViewsShareStorageAndWritesShowInTheBase()
    {
        var x = Tensor.Zeros(3, 4).RequireGrad();
        using (GradMode.NoGrad())
        {
            x.Slice(1, 1, 3).FillInPlace(7);             // columns 1..2
            x.Transpose(0, 1).Narrow(0, 3, 1).CopyFrom(Tensor.FromArray(new float[] { 1, 2, 3 }).View(1, 3)); // column 3
            x.View(12).Narrow(0, 0, 1).FillInPlace(-1);  // element [0, 0]
        }
        Check.Values(x, [-1, 7, 7, 1, 0, 7, 7, 2, 0, 7, 7, 3]);
    }

    [Fact]
    public void ViewOpsDoNotCopy()
    {
        var x = M34();
        Assert.True(Check.SharesStorage(x, x.Transpose(0, 1)));
        Assert.True(Check.SharesStorage(x, x.Permute(1, 0)));
        Assert.True(Check.SharesStorage(x, x.Slice(0, 0, 3, 2)));
        Assert.True(Check.SharesStorage(x, x.Narrow(1, 1, 2)));
        Assert.True(Check.SharesStorage(x, x.View(2, 6)));
        Assert.True(Check.SharesStorage(x, x.Reshape(6, 2)));
        Assert.True(Check.SharesStorage(x, x.Unsqueeze(0).Expand(5, 3, 4)));
        Assert.True(Check.SharesStorage(x, x.Detach()));
    }

    [Fact]
    public void TransposeValuesAndContiguity()
    {
        var x = M34();
        Assert.True(x.IsContiguous);
        var t = x.Transpose(0, 1);
        Check.Shape(t, 4, 3);
        Assert.False(t.IsContiguous);
        Check.Values(t, [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
        Assert.True(t.Transpose(0, 1).IsContiguous);
        Check.Values(x.T, [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
        Check.Values(x.Transpose(-1, -2), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
        Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(2, 3, 4).T);
    }

    [Fact]
    public void PermuteMovesElementsCorrectly()
    {
        var x = Tensor.Arange(24).View(2, 3, 4);
        var p = x.Permute(2, 0, 1);
        Check.Shape(p, 4, 2, 3);
        Assert.False(p.IsContiguous);
        var src = x.ToArray<float>();
        var dst = p.ToArray<float>();
        for (int k = 0; k < 4; k++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 3; j++)
                    Assert.Equal(src[i * 12 + j * 4 + k], dst[k * 6 + i * 3 + j]);
        Assert.Throws<ArgumentException>(() => x.Permute(0, 0, 1));
        Assert.Throws<ArgumentException>(() => x.Permute(0, 1));
    }

    [Fact]
    public void SliceWithStepAndNegativeBounds()
    {
        var v = Tensor.Arange(10);
        Check.Values(v.Slice(0, 1, 8, 3), [1, 4, 7]);
        Check.Values(v.Slice(0, 1, 9, 3), [1, 4, 7]);
        Check.Values(v.Slice(0, 0, 10, 4), [0, 4, 8]);
        Check.Values(v.Slice(0, -3, 10), [7, 8, 9]);
        Check.Values(v.Slice(0, 2, -5), [2, 3, 4]);
        Check.Values(v.Slice(0, 8, 100), [8, 9]);   // clipped like Python slicing
        Assert.Equal(0, v.Slice(0, 6, 3).Numel);
        Assert.Throws<ArgumentException>(() => v.Slice(0, 0, 5, 0));

        var x = M34();
        var cols = x.Slice(1, 0, 4, 2);
        Check.Shape(cols, 3, 2);
        Assert.False(cols.IsContiguous);
        Check.Values(cols, [0, 2, 4, 6, 8, 10]);
        var rows = x.Slice(0, 1, 3);
        Assert.True(rows.IsContiguous);   // whole rows with an offset
        Check.Values(rows, [4, 5, 6, 7, 8, 9, 10, 11]);
    }

    [Fact]
    public void NarrowValuesAndErrors()
    {
        var x = M34();
        var n = x.Narrow(1, 1, 2);
        Check.Shape(n, 3, 2);
        Assert.False(n.IsContiguous);
        Check.Values(n, [1, 2, 5, 6, 9, 10]);
        Check.Values(x.Narrow(-2, 2, 1), [8, 9, 10, 11]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.Narrow(1, 3, 2));
        Assert.Contains("size 4", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Narrow(0, -1, 1));
    }

    [Fact]
    public void ExpandRepeatsWithoutCopying()
    {
        var col = Tensor.FromArray(new float[] { 1, 2, 3 }, 3, 1);
        var e = col.Expand(3, 4);
        Check.Shape(e, 3, 4);
        Assert.False(e.IsContiguous);
        Assert.Equal(0, e.Strides[1]);
        Check.Values(e, [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);

        var lead = Tensor.FromArray(new float[] { 5, 6 }).Expand(2, -1);
        Check.Shape(lead, 2, 2);
        Check.Values(lead, [5, 6, 5, 6]);

        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(3, 2).Expand(3, 4));
        Assert.Contains("[3, 2]", ex.Message);
        Assert.Contains("[3, 4]", ex.Message);
    }

    [Fact]
    public void ContiguousReturnsSelfWhenContiguousElseACopy()
    {
        var x = M34();
        Assert.Same(x, x.Contiguous());
        var t = x.Transpose(0, 1);
        var c = t.Contiguous();
        Assert.NotSame(t, c);
        Assert.True(c.IsContiguous);
        Assert.False(Check.SharesStorage(x, c));
        Check.Values(c, t.ToFloatArray());
        Check.Shape(c, 4, 3);
    }

    [Fact]
    public void ReshapeCopiesOnlyWhenItMust()
    {
        var x = M34();
        var r = x.Reshape(4, 3);
        Assert.True(Check.SharesStorage(x, r));

        var t = x.Transpose(0, 1);
        var rt = t.Reshape(12);
        Assert.False(Check.SharesStorage(x, rt));
        Check.Values(rt, [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
        rt.FillInPlace(-5);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (float)i), x.ToArray<float>());
    }

    [Fact]
    public void ViewOfNonContiguousThrowsMentioningContiguous()
    {
        var t = M34().Transpose(0, 1);
        var e = Assert.Throws<InvalidOperationException>(() => t.View(12));
        Assert.Contains("contiguous", e.Message);
    }

    [Fact]
    public void MinusOneIsInferred()
    {
        var x = Tensor.Arange(24);
        Check.Shape(x.View(2, -1, 4), 2, 3, 4);
        Check.Shape(x.Reshape(-1), 24);
        Check.Shape(x.View(-1, 6), 4, 6);
        Assert.Throws<ArgumentException>(() => x.View(-1, -1));
        var e = Assert.Throws<ArgumentException>(() => x.View(5, -1));
        Assert.Contains("[24]", e.Message);
        Assert.Contains("[5, -1]", e.Message);
    }

    [Fact]
    public void BadReshapeNamesBothShapes()
    {
        var x = Tensor.Zeros(2, 3);
        var e = Assert.Throws<ArgumentException>(() => x.Reshape(4, 2));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4, 2]", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => x.View(7));
        Assert.Contains("[2, 3]", e2.Message);
        Assert.Contains("[7]", e2.Message);
    }

    [Fact]
    public void SqueezeUnsqueezeFlatten()
    {
        var x = Tensor.Arange(6).View(1, 2, 1, 3);
        Check.Shape(x.Squeeze(), 2, 3);
        Check.Shape(x.Squeeze(0), 2, 1, 3);
        Check.Shape(x.Squeeze(1), 1, 2, 1, 3);   // size 2: not dropped
        Check.Shape(x.Squeeze(-2), 1, 2, 3);
        Check.Shape(Tensor.Zeros(2, 3).Unsqueeze(0), 1, 2, 3);
        Check.Shape(Tensor.Zeros(2, 3).Unsqueeze(-1), 2, 3, 1);
        Check.Shape(Tensor.Zeros(2, 3).Unsqueeze(1), 2, 1, 3);
        Check.Shape(Tensor.Zeros(2, 3, 4, 5).Flatten(), 120);
        Check.Shape(Tensor.Zeros(2, 3, 4, 5).Flatten(1), 2, 60);
        Check.Shape(Tensor.Zeros(2, 3, 4, 5).Flatten(1, 2), 2, 12, 5);
        Check.Values(M34().T.Flatten(), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    }

    [Fact]
    public void SizeAcceptsNegativeDims()
    {
        var x = Tensor.Zeros(2, 3, 4);
        Assert.Equal(4, x.Size(-1));
        Assert.Equal(2, x.Size(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Size(3));
    }

    [Fact]
    public void CloneIsADeepCopy()
    {
        var x = M34();
        var c = x.Clone();
        Assert.False(Check.SharesStorage(x, c));
        c.FillInPlace(0);
        Assert.Equal(11f, x.ToArray<float>()[11]);
    }
}
