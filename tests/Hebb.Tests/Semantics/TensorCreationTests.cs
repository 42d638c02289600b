namespace Hebb.Tests.Semantics;

public class TensorCreationTests
{
    [Fact]
    public void ZerosOnesFullHaveShapeDTypeAndValues()
    {
        var z = Tensor.Zeros(2, 3);
        Check.Shape(z, 2, 3);
        Assert.Equal(DType.Float32, z.DType);
        Assert.Equal(6, z.Numel);
        Assert.All(z.ToArray<float>(), v => Assert.Equal(0f, v));

        var o = Tensor.Ones(DType.Float64, 4);
        Assert.Equal(DType.Float64, o.DType);
        Assert.Equal(new[] { 1.0, 1.0, 1.0, 1.0 }, o.ToArray<double>());

        var f = Tensor.Full(2.5, 3, 1, 2);
        Check.Shape(f, 3, 1, 2);
        Assert.All(f.ToArray<float>(), v => Assert.Equal(2.5f, v));

        var fi = Tensor.Full(7, DType.Int32, 2, 2);
        Check.Ints(fi, 7, 7, 7, 7);

        var zi = Tensor.Zeros(DType.Int32, 3);
        Check.Ints(zi, 0, 0, 0);
    }

    [Fact]
    public void ZerosDoesNotAliasTheShapeArray()
    {
        var shape = new[] { 2, 3 };
        var z = Tensor.Zeros(shape);
        shape[0] = 5;
        Check.Shape(z, 2, 3);
    }

    [Fact]
    public void ScalarIsRankZero()
    {
        var s = Tensor.Scalar(3.5);
        Assert.Equal(0, s.Rank);
        Assert.Equal(1, s.Numel);
        Assert.Equal(3.5f, s.Item());
        var si = Tensor.Scalar(-4, DType.Int32);
        Assert.Equal(DType.Int32, si.DType);
        Assert.Equal(-4, si.Item<int>());
    }

    [Fact]
    public void ArangeMatchesTorch()
    {
        Check.Values(Tensor.Arange(5), [0, 1, 2, 3, 4]);
        Check.Values(Tensor.Arange(2, 5), [2, 3, 4]);
        Check.Values(Tensor.Arange(0, 1, 0.25), [0, 0.25f, 0.5f, 0.75f]);
        Check.Values(Tensor.Arange(0, 1, 0.3), [0, 0.3f, 0.6f, 0.9f], 1e-6);
        Check.Values(Tensor.Arange(5, 0, -1), [5, 4, 3, 2, 1]);
        Check.Values(Tensor.Arange(1, -1, -0.5), [1, 0.5f, 0, -0.5f]);
        Assert.Equal(0, Tensor.Arange(3, 1).Numel);          // empty, not negative
        Assert.Equal(0, Tensor.Arange(0, 5, -1).Numel);

        var ints = Tensor.Arange(0, 10, 3, DType.Int32);
        Check.Ints(ints, 0, 3, 6, 9);
        Check.Ints(Tensor.Arange(4, DType.Int32), 0, 1, 2, 3);
        Check.Ints(Tensor.Arange(3, -3, -2, DType.Int32), 3, 1, -1);
    }

    [Fact]
    public void ArangeRejectsZeroStep()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Arange(0, 5, 0));
        Assert.Contains("step", e.Message);
    }

    [Fact]
    public void FromArrayCopiesItsInput()
    {
        var data = new float[] { 1, 2, 3, 4, 5, 6 };
        var t = Tensor.FromArray(data, 2, 3);
        data[0] = 100;
        Check.Shape(t, 2, 3);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, t.ToArray<float>());

        var ints = new[] { 3, 1, 4 };
        var ti = Tensor.FromArray(ints);
        ints[1] = 9;
        Check.Shape(ti, 3);
        Check.Ints(ti, 3, 1, 4);

        var dbl = Tensor.FromArray(new double[] { 1.5, 2.5 });
        Assert.Equal(DType.Float64, dbl.DType);
    }

    [Fact]
    public void ToArrayReturnsACopy()
    {
        var t = Tensor.FromArray(new float[] { 1, 2, 3 });
        var a = t.ToArray<float>();
        a[0] = 42;
        Assert.Equal(1f, t.ToArray<float>()[0]);
    }

    [Fact]
    public void FromArrayRejectsWrongElementCount()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[] { 1, 2, 3, 4, 5 }, 2, 3));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("5", e.Message);
    }

    [Fact]
    public void RandAndUniformStayInRange()
    {
        var r = Tensor.Rand(new Generator(1), 100, 100);
        Check.Shape(r, 100, 100);
        Assert.Equal(DType.Float32, r.DType);
        var v = r.ToArray<float>();
        Assert.All(v, x => Assert.InRange(x, 0f, 1f));
        Assert.True(v.Min() < 0.01 && v.Max() > 0.99, "10k uniform samples should nearly cover [0, 1)");
        Assert.InRange(v.Average(), 0.49, 0.51);

        var u = Tensor.Uniform(new Generator(2), -3, -1, DType.Float64, 10000).ToArray<double>();
        Assert.All(u, x => Assert.True(x >= -3 && x < -1, $"{x} outside [-3, -1)"));
        Assert.InRange(u.Average(), -2.03, -1.97);
    }

    [Fact]
    public void UniformRejectsHighBelowLow()
    {
        Assert.Throws<ArgumentException>(() => Tensor.Uniform(new Generator(0), 1, 0, 3));
    }

    [Fact]
    public void RandnHasMeanZeroStdOne()
    {
        var t = Tensor.Randn(new Generator(123), 100_000);
        Assert.Equal(DType.Float32, t.DType);
        var (mean, std) = Check.Stats(t);
        Assert.InRange(mean, -0.015, 0.015);
        Assert.InRange(std, 0.985, 1.015);
        // Tails: about 4.55% of a standard normal lies beyond 2 sigma.
        double beyond2 = t.ToArray<float>().Count(x => Math.Abs(x) > 2) / 100_000.0;
        Assert.InRange(beyond2, 0.040, 0.051);
    }

    [Fact]
    public void NormalHasRequestedMeanAndStd()
    {
        var t = Tensor.Normal(new Generator(5), 3.0, 0.5, DType.Float64, 200, 500);
        Check.Shape(t, 200, 500);
        Assert.Equal(DType.Float64, t.DType);
        var (mean, std) = Check.Stats(t);
        Assert.InRange(mean, 2.99, 3.01);
        Assert.InRange(std, 0.49, 0.51);
        Assert.Throws<ArgumentException>(() => Tensor.Normal(new Generator(5), 0, -1, 3));
    }

    [Fact]
    public void SameSeedSameTensorsDifferentSeedDifferentTensors()
    {
        Assert.Equal(Tensor.Randn(new Generator(42), 50).ToArray<float>(), Tensor.Randn(new Generator(42), 50).ToArray<float>());
        Assert.Equal(Tensor.Rand(new Generator(42), 50).ToArray<float>(), Tensor.Rand(new Generator(42), 50).ToArray<float>());
        Assert.NotEqual(Tensor.Randn(new Generator(42), 50).ToArray<float>(), Tensor.Randn(new Generator(43), 50).ToArray<float>());
        Assert.NotEqual(Tensor.Rand(new Generator(0), 50).ToArray<float>(), Tensor.Rand(new Generator(1), 50).ToArray<float>());

        // One generator keeps advancing: two draws from it differ.
        var g = new Generator(42);
        Assert.NotEqual(Tensor.Randn(g, 50).ToArray<float>(), Tensor.Randn(g, 50).ToArray<float>());
    }

    [Fact]
    public void RandomFactoriesRequireAGenerator()
    {
        Assert.Throws<ArgumentNullException>(() => Tensor.Randn(null!, 3));
        Assert.Throws<ArgumentNullException>(() => Tensor.Rand(null!, 3));
    }
}

