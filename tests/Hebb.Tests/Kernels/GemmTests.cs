using System.Diagnostics;
using Hebb.Kernels;

namespace Hebb.Tests.Kernels;

/// <summary>SGEMM against a naive double-precision reference, on every SIMD path this CPU has.</summary>
public class GemmTests
{
    public static IEnumerable<object[]> SupportedPaths() =>
        Enum.GetValues<SimdPath>().Where(ComputeSettings.IsSupported).Select(p => new object[] { p });

    private static readonly int[] Sizes = [1, 2, 7, 33, 100, 257];

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void MatchesNaiveReferenceOnOddSizesAndLayouts(SimdPath path)
    {
        using var settings = ComputeSettings.Use(simdPath: path);
        var g = new Generator(3);
        foreach (int m in Sizes)
            foreach (int k in Sizes)
                foreach (int n in Sizes)
                {
                    // Row-major A and B, and transposed (column-major) storage of each.
                    bool transA = (m + k + n) % 2 == 0, transB = (m * 3 + k + n) % 3 == 0;
                    var a = g.NextFloats(m * k);
                    var b = g.NextFloats(k * n);
                    var (aRs, aCs) = transA ? (1, m) : (k, 1);
                    var (bRs, bCs) = transB ? (1, k) : (n, 1);
                    var c = new float[m * n + 3];
                    Gemm.Multiply(a, 0, aRs, aCs, b, 0, bRs, bCs, c, 3, m, k, n);
                    AssertMatchesReference(a, aRs, aCs, b, bRs, bCs, c, 3, m, k, n,
                        $"{path} m={m} k={k} n={n} transA={transA} transB={transB}");
                }
    }

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void LargeProductsAcrossSeveralBlocks(SimdPath path)
    {
        using var settings = ComputeSettings.Use(simdPath: path);
        var g = new Generator(4);
        foreach (var (m, k, n) in new[] { (300, 600, 130), (97, 513, 2100), (768, 128, 512) })
        {
            var a = g.NextFloats(m * k);
            var b = g.NextFloats(k * n);
            var c = new float[m * n];
            Gemm.Multiply(a, 0, k, 1, b, 0, n, 1, c, 0, m, k, n);
            AssertMatchesReference(a, k, 1, b, n, 1, c, 0, m, k, n, $"{path} {m}x{k}x{n}");
        }
    }

    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void ResultIsBitwiseIdenticalForOneAndTwoThreads(SimdPath path)
    {
        using var settings = ComputeSettings.Use(simdPath: path);
        var g = new Generator(5);
        // Tall (the threads split rows), wide (they split columns) and, with four threads, a 2x2 grid;
        // several kc and nc blocks, edge tiles, and B read through a transposed view.
        foreach (var (m, k, n) in new[] { (515, 300, 259), (40, 300, 515), (150, 300, 2100) })
        {
            var a = g.NextFloats(m * k);
            var b = g.NextFloats(k * n);
            var one = new float[m * n];
            using (ComputeSettings.Use(threads: 1)) Gemm.Multiply(a, 0, k, 1, b, 0, 1, k, one, 0, m, k, n);
            foreach (int threads in new[] { 2, 3, 4 })
            {
                var many = new float[m * n];
                using (ComputeSettings.Use(threads: threads)) Gemm.Multiply(a, 0, k, 1, b, 0, 1, k, many, 0, m, k, n);
                Assert.True(one.AsSpan().SequenceEqual(many), $"{path} {m}x{k}x{n}: {threads} threads differ from one");
            }
            AssertMatchesReference(a, k, 1, b, 1, k, one, 0, m, k, n, $"{path} {m}x{k}x{n}");
        }
    }

    [Fact]
    public void ForcingAnUnsupportedPathIsRefused()
    {
        foreach (var path in Enum.GetValues<SimdPath>().Where(p => !ComputeSettings.IsSupported(p)))
            Assert.Throws<PlatformNotSupportedException>(() => ComputeSettings.Use(simdPath: path));
    }

