namespace Hebb.Autograd;

/// <summary>
/// Your own differentiable op, as <c>torch.autograd.Function</c>: write the forward with any tensor code
/// (it runs without recording a graph) and the backward as a formula for the inputs' gradients; the
/// autograd engine then treats it like a built-in op.
/// <example>
/// <code>
/// // y = x · e^x, with dy/dx = e^x · (1 + x)
/// sealed class XExpX : Function
/// {
///     protected override Tensor Forward(FunctionContext ctx, Tensor?[] inputs)
///     {
///         var x = inputs[0]!;
///         var ex = x.Exp();
///         ctx.SaveForBackward(x, ex);
///         return x.Mul(ex);
///     }
///
///     protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
///     {
///         var (x, ex) = (ctx.Saved(0), ctx.Saved(1));
///         return [ctx.NeedsInputGrad(0) ? gradOutput.Mul(ex).Mul(x.Add(1.0)) : null];
///     }
/// }
///
/// var y = new XExpX().Apply(x);   // y.Backward() fills x.Grad
/// </code>
/// </example>
/// One instance may be applied any number of times, from any thread: per-call state belongs in the
/// <see cref="FunctionContext"/>, not in fields.
/// </summary>
public abstract class Function
{
    /// <summary>Runs <see cref="Forward"/> on <paramref name="inputs"/> (null for an absent optional input)
    /// and, when grad mode is on and an input requires grad, records the call so that
    /// <see cref="Tensor.Backward"/> reaches <see cref="Backward"/>.</summary>
    public Tensor Apply(params Tensor?[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var context = new FunctionContext(inputs);
        Tensor output;
        using (GradMode.NoGrad()) output = Forward(context, inputs);
        if (output is null) throw new InvalidOperationException($"{GetType().Name}.Forward returned null: return the output tensor");
        if (!GradMode.ShouldRecord(inputs)) return output;
        if (!output.DType.IsFloatingPoint())
            throw new InvalidOperationException(
                $"{GetType().Name}.Forward returned a {output.DType.Name()} tensor: only float outputs can carry a gradient");
        // The output gets this call as its origin; an input handed straight back must not lose its own.
        if (!output.IsLeaf || output.RequiresGrad || Array.IndexOf(inputs, output) >= 0) output = output.Detach();
        output.GradFn = new FunctionNode(this, context, inputs);
        return output;
    }

    /// <summary>The forward computation, run without recording a graph. Save what the backward needs with
    /// <see cref="FunctionContext.SaveForBackward"/>.</summary>
    protected abstract Tensor Forward(FunctionContext ctx, Tensor?[] inputs);

    /// <summary>The gradient of each input, in input order (null where an input needs none), given the
    /// gradient of the output. Each must have its input's shape and dtype.</summary>
    protected abstract Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput);

    private sealed class FunctionNode(Function function, FunctionContext context, Tensor?[] inputs) : Node(inputs)
    {
        public override string Name => function.GetType().Name + "Backward";

        public override Tensor?[] Backward(Tensor gradOutput)
        {
            if (Freed) throw GraphFreed();
            return function.Backward(context, gradOutput);
        }
    }
}

/// <summary>What one call of a <see cref="Function"/> keeps between its forward and its backward.</summary>
public sealed class FunctionContext
{
    private readonly Tensor?[] _inputs;
    private Tensor?[] _saved = [];

    internal FunctionContext(Tensor?[] inputs) => _inputs = inputs;

    /// <summary>Keeps tensors for the backward (inputs, outputs or intermediates). A later call replaces
    /// the earlier set.</summary>
    public void SaveForBackward(params Tensor?[] tensors) => _saved = tensors ?? [];

    /// <summary>Saved tensor <paramref name="index"/>.</summary>
    public Tensor Saved(int index)
    {
        if ((uint)index >= (uint)_saved.Length)
            throw new ArgumentOutOfRangeException(nameof(index), $"no saved tensor {index}: SaveForBackward saved {_saved.Length}");
        return _saved[index] ?? throw new InvalidOperationException($"saved tensor {index} is null");
    }

    /// <summary>How many tensors were saved.</summary>
    public int SavedCount => _saved.Length;

    /// <summary>Whether input <paramref name="index"/> is present and requires a gradient: the backward can
    /// skip the gradients nobody needs.</summary>
    public bool NeedsInputGrad(int index) => (uint)index < (uint)_inputs.Length && _inputs[index] is { RequiresGrad: true };
}
