namespace Hebb;

/// <summary>
/// A region (typically one training step) whose tensors borrow their memory from the buffer pool and
/// give it back when the scope is disposed, so a steady-state step allocates almost nothing:
/// <code>using (TensorScope.Begin()) { var loss = ...; loss.Backward(); optimizer.Step(); }</code>
/// Tensors made inside must not be used after the scope ends (that fails with a clear error);
/// parameters, their gradients and optimiser state are made outside any scope and are unaffected.
/// Scopes nest; each one returns only its own tensors. Per thread.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;
    [ThreadStatic] private static Stack<TensorScope>? _spare;

    private readonly List<Storage> _storages = [];
    private TensorScope? _parent;
    private bool _suspended;

    private TensorScope() { }

    internal static TensorScope? Current => _current is { _suspended: false } ? _current : null;

    /// <summary>Opens a scope on this thread, nested in the current one if any; dispose it (a <c>using</c>) to end it.</summary>
    public static TensorScope Begin()
    {
        var scope = _spare is { Count: > 0 } ? _spare.Pop() : new TensorScope();
        scope._parent = _current;
        scope._suspended = false;
        _current = scope;
        return scope;
    }

    /// <summary>Tensors made while the returned handle is alive are ordinary, long-lived ones that outlive
    /// the current scope: use it for state carried from one step to the next (a recurrent state, a
    /// running average). <c>using (TensorScope.Suspend()) kept = x.Detach().Clone();</c></summary>
    public static SuspendHandle Suspend() => new(_current);

    internal void Track(Storage storage) => _storages.Add(storage);

    /// <summary>Ends the scope: the memory of every tensor made in it goes back to the pool, and the enclosing scope
    /// (if any) becomes current again.</summary>
    /// <exception cref="InvalidOperationException">Scopes are disposed out of the order they began in.</exception>
    public void Dispose()
    {
        if (!ReferenceEquals(_current, this))
            throw new InvalidOperationException("TensorScopes must be disposed in the reverse order of Begin");
        foreach (var s in _storages) s.ReturnToPool();
        _storages.Clear();
        _current = _parent;
        _parent = null;
        (_spare ??= new Stack<TensorScope>()).Push(this);
    }

    /// <summary>Ends a <see cref="Suspend"/> when disposed.</summary>
    public readonly struct SuspendHandle : IDisposable
    {
        private readonly TensorScope? _scope;
        private readonly bool _was;

        internal SuspendHandle(TensorScope? scope)
        {
            _scope = scope;
            _was = scope?._suspended ?? false;
            if (scope is not null) scope._suspended = true;
        }

        /// <summary>Allocations go back to the scope's pool.</summary>
        public void Dispose()
        {
            if (_scope is not null) _scope._suspended = _was;
        }
    }
}
