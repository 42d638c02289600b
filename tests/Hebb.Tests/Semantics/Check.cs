namespace Hebb.Tests.Semantics;

/// <summary>Small assertion helpers shared by the semantic tests.</summary>
internal static class Check
{
    public static void Shape(Tensor t, params int[] expected) =>
        Assert.Equal(expected, t.Shape.ToArray());

    public static void Values(Tensor t, float[] expected, double tol = 1e-6)
    {
        var actual = t.ToFloatArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNegativeInfinity(expected[i]) || float.IsPositiveInfinity(expected[i]))
                Assert.True(expected[i] == actual[i], $"element {i}: expected {expected[i]}, got {actual[i]}");
            else
                Assert.True(Math.Abs(expected[i] - actual[i]) <= tol,
                    $"element {i}: expected {expected[i]}, got {actual[i]} (all: [{string.Join(", ", actual)}])");
        }
    }

    public static void Ints(Tensor t, params int[] expected)
    {
        Assert.Equal(DType.Int32, t.DType);
        Assert.Equal(expected, t.ToArray<int>());
    }

    public static (double Mean, double Std) Stats(Tensor t)
    {
        var v = t.ToFloatArray();
        double mean = v.Average(x => (double)x);
        double var = v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1);
        return (mean, Math.Sqrt(var));
    }

    /// <summary>Whether a and b are views into the same storage buffer.</summary>
    public static bool SharesStorage(Tensor a, Tensor b) => ReferenceEquals(a.Storage, b.Storage);
}
