using Hebb.Data;

namespace Hebb.Tests.Semantics;

public class DataLoaderTests
{
    /// <summary>Item i has input row [i, i + 0.5] and int target 10·i, so pairing can be checked.</summary>
    private static TensorDataset Items(int n)
    {
        var x = new float[n * 2];
        var t = new int[n];
        for (int i = 0; i < n; i++)
        {
            x[2 * i] = i;
            x[2 * i + 1] = i + 0.5f;
            t[i] = 10 * i;
        }
        return new TensorDataset(Tensor.FromArray(x, n, 2), Tensor.FromArray(t));
    }

    /// <summary>The item ids of one epoch, batch by batch, checking each batch's pairing and dtypes.</summary>
    private static List<int[]> Epoch(DataLoader loader)
    {
        var batches = new List<int[]>();
        foreach (var (input, target) in loader)
        {
            Assert.Equal(DType.Float32, input.DType);
            Assert.Equal(DType.Int32, target.DType);
            Assert.Equal(2, input.Rank);
            Assert.Equal(1, target.Rank);
            Assert.Equal(input.Size(0), target.Size(0));
            var x = input.ToArray<float>();
            var t = target.ToArray<int>();
            var ids = new int[t.Length];
            for (int i = 0; i < t.Length; i++)
            {
                ids[i] = (int)x[2 * i];
                Assert.Equal(ids[i] + 0.5f, x[2 * i + 1]);
                Assert.Equal(10 * ids[i], t[i]);
            }
            batches.Add(ids);
        }
        return batches;
    }

    [Fact]
    public void BatchCountWithAndWithoutDropLast()
    {
        var data = Items(10);
        var keep = new DataLoader(data, 3);
        Assert.Equal(4, keep.Count);
        var sizes = Epoch(keep).Select(b => b.Length).ToArray();
        Assert.Equal(new[] { 3, 3, 3, 1 }, sizes);

        var drop = new DataLoader(data, 3, dropLast: true);
        Assert.Equal(3, drop.Count);
        Assert.Equal(new[] { 3, 3, 3 }, Epoch(drop).Select(b => b.Length));

        var exact = new DataLoader(data, 5, dropLast: true);
        Assert.Equal(2, exact.Count);
        Assert.Equal(2, Epoch(exact).Count);
        Assert.Single(Epoch(new DataLoader(data, 50)));
        Assert.Empty(Epoch(new DataLoader(data, 50, dropLast: true)));
    }

    [Fact]
    public void NoShuffleKeepsOrder()
    {
        var loader = new DataLoader(Items(7), 3);
        var epoch = Epoch(loader);
        Assert.Equal(new[] { 0, 1, 2 }, epoch[0]);
        Assert.Equal(new[] { 3, 4, 5 }, epoch[1]);
        Assert.Equal(new[] { 6 }, epoch[2]);
        Assert.Equal(epoch.SelectMany(b => b), Epoch(loader).SelectMany(b => b));   // and again next epoch
    }

    [Fact]
    public void ShuffleIsReproducibleAndChangesBetweenEpochs()
    {
        var a = new DataLoader(Items(20), 4, shuffle: true, generator: new Generator(3));
        var b = new DataLoader(Items(20), 4, shuffle: true, generator: new Generator(3));
        var a1 = Epoch(a).SelectMany(x => x).ToArray();
        var a2 = Epoch(a).SelectMany(x => x).ToArray();
        var b1 = Epoch(b).SelectMany(x => x).ToArray();
        var b2 = Epoch(b).SelectMany(x => x).ToArray();
        Assert.Equal(a1, b1);
        Assert.Equal(a2, b2);
        Assert.NotEqual(a1, a2);
        Assert.NotEqual(Enumerable.Range(0, 20).ToArray(), a1);

        var c = new DataLoader(Items(20), 4, shuffle: true, generator: new Generator(4));
        Assert.NotEqual(a1, Epoch(c).SelectMany(x => x).ToArray());
    }

