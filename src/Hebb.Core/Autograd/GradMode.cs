namespace Hebb.Autograd;

/// <summary>Whether ops record the graph. Per thread, like torch.no_grad.</summary>
public static class GradMode
{
    [ThreadStatic] private static bool _disabled;

    /// <summary>True when ops on this thread record the autograd graph (the default); false inside
    /// <see cref="NoGrad"/>. As torch.is_grad_enabled.</summary>
    public static bool IsEnabled => !_disabled;

    /// <summary>using (GradMode.NoGrad()) { ... } runs inference without recording a graph.</summary>
    public static NoGradScope NoGrad() => new(enable: false);

    /// <summary>Turns recording back on inside a no-grad region.</summary>
    public static NoGradScope EnableGrad() => new(enable: true);

    /// <summary>The handle returned by <see cref="NoGrad"/> and <see cref="EnableGrad"/>: disposing it restores
    /// the grad mode this thread had before.</summary>
    public readonly struct NoGradScope : IDisposable
    {
        private readonly bool _previousDisabled;

        internal NoGradScope(bool enable)
        {
            _previousDisabled = _disabled;
            _disabled = !enable;
        }

        /// <summary>Restores the grad mode that was in force when the scope began.</summary>
        public void Dispose() => _disabled = _previousDisabled;
    }

    /// <summary>True when an op with these inputs must record a node.</summary>
    internal static bool ShouldRecord(Tensor a) => !_disabled && a.RequiresGrad;
    internal static bool ShouldRecord(Tensor a, Tensor b) => !_disabled && (a.RequiresGrad || b.RequiresGrad);
    internal static bool ShouldRecord(ReadOnlySpan<Tensor?> inputs)
    {
        if (_disabled) return false;
        foreach (var t in inputs) if (t is { RequiresGrad: true }) return true;
        return false;
    }
}
