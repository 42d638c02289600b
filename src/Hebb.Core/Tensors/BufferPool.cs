namespace Hebb;

/// <summary>
/// Arrays kept for reuse, bucketed by exact length: a training step asks for the same sizes every
/// time, so after the first step every request is served from here. Reusing warm memory matters on
/// these machines, where the first touch of a fresh page costs about 10 µs. Rented arrays are
/// cleared unless the op that asks will write every element. One pool per thread (scopes are per thread), so no locks.
/// </summary>
internal static class BufferPool<T> where T : unmanaged
{
    [ThreadStatic] private static Dictionary<int, Stack<T[]>>? _free;

    /// <summary>An array of the given length; cleared unless the caller will overwrite every element.</summary>
    public static T[] Rent(int length, bool clear)
    {
        if (_free is not null && _free.TryGetValue(length, out var stack) && stack.TryPop(out var array))
        {
            if (clear) Array.Clear(array);
            return array;
        }
        return new T[length];
    }

    public static void Return(T[] array)
    {
        _free ??= [];
        if (!_free.TryGetValue(array.Length, out var stack)) _free[array.Length] = stack = new Stack<T[]>();
        stack.Push(array);
    }
}
