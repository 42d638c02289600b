namespace Hebb.Autograd;

/// <summary>Runs the backward pass: orders the recorded nodes so that each runs after every node that
/// uses its output, sums the gradients arriving from several uses, and accumulates into leaves' Grad.</summary>
internal static class Engine
{
    // Reused across calls (per thread) so a training step's backward allocates no collections.
    [ThreadStatic] private static List<Node>? _order;
    [ThreadStatic] private static HashSet<Node>? _visited;
    [ThreadStatic] private static Stack<(Node, int)>? _stack;
    [ThreadStatic] private static Dictionary<Node, Tensor>? _pending;

    public static void Backward(Tensor root, Tensor? gradient, bool retainGraph)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException(
                "Backward: the tensor does not require grad and has no recorded graph " +
                "(was it computed under NoGrad, or from tensors without RequiresGrad?)");
        if (gradient is null)
        {
            if (root.Numel != 1)
                throw new InvalidOperationException(
                    $"Backward on a non-scalar tensor of shape {ShapeUtil.Format(root.Shape)} " +
                    "needs an explicit gradient of the same shape");
            gradient = Tensor.OnesLike(root);
        }
        else if (!ShapeUtil.SameShape(gradient.Shape, root.Shape) || gradient.DType != root.DType)
        {
            throw new ArgumentException(
                $"Backward: gradient of shape {ShapeUtil.Format(gradient.Shape)} ({gradient.DType.Name()}) " +
                $"does not match the tensor's shape {ShapeUtil.Format(root.Shape)} ({root.DType.Name()})");
        }

        using var _ = GradMode.NoGrad();
        if (root.GradFn is null)
        {
            AccumulateLeaf(root, gradient);
            return;
        }

        var order = TopologicalOrder(root.GradFn);
        var pending = _pending ??= new Dictionary<Node, Tensor>(ReferenceEqualityComparer.Instance);
        pending.Clear();
        pending[root.GradFn] = gradient;
        try
        {
            Run(order, pending, retainGraph);
        }
        finally
        {
            order.Clear();
            pending.Clear();
        }
    }

    private static void Run(List<Node> order, Dictionary<Node, Tensor> pending, bool retainGraph)
    {
        foreach (var node in order)
        {
            if (!pending.Remove(node, out var grad)) continue;
            var inputs = node.Inputs;
            var inputGrads = node.Backward(grad);
            if (inputGrads.Length != inputs.Length)
                throw new InvalidOperationException(
                    $"{node.Name}.Backward returned {inputGrads.Length} gradients for {inputs.Length} inputs: " +
                    "return one per input, null where none");
            for (int i = 0; i < inputs.Length; i++)
            {
                var input = inputs[i];
                var g = inputGrads[i];
                if (g is null || input is null || !input.RequiresGrad) continue;
                if (!ShapeUtil.SameShape(g.Shape, input.Shape) || g.DType != input.DType)
                    throw new InvalidOperationException(
                        $"{node.Name}.Backward returned a gradient of shape {ShapeUtil.Format(g.Shape)} ({g.DType.Name()}) " +
                        $"for input {i} of shape {ShapeUtil.Format(input.Shape)} ({input.DType.Name()}): they must match");
                if (input.GradFn is null)
                    AccumulateLeaf(input, g);
                else if (pending.TryGetValue(input.GradFn, out var existing))
                    pending[input.GradFn] = existing.Add(g);
                else
                    pending[input.GradFn] = g;
            }
            if (!retainGraph) node.Release();
        }
    }

    private static void AccumulateLeaf(Tensor leaf, Tensor grad)
    {
        if (leaf.Grad is null)
        {
            // A copy (the same gradient tensor may flow to several leaves) that outlives any TensorScope.
            using var _ = TensorScope.Suspend();
            leaf.Grad = grad.Clone();
        }
        else
            leaf.Grad.AddInPlace(grad);
    }

    /// <summary>Nodes in an order where every node comes before the nodes that produced its inputs
    /// (iterative DFS, so deep graphs such as long RNN unrolls cannot overflow the stack).</summary>
    private static List<Node> TopologicalOrder(Node root)
    {
        var postOrder = _order ??= [];
        var visited = _visited ??= new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = _stack ??= new Stack<(Node, int)>();
        postOrder.Clear();
        visited.Clear();
        stack.Clear();
        if (root.Freed) throw root.GraphFreed();
        visited.Add(root);
        stack.Push((root, 0));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            var inputs = node.Inputs;
            if (next < inputs.Length)
            {
                stack.Push((node, next + 1));
                var child = inputs[next]?.GradFn;
                if (child is not null && inputs[next]!.RequiresGrad && visited.Add(child))
                {
                    if (child.Freed) throw child.GraphFreed();
                    stack.Push((child, 0));
                }
            }
            else
            {
                postOrder.Add(node);
            }
        }
        postOrder.Reverse();
        visited.Clear();
        return postOrder;
    }
}
