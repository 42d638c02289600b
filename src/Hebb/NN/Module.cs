using Hebb.Autograd;

namespace Hebb.NN;

/// <summary>
/// Base of every layer and model: holds named parameters, buffers and child modules, so that
/// <see cref="NamedParameters"/> yields PyTorch-style dotted names ("0.weight", "fc1.bias") and
/// state dicts round-trip through safetensors. Children and parameters keep registration order.
/// </summary>
public abstract class Module
{
    private readonly List<KeyValuePair<string, Tensor>> _parameters = [];
    private readonly List<KeyValuePair<string, Tensor>> _buffers = [];
    private readonly List<KeyValuePair<string, Module>> _children = [];

    /// <summary>True in training mode (dropout active, batch statistics used); see <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Maps one input tensor to one output tensor. Layers with other signatures add their own overloads.</summary>
    public virtual Tensor Forward(Tensor input) =>
        throw new NotSupportedException($"{GetType().Name} does not map a single tensor to a tensor");

    protected Tensor RegisterParameter(string name, Tensor value)
    {
        CheckName(name);
        if (!value.IsLeaf || !value.IsContiguous) throw new ArgumentException($"parameter '{name}' must be a contiguous leaf tensor");
        value.RequiresGrad = true;
        _parameters.Add(new(name, value));
        return value;
    }

    /// <summary>State that is saved and loaded but not trained (e.g. running statistics).</summary>
    protected Tensor RegisterBuffer(string name, Tensor value)
    {
        CheckName(name);
        _buffers.Add(new(name, value));
        return value;
    }

    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name);
        _children.Add(new(name, module));
        return module;
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"invalid name '{name}': names must be non-empty and contain no '.'");
        if (_parameters.Any(p => p.Key == name) || _buffers.Any(b => b.Key == name) || _children.Any(c => c.Key == name))
            throw new ArgumentException($"{GetType().Name} already has a member named '{name}'");
    }

    public IEnumerable<KeyValuePair<string, Module>> NamedChildren() => _children;

    /// <summary>This module and all below it, with dotted paths ("" for this one).</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedModules(string prefix = "")
    {
        yield return new(prefix, this);
        foreach (var (name, child) in _children)
            foreach (var m in child.NamedModules(Join(prefix, name))) yield return m;
    }

    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters()
    {
        foreach (var (path, module) in NamedModules())
            foreach (var (name, p) in module._parameters) yield return new(Join(path, name), p);
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Value);

    public IEnumerable<KeyValuePair<string, Tensor>> NamedBuffers()
    {
        foreach (var (path, module) in NamedModules())
            foreach (var (name, b) in module._buffers) yield return new(Join(path, name), b);
    }

    /// <summary>Number of trainable values (the seed network has 13,002).</summary>
    public long ParameterCount => Parameters().Sum(p => (long)p.Numel);

    public Module Train(bool mode = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = mode;
        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>Clears the parameters' gradients: zero-filled in place by default, so the next backward
    /// reuses the buffers (no allocation per step), or set to null with setToNone.</summary>
    public void ZeroGrad(bool setToNone = false)
    {
        foreach (var p in Parameters()) p.ClearGrad(setToNone);
    }

    /// <summary>Parameters then buffers, by dotted name, in registration order.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> StateDict() => [.. NamedParameters(), .. NamedBuffers()];

    /// <summary>Copies values into this module's tensors (so optimisers holding them stay valid).
    /// Missing or unexpected names and shape mismatches are errors that name the tensor.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var own = StateDict();
        var missing = own.Where(kv => !state.ContainsKey(kv.Key)).Select(kv => kv.Key).ToList();
        var unexpected = state.Keys.Where(k => own.All(kv => kv.Key != k)).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new InvalidDataException($"state dict does not match {GetType().Name}: " +
                $"missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]");
        using var _ = GradMode.NoGrad();
        foreach (var (name, tensor) in own)
        {
            if (!state.TryGetValue(name, out var value)) continue;
            if (!ShapeUtil.SameShape(value.Shape, tensor.Shape))
                throw new InvalidDataException(
                    $"'{name}': saved shape {ShapeUtil.Format(value.Shape)} does not match the model's {ShapeUtil.Format(tensor.Shape)}");
            tensor.CopyFrom(value);
        }
    }

    /// <summary>One line describing this module's own settings, e.g. "in_features=784, out_features=16".</summary>
    protected virtual string ExtraRepr => "";

    public override string ToString()
    {
        if (_children.Count == 0) return $"{GetType().Name}({ExtraRepr})";
        var lines = _children.Select(c => $"  ({c.Key}): " + c.Value.ToString().Replace("\n", "\n  "));
        return $"{GetType().Name}(\n{string.Join("\n", lines)}\n)";
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}
