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
    private Tensor?[]? _saved;      // two or more saved tensors
    private Tensor? _savedOne;      // the common case, one saved tensor, kept without an array (one node per op per step)
    private int _savedCount;

    protected Node(params Tensor?[] inputs) => _inputs = inputs;

    /// <summary>A node over <paramref name="inputs"/> that also keeps <paramref name="saveForBackward"/>
    /// (see <see cref="SaveForBackward"/>): the form for a primary constructor.</summary>
    protected Node(Tensor?[] inputs, Tensor?[] saveForBackward) =>
        (_inputs, _saved, _savedCount) = (inputs, saveForBackward, saveForBackward.Length);

    /// <summary>A node over <paramref name="inputs"/> that keeps one tensor for its backward (which may be null).</summary>
    protected Node(Tensor?[] inputs, Tensor? saveForBackward) => (_inputs, _savedOne, _savedCount) = (inputs, saveForBackward, 1);

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
    protected void SaveForBackward(params Tensor?[] tensors) => (_saved, _savedOne, _savedCount) = (tensors, null, tensors.Length);

    /// <summary>Saved tensor <paramref name="index"/>, as given to <see cref="SaveForBackward"/>.</summary>
    protected Tensor Saved(int index) => SavedOrNull(index)
        ?? throw new InvalidOperationException($"{Name}: saved tensor {index} was null");

    /// <summary>Saved tensor <paramref name="index"/>, which may have been saved as null.</summary>
    protected Tensor? SavedOrNull(int index)
    {
        if (_inputs is null) throw GraphFreed();
        if ((uint)index >= (uint)_savedCount)
            throw new InvalidOperationException($"{Name}: no saved tensor {index} (SaveForBackward saved {_savedCount})");
        return _saved is null ? _savedOne : _saved[index];
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
        _savedOne = null;
    }

    internal InvalidOperationException GraphFreed() => new(
        $"Backward through a graph that has already been freed ({Name}): the first Backward() released the saved tensors. " +
        "Call Backward(retainGraph: true) the first time if you need to go back through the graph twice.");
}
