namespace Hebb.Autograd;

/// <summary>Whether ops record the graph. Per thread, like torch.no_grad.</summary>
public static class GradMode
{
    [ThreadStatic] private static bool _disabled;

    public static bool IsEnabled => !_disabled;

    /// <summary>using (GradMode.NoGrad()) { ... } runs inference without recording a graph.</summary>
    public static NoGradScope NoGrad() => new(enable: false);

    /// <summary>Turns recording back on inside a no-grad region.</summary>
    public static NoGradScope EnableGrad() => new(enable: true);

    public readonly struct NoGradScope : IDisposable
    {
        private readonly bool _previousDisabled;

        internal NoGradScope(bool enable)
        {
            _previousDisabled = _disabled;
            _disabled = !enable;
        }

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