public class GeneratorTests
{
    [Fact]
    public void NextIntIsInRangeAndRoughlyUniform()
    {
        var g = new Generator(7);
        const int n = 10, draws = 100_000;
        var counts = new int[n];
        for (int i = 0; i < draws; i++)
        {
            int v = g.NextInt(n);
            Assert.InRange(v, 0, n - 1);
            counts[v]++;
        }
        // Chi-square with 9 degrees of freedom: the 99.9th percentile is 27.9.
        double expected = draws / (double)n;
        double chi2 = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chi2 < 27.9, $"chi-square {chi2:F1} for counts [{string.Join(", ", counts)}]");
    }

    [Fact]
    public void NextIntOfOneIsZeroAndNonPositiveThrows()
    {
        var g = new Generator(1);
        for (int i = 0; i < 100; i++) Assert.Equal(0, g.NextInt(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.NextInt(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.NextInt(-3));
    }

    [Fact]
    public void NextIntCoversALargeNonPowerOfTwoRange()
    {
        // 3 * 2^29: a modulo-biased generator would favour the lower third.
        var g = new Generator(3);
        int n = 3 << 29, lowThird = 0;
        const int draws = 60_000;
        for (int i = 0; i < draws; i++)
        {
            int v = g.NextInt(n);
            Assert.InRange(v, 0, n - 1);
            if (v < n / 3) lowThird++;
        }
        Assert.InRange(lowThird / (double)draws, 0.32, 0.347);
    }

    [Fact]
    public void NextDoubleIsInUnitInterval()
    {
        var g = new Generator(11);
        for (int i = 0; i < 10_000; i++) Assert.InRange(g.NextDouble(), 0.0, 0.9999999999999999);
    }

    [Fact]
    public void SameSeedSameStream()
    {
        var a = new Generator(2024);
        var b = new Generator(2024);
        var c = new Generator(2025);
        var sa = Enumerable.Range(0, 20).Select(_ => a.NextUInt64()).ToArray();
        var sb = Enumerable.Range(0, 20).Select(_ => b.NextUInt64()).ToArray();
        var sc = Enumerable.Range(0, 20).Select(_ => c.NextUInt64()).ToArray();
        Assert.Equal(sa, sb);
        Assert.NotEqual(sa, sc);
    }

    [Fact]
    public void ShuffleIsADeterministicPermutation()
    {
        int[] Shuffled(int seed)
        {
            var v = Enumerable.Range(0, 100).ToArray();
            new Generator(seed).Shuffle(v);
            return v;
        }
        var a = Shuffled(9);
        Assert.Equal(Enumerable.Range(0, 100), a.OrderBy(x => x));
        Assert.Equal(a, Shuffled(9));
        Assert.NotEqual(a, Shuffled(10));
        Assert.NotEqual(Enumerable.Range(0, 100).ToArray(), a);
    }

    [Fact]
    public void ShuffleIsUnbiasedOverSmallPermutations()
    {
        // All 6 orders of 3 elements should come up about equally often.
        var g = new Generator(77);
        var counts = new Dictionary<string, int>();
        const int trials = 60_000;
        for (int i = 0; i < trials; i++)
        {
            var v = new[] { 0, 1, 2 };
            g.Shuffle(v);
            string key = string.Concat(v);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        Assert.Equal(6, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 9_500, 10_500));
    }
}
