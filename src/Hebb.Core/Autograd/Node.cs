namespace Hebb.Autograd;

/// <summary>
/// One recorded op in the graph: it knows its inputs and how to turn the gradient of its output
/// into gradients of its inputs. Each op's Node subclass sits in the same file as the op's forward.
/// </summary>
internal abstract class Node
{
    private Tensor[]? _inputs;

    protected Node(params Tensor[] inputs) => _inputs = inputs;

    /// <summary>Op name for messages and printing, e.g. "MulBackward".</summary>
    public virtual string Name => GetType().Name;

    public bool Freed => _inputs is null;

    public Tensor[] Inputs => _inputs ?? throw GraphFreed();

    /// <summary>Gradients for each input (null where the input needs none), given the output's gradient.
    /// Called with grad mode off: backward formulas are written with ordinary tensor ops.</summary>
    public abstract Tensor?[] Backward(Tensor gradOutput);

    /// <summary>Drops saved tensors so their memory can go; a second Backward then fails clearly.</summary>
    public virtual void Release() => _inputs = null;

    protected bool NeedsGrad(int input) => Inputs[input].RequiresGrad;

    internal InvalidOperationException GraphFreed() => new(
        $"Backward through a graph that has already been freed ({Name}): the first Backward() released the saved tensors. " +
        "Call Backward(retainGraph: true) the first time if you need to go back through the graph twice.");
}
