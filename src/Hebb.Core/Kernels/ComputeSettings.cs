using System.Runtime.Intrinsics.X86;

namespace Hebb;

/// <summary>The SIMD instruction sets Hebb's matrix and convolution kernels can use, widest first.</summary>
public enum SimdPath
{
    /// <summary>512-bit vectors (AVX-512F).</summary>
    Avx512,

    /// <summary>256-bit vectors with fused multiply-add (AVX2 and FMA).</summary>
    Avx2,

    /// <summary>128-bit vectors (.NET's Vector128), on any CPU.</summary>
    Portable,
}

/// <summary>
/// How Hebb's kernels run: how many threads they may use and which SIMD path they take. Both are
/// ambient and scoped, like <c>GradMode.NoGrad()</c>: <c>using (ComputeSettings.Use(threads: 1)) { ... }</c>
/// changes them for the code inside the block, on this thread and in the tasks it starts (the value
/// flows with .NET's execution context, so <c>Parallel.For</c> and <c>Task.Run</c> inside the block
/// see it), and the previous values come back when the scope is disposed. Outside any scope the
/// kernels use every core and the widest path the CPU supports.
/// Results do not depend on the thread count: kernels split their output among threads, never a sum.
/// </summary>
public static class ComputeSettings
{
    private static readonly AsyncLocal<Frame?> Current = new();

    /// <summary>The widest path this CPU supports (it honours <c>DOTNET_EnableAVX512=0</c> and
    /// <c>DOTNET_EnableAVX2=0</c>).</summary>
    public static SimdPath DetectedSimdPath { get; } =
        Avx512F.IsSupported ? SimdPath.Avx512 : Avx2.IsSupported && Fma.IsSupported ? SimdPath.Avx2 : SimdPath.Portable;

    /// <summary>The most threads a kernel may use here: the innermost scope's value, else the core count.</summary>
    public static int Threads => Current.Value?.Threads ?? Environment.ProcessorCount;

    /// <summary>The SIMD path kernels take here: the innermost scope's value, else <see cref="DetectedSimdPath"/>.</summary>
    public static SimdPath SimdPath => Current.Value?.SimdPath ?? DetectedSimdPath;

    /// <summary>Whether this CPU can run <paramref name="path"/>.</summary>
    public static bool IsSupported(SimdPath path) => path switch
    {
        SimdPath.Avx512 => Avx512F.IsSupported,
        SimdPath.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };

    /// <summary>Starts a scope with the given thread count and/or SIMD path (a null keeps the value of the
    /// enclosing scope). Dispose it, in the reverse order of creation, to restore the previous values.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is below 1.</exception>
    /// <exception cref="PlatformNotSupportedException">This CPU cannot run <paramref name="simdPath"/>.</exception>
    public static Scope Use(int? threads = null, SimdPath? simdPath = null)
    {
        if (threads < 1)
            throw new ArgumentOutOfRangeException(nameof(threads), $"threads must be at least 1, got {threads}");
        if (simdPath is { } p && !IsSupported(p))
            throw new PlatformNotSupportedException($"simdPath {p} is not supported on this CPU (it supports {DetectedSimdPath})");
        var outer = Current.Value;
        var frame = new Frame(
            threads ?? outer?.Threads ?? Environment.ProcessorCount, simdPath ?? outer?.SimdPath ?? DetectedSimdPath, outer);
        Current.Value = frame;
        return new Scope(frame);
    }

    internal sealed record Frame(int Threads, SimdPath SimdPath, Frame? Outer);

    /// <summary>A <see cref="Use"/> scope: disposing it restores the settings that were in force before.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly Frame? _frame;

        internal Scope(Frame frame) => _frame = frame;

        /// <summary>Restores the previous settings. Scopes must end in the reverse order of their start.</summary>
        public void Dispose()
        {
            if (_frame is null) return;
            if (!ReferenceEquals(Current.Value, _frame))
                throw new InvalidOperationException(
                    "ComputeSettings scopes must be disposed in the reverse order of Use, " +
                    "on the flow that started them (use them with 'using')");
            Current.Value = _frame.Outer;
        }
    }
}
