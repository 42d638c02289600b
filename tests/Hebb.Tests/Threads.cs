namespace Hebb.Tests;

/// <summary>Runs a piece of a test with a given kernel thread count, then restores the previous one.</summary>
public static class Threads
{
    public static T With<T>(int threads, Func<T> body)
    {
        int saved = Parallelism.MaxThreads;
        Parallelism.MaxThreads = threads;
        try
        {
            return body();
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }
}
