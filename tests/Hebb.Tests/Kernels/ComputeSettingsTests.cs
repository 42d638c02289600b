namespace Hebb.Tests.Kernels;

/// <summary>The thread count and SIMD path are scoped: a scope changes them for its own flow only and
/// restores them on dispose, so tests running side by side cannot change each other's settings.</summary>
public class ComputeSettingsTests
{
    [Fact]
    public void AScopeSetsAndRestoresNestedValues()
    {
        int outerThreads = ComputeSettings.Threads;
        var outerPath = ComputeSettings.SimdPath;
        using (ComputeSettings.Use(threads: 3, simdPath: SimdPath.Portable))
        {
            Assert.Equal(3, ComputeSettings.Threads);
            Assert.Equal(SimdPath.Portable, ComputeSettings.SimdPath);
            using (ComputeSettings.Use(threads: 1))
            {
                Assert.Equal(1, ComputeSettings.Threads);
                Assert.Equal(SimdPath.Portable, ComputeSettings.SimdPath); // kept from the enclosing scope
            }
            Assert.Equal(3, ComputeSettings.Threads);
        }
        Assert.Equal(outerThreads, ComputeSettings.Threads);
        Assert.Equal(outerPath, ComputeSettings.SimdPath);
    }

    [Fact]
    public async Task TasksStartedInsideAScopeSeeIt()
    {
        using var scope = ComputeSettings.Use(threads: 5);
        Assert.Equal(5, await Task.Run(() => ComputeSettings.Threads));
        var seen = new int[4];
        Parallel.For(0, 4, i => seen[i] = ComputeSettings.Threads);
        Assert.All(seen, t => Assert.Equal(5, t));
    }

    [Fact]
    public void AnotherThreadIsNotAffected()
    {
        using var started = new ManualResetEventSlim();
        using var check = new ManualResetEventSlim();
        int seen = 0;
        Thread other;
        using (ExecutionContext.SuppressFlow())
        {
            other = new Thread(() =>
            {
                started.Set();
                check.Wait();
                seen = ComputeSettings.Threads;
            });
            other.Start();
        }
        started.Wait();
        using (ComputeSettings.Use(threads: 7))
        {
            check.Set();
            other.Join();
        }
        Assert.Equal(Environment.ProcessorCount, seen);
    }

    [Fact]
    public void MisuseIsRefusedClearly()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ComputeSettings.Use(threads: 0));
        Assert.Contains("threads must be at least 1", e.Message);
        var outer = ComputeSettings.Use(threads: 2);
        var inner = ComputeSettings.Use(threads: 1);
        var wrongOrder = Assert.Throws<InvalidOperationException>(() => outer.Dispose());
        Assert.Contains("reverse order", wrongOrder.Message);
        inner.Dispose();
        outer.Dispose();
        default(ComputeSettings.Scope).Dispose(); // a default scope is harmless
    }
}
