namespace Hebb.NN;

/// <summary>Holds child modules named "0", "1", ... (torch.nn.ModuleList) for layers that are called
/// one by one with more than one argument, where a Sequential cannot chain them.</summary>
public sealed class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> _items = [];

    /// <summary>A list holding <paramref name="modules"/> in order (none when null), registered as "0", "1", ...</summary>
    /// <param name="modules">The initial modules, or null for an empty list.</param>
    public ModuleList(IEnumerable<T>? modules = null)
    {
        foreach (var m in modules ?? []) Add(m);
    }

    /// <summary>Appends <paramref name="module"/>, registered under the next index, and returns this list (for chaining).</summary>
    public ModuleList<T> Add(T module)
    {
        RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _items.Add(module);
        return this;
    }

    /// <summary>The module at <paramref name="index"/> (0-based).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside 0..Count - 1.</exception>
    public T this[int index] => _items[index];
    /// <summary>The number of modules held.</summary>
    public int Count => _items.Count;
    /// <summary>The modules in order.</summary>
    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
