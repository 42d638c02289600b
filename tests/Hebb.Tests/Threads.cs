namespace Hebb.Tests;

/// <summary>Runs a piece of a test with a given kernel thread count (a <see cref="ComputeSettings"/> scope).</summary>
public static class Threads
{
    public static T With<T>(int threads, Func<T> body)
    {
        using var settings = ComputeSettings.Use(threads: threads);
        return body();
    }
}