    /// <summary>The path is picked at run time: with AVX-512 (and then AVX2) disabled through the runtime's
    /// switches a fresh process must fall back (and its products must still be right).</summary>
    [Theory]
    [InlineData("DOTNET_EnableAVX512F", "avx2")]
    [InlineData("DOTNET_EnableAVX2", "portable")]
    public void RuntimeSwitchesSelectTheFallbackPath(string variable, string expected)
    {
        if (expected == "avx2" && !ComputeSettings.IsSupported(SimdPath.Avx2)) expected = "portable";
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Hebb.Cli.dll"));
        start.ArgumentList.Add("info");
        start.ArgumentList.Add("--check");
        // .NET 10 reads DOTNET_EnableAVX512; older runtimes read DOTNET_EnableAVX512F. Set both.
        start.Environment["DOTNET_EnableAVX512F"] = "0";
        start.Environment["DOTNET_EnableAVX512"] = "0";
        if (variable == "DOTNET_EnableAVX2") start.Environment["DOTNET_EnableAVX2"] = "0";
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, output);
        Assert.Contains($"simd path: {expected}", output);
        Assert.Contains("gemm check: ok", output);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 7)]
    [InlineData(4, 25, 784)]     // LeNet conv1, forward
    [InlineData(6, 25, 784)]
    [InlineData(16, 150, 100)]   // LeNet conv2, forward: column tail of 4
    [InlineData(150, 16, 100)]   // conv2 columns gradient
    [InlineData(9, 33, 17)]
    public void SmallGemmMatchesTheReference(int m, int k, int n)
    {
        var g = new Generator(m * 1000 + k * 10 + n);
        foreach (bool accumulate in new[] { false, true })
        {
            // A read through its transpose too (column stride k... as the columns gradient reads Wᵀ).
            foreach (bool transposedA in new[] { false, true })
            {
                var a = g.NextFloats(m * k);
                var b = g.NextFloats(k * n);
                // C sits behind an offset; when accumulating it starts from zero-sum pairs so the product alone is compared.
                var c = accumulate ? new float[m * n + 5] : g.NextFloats(m * n + 5);
                var before = (float[])c.Clone();
                int aRs = transposedA ? 1 : k, aCs = transposedA ? m : 1;
                SmallGemm.MultiplyRowMajorB(a, aRs, aCs, b, n, c.AsSpan(5), n, m, k, n, accumulate);
                if (accumulate) SmallGemm.MultiplyRowMajorB(a, aRs, aCs, b, n, c.AsSpan(5), n, m, k, n, accumulate: true);
                if (accumulate) for (int i = 5; i < c.Length; i++) c[i] /= 2;   // twice the product, exactly halved
                AssertMatchesReference(a, aRs, aCs, b, n, 1, c, 5, m, k, n, $"row-major B {m}x{k}x{n} acc={accumulate} Aᵀ={transposedA}");
                Assert.Equal(before[..5], c[..5]);

                // A·Bᵀ with both operands row-major along k.
                var bt = g.NextFloats(n * k);
                var c2 = new float[m * n];
                SmallGemm.MultiplyTransposedB(a.AsSpan(0, m * k), k, bt, k, c2, n, m, k, n, accumulate: false);
                AssertMatchesReference(a, k, 1, bt, 1, k, c2, 0, m, k, n, $"Bᵀ {m}x{k}x{n}");
            }
        }
        Assert.Throws<ArgumentException>(() =>
            SmallGemm.MultiplyRowMajorB(new float[m * k], k, 1, new float[k * n - 1], n, new float[m * n], n, m, k, n, false));
    }

    /// <summary>C as a column block of a wider matrix (row stride ldc > n): the product lands in its
    /// columns, accumulates when asked, and the columns around it are left alone.</summary>
    [Theory]
    [MemberData(nameof(SupportedPaths))]
    public void WritesIntoAColumnBlockOfAWiderMatrix(SimdPath path)
    {
        using var settings = ComputeSettings.Use(simdPath: path);
        var g = new Generator(6);
        foreach (var (m, k, n) in new[] { (5, 3, 4), (64, 32, 64), (37, 70, 19), (100, 9, 40) })
        {
            int ldc = n + 7, col = 3;
            var a = g.NextFloats(m * k);
            var b = g.NextFloats(k * n);
            var c = Enumerable.Repeat(9f, m * ldc).ToArray();
            Gemm.Multiply(a, 0, k, 1, b, 0, n, 1, c, col, m, k, n, ldc: ldc);
            var block = new float[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < ldc; j++)
                {
                    if (j >= col && j < col + n) block[i * n + j - col] = c[i * ldc + j];
                    else Assert.Equal(9f, c[i * ldc + j]);
                }
            AssertMatchesReference(a, k, 1, b, n, 1, block, 0, m, k, n, $"{path} {m}x{k}x{n} ldc={ldc}");
            Gemm.Multiply(a, 0, k, 1, b, 0, n, 1, c, col, m, k, n, accumulate: true, ldc: ldc);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) Assert.Equal(2 * block[i * n + j], c[i * ldc + col + j], 5);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Gemm.Multiply(new float[4], 0, 2, 1, new float[4], 0, 2, 1, new float[4], 0, 2, 2, 2, ldc: 1));
    }

    private static void AssertMatchesReference(
        float[] a, int aRs, int aCs, float[] b, int bRs, int bCs, float[] c, int cOff, int m, int k, int n, string what)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double term = (double)a[i * aRs + p * aCs] * b[p * bRs + j * bCs];
                    sum += term;
                    magnitude += Math.Abs(term);
                }
                // float32 accumulation of k terms: error below k·2^-24·sum|terms| (with margin).
                double tolerance = 1e-30 + (k + 2) * 1.2e-7 * magnitude;
                Assert.True(Math.Abs(c[cOff + i * n + j] - sum) <= tolerance, $"{what}: C[{i},{j}] = {c[cOff + i * n + j]} vs {sum}");
            }
    }
}

internal static class GeneratorTestExtensions
{
    public static float[] NextFloats(this Generator g, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(g.NextDouble() * 2 - 1);
        return values;
    }
}