    [Fact]
    public void EveryItemAppearsExactlyOncePerEpoch()
    {
        var loader = new DataLoader(Items(23), 5, shuffle: true, generator: new Generator(11));
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var ids = Epoch(loader).SelectMany(b => b).ToList();
            Assert.Equal(Enumerable.Range(0, 23), ids.OrderBy(i => i));
        }
    }

    [Fact]
    public void DropLastWithShuffleGivesDistinctItems()
    {
        var loader = new DataLoader(Items(10), 3, shuffle: true, generator: new Generator(2), dropLast: true);
        var ids = Epoch(loader).SelectMany(b => b).ToList();
        Assert.Equal(9, ids.Count);
        Assert.Equal(9, ids.Distinct().Count());
    }

    [Fact]
    public void BatchesAreCopiesNotViewsOfTheDataset()
    {
        var data = Items(4);
        var (input, _) = new DataLoader(data, 2).First();
        input.FillInPlace(-1);
        Assert.Equal(0f, data.Inputs.ToArray<float>()[0]);
    }

    [Fact]
    public void HigherRankInputsKeepTheirTrailingShape()
    {
        var data = new TensorDataset(Tensor.Arange(24).View(6, 2, 2), Tensor.Arange(6, DType.Int32));
        var batches = new DataLoader(data, 4).ToList();
        Check.Shape(batches[0].Input, 4, 2, 2);
        Check.Shape(batches[1].Input, 2, 2, 2);
        Check.Values(batches[1].Input, [16, 17, 18, 19, 20, 21, 22, 23]);
        Check.Ints(batches[1].Target, 4, 5);
    }

    [Fact]
    public void DatasetSliceAndNonContiguousInputs()
    {
        var data = Items(10).Slice(4, 3);
        Assert.Equal(3, data.Count);
        var ids = Epoch(new DataLoader(data, 2)).SelectMany(b => b);
        Assert.Equal(new[] { 4, 5, 6 }, ids);

        // a transposed input is made contiguous by the dataset
        var inputs = Tensor.Arange(6).View(2, 3).T;   // rows [0,3], [1,4], [2,5]
        var ds = new TensorDataset(inputs, Tensor.FromArray(new[] { 0, 1, 2 }));
        var (x, _) = new DataLoader(ds, 3).Single();
        Check.Values(x, [0, 3, 1, 4, 2, 5]);
    }

    [Fact]
    public void ShuffleWithoutGeneratorThrows()
    {
        var e = Assert.Throws<ArgumentException>(() => new DataLoader(Items(3), 2, shuffle: true));
        Assert.Contains("Generator", e.Message);
    }

    [Fact]
    public void InvalidArgumentsThrow()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Items(3), 0));
        Assert.Throws<ArgumentException>(() => new TensorDataset(Tensor.Zeros(3, 2), Tensor.Zeros(DType.Int32, 4)));
        Assert.Throws<ArgumentException>(() => new TensorDataset(Tensor.Scalar(1), Tensor.Zeros(DType.Int32, 1)));
    }
}

public class RecycledBatchTests
{
    [Fact]
    public void RecycledBatchesReuseMemoryAndFailClearlyWhenKeptTooLong()
    {
        var data = new TensorDataset(Tensor.Arange(40).View(10, 4), Tensor.Arange(10, DType.Int32));
        Tensor? first = null;
        int batches = 0;
        foreach (var (x, y) in new DataLoader(data, 3, recycleBatches: true))
        {
            if (batches == 0)
            {
                first = x;
                Assert.Equal(new float[] { 0, 1, 2, 3 }, x.Narrow(0, 0, 1).ToArray<float>());
            }
            else
            {
                var error = Assert.Throws<ObjectDisposedException>(() => first!.ToArray<float>());
                Assert.Contains("Clone()", error.Message);
            }
            Assert.Equal(y.ToArray<int>().Length, x.Size(0));
            batches++;
        }
        Assert.Equal(4, batches);
    }

    [Fact]
    public void PrefetchedRecycledBatchesEqualPlainOnesAndStoppingEarlyIsSafe()
    {
        var data = new TensorDataset(Tensor.Randn(new Generator(1), 50, 7), Tensor.Arange(50, DType.Int32));
        var plain = new DataLoader(data, 8, shuffle: true, new Generator(9))
            .Select(b => (b.Input.ToArray<float>(), b.Target.ToArray<int>())).ToList();
        var recycled = new List<(float[], int[])>();
        foreach (var (x, y) in new DataLoader(data, 8, shuffle: true, new Generator(9), recycleBatches: true))
            recycled.Add((x.ToArray<float>(), y.ToArray<int>()));
        Assert.Equal(plain.Count, recycled.Count);
        for (int i = 0; i < plain.Count; i++)
        {
            Assert.Equal(plain[i].Item1, recycled[i].Item1);
            Assert.Equal(plain[i].Item2, recycled[i].Item2);
        }
        foreach (var (x, _) in new DataLoader(data, 8, recycleBatches: true))
            if (x.Size(0) == 8) break; // leaving mid-epoch waits for the prefetch and returns both buffers
    }

    [Fact]
    public void WithoutRecyclingBatchesStayValid()
    {
        var data = new TensorDataset(Tensor.Arange(40).View(10, 4), Tensor.Arange(10, DType.Int32));
        var all = new DataLoader(data, 3).ToList();
        Assert.Equal(24f, all[2].Input.Narrow(0, 0, 1).Narrow(1, 0, 1).Item()); // row 6 of the third batch
        Assert.Equal(36f, all[3].Input.Narrow(0, 0, 1).Narrow(1, 0, 1).Item());
    }
}
