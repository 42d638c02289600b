namespace Hebb.Autograd;

/// <summary>
/// One recorded op in the graph: its inputs, the tensors its backward needs, and how to turn the
/// gradient of its output into gradients of its inputs. Each op's Node subclass sits in the same file
/// as the op's forward. A subclass declares what it keeps with <see cref="SaveForBackward"/> and reads
/// it back with <see cref="Saved"/>; the base class drops inputs and saved tensors after the backward
/// (unless the graph is retained), so no subclass has to remember to. An input may be null (an
/// optional bias that was not given): it gets no gradient.
/// Users write their own differentiable ops with <see cref="Function"/>, which is built on this class.
/// </summary>
internal abstract class Node
{
    private Tensor?[]? _inputs;
    private Tensor?[]? _saved;

    protected Node(params Tensor?[] inputs) => _inputs = inputs;

    /// <summary>A node over <paramref name="inputs"/> that also keeps <paramref name="saveForBackward"/>
    /// (see <see cref="SaveForBackward"/>): the form for a primary constructor.</summary>
    protected Node(Tensor?[] inputs, Tensor?[] saveForBackward) => (_inputs, _saved) = (inputs, saveForBackward);

    /// <summary>Op name for messages and printing, e.g. "MulBackward".</summary>
    public virtual string Name => GetType().Name;

    public bool Freed => _inputs is null;

    /// <summary>The op's inputs, in the order its backward returns their gradients; null for an absent optional one.</summary>
    public Tensor?[] Inputs => _inputs ?? throw GraphFreed();

    public int InputCount => Inputs.Length;

    /// <summary>Gradients for each input (null where the input needs none), given the output's gradient.
    /// Called with grad mode off: backward formulas are written with ordinary tensor ops.</summary>
    public abstract Tensor?[] Backward(Tensor gradOutput);

    /// <summary>Declares the tensors (besides the inputs) that the backward needs, such as the output or a
    /// mask; they live as long as the graph does. Call once, from the constructor.</summary>
    protected void SaveForBackward(params Tensor?[] tensors) => _saved = tensors;

    /// <summary>Saved tensor <paramref name="index"/>, as given to <see cref="SaveForBackward"/>.</summary>
    protected Tensor Saved(int index) => SavedOrNull(index)
        ?? throw new InvalidOperationException($"{Name}: saved tensor {index} was null");

    /// <summary>Saved tensor <paramref name="index"/>, which may have been saved as null.</summary>
    protected Tensor? SavedOrNull(int index)
    {
        if (_inputs is null) throw GraphFreed();
        if (_saved is null || (uint)index >= (uint)_saved.Length)
            throw new InvalidOperationException($"{Name}: no saved tensor {index} (SaveForBackward saved {_saved?.Length ?? 0})");
        return _saved[index];
    }

    /// <summary>Input <paramref name="index"/>; it must be present.</summary>
    protected Tensor Input(int index) => Inputs[index] ?? throw new InvalidOperationException($"{Name}: input {index} is absent");

    /// <summary>Whether input <paramref name="index"/> is present and wants a gradient.</summary>
    protected bool NeedsGrad(int index) => index < InputCount && Inputs[index] is { RequiresGrad: true };

    /// <summary>Drops inputs and saved tensors so their memory can go; a second Backward then fails clearly.</summary>
    internal void Release()
    {
        _inputs = null;
        _saved = null;
    }

    internal InvalidOperationException GraphFreed() => new(
        $"Backward through a graph that has already been freed ({Name}): the first Backward() released the saved tensors. " +
        "Call Backward(retainGraph: true) the first time if you need to go back through the graph twice.");
}
