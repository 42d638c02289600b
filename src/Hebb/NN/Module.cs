using System.Collections.Concurrent;
using System.Reflection;
using Hebb.Autograd;

namespace Hebb.NN;

/// <summary>
/// Base of every layer and model: holds named parameters, buffers and child modules, so that
/// <see cref="NamedParameters"/> yields PyTorch-style dotted names ("0.weight", "fc1.bias") and
/// state dicts round-trip through safetensors. Children and parameters keep registration order.
/// A module's layers and weights must be registered (<see cref="RegisterModule{T}"/>,
/// <see cref="RegisterParameter"/>, or <see cref="RegisterComponents"/> for all its fields at once):
/// a field holding a module or a trainable tensor that is not would be left out of
/// <see cref="Parameters"/> (never trained) and of <see cref="StateDict"/> (never saved), so the first
/// call that walks the module refuses it, naming the field.
/// </summary>
public abstract class Module
{
    private readonly List<KeyValuePair<string, Tensor>> _parameters = [];
    private readonly List<KeyValuePair<string, Tensor>> _buffers = [];
    private readonly List<KeyValuePair<string, Module>> _children = [];
    private bool _fieldsChecked;

    // Per type: the instance fields that can hold a module, modules or a tensor (reflection runs once per type).
    private static readonly ConcurrentDictionary<Type, FieldInfo[]> ComponentFields = new();
    private static readonly ConcurrentDictionary<Type, FieldInfo[]> GeneratorFields = new();

    /// <summary>True in training mode (dropout active, batch statistics used); see <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Maps one input tensor to one output tensor. Layers with other signatures add their own overloads.</summary>
    public virtual Tensor Forward(Tensor input) =>
        throw new NotSupportedException($"{GetType().Name} does not map a single tensor to a tensor");

    /// <summary>Registers <paramref name="value"/> as a trainable parameter of this module (as torch's
    /// register_parameter): it sets RequiresGrad, and the tensor then appears in <see cref="Parameters"/> and
    /// <see cref="StateDict"/> under this module's path plus <paramref name="name"/>. Returns the tensor.</summary>
    /// <param name="name">The parameter's name within this module, e.g. "weight": non-empty, no '.', not yet taken.</param>
    /// <param name="value">A contiguous leaf tensor holding the initial values.</param>
    /// <exception cref="ArgumentException">The name is empty, contains '.' or is taken, or the tensor is not a contiguous leaf.</exception>
    protected Tensor RegisterParameter(string name, Tensor value)
    {
        CheckName(name);
        if (!value.IsLeaf || !value.IsContiguous) throw new ArgumentException($"parameter '{name}' must be a contiguous leaf tensor");
        value.RequiresGrad = true;
        _parameters.Add(new(name, value));
        return value;
    }

    /// <summary>State that is saved and loaded but not trained (e.g. running statistics), as torch's
    /// register_buffer; returns the tensor.</summary>
    /// <param name="name">The buffer's name within this module: non-empty, no '.', not yet taken.</param>
    /// <param name="value">The initial values.</param>
    /// <exception cref="ArgumentException">The name is empty, contains '.' or is already taken.</exception>
    protected Tensor RegisterBuffer(string name, Tensor value)
    {
        CheckName(name);
        _buffers.Add(new(name, value));
        return value;
    }

    /// <summary>Registers <paramref name="module"/> as a child of this module (as torch's add_module), so its
    /// parameters appear as "name.weight" and so on; returns the module, for
    /// <c>Fc1 = RegisterModule("fc1", new Linear(...))</c>.</summary>
    /// <typeparam name="T">The child's type, kept for the return value.</typeparam>
    /// <param name="name">The child's name within this module: non-empty, no '.', not yet taken.</param>
    /// <param name="module">The child module.</param>
    /// <exception cref="ArgumentException">The name is empty, contains '.' or is already taken.</exception>
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

    /// <summary>Registers every field of this module that holds a module (as a child) or a tensor that
    /// requires grad (as a parameter) and is not registered yet, under the field's name (a leading
    /// underscore dropped; a property's own name). Call it at the end of the constructor, as TorchSharp's
    /// RegisterComponents.</summary>
    protected void RegisterComponents()
    {
        var modules = Subtree();
        var parameters = SubtreeParameters(modules);
        foreach (var field in FieldsOf(GetType()))
        {
            switch (field.GetValue(this))
            {
                case Module m when !modules.Contains(m):
                    RegisterModule(MemberName(field), m);
                    modules.Add(m);
                    break;
                case Tensor t when t.IsLeaf && t.RequiresGrad && !parameters.Contains(t):
                    RegisterParameter(MemberName(field), t);
                    parameters.Add(t);
                    break;
            }
        }
    }

    /// <summary>Refuses a field that holds an unregistered module or trainable tensor (once per module,
    /// when something first walks it).</summary>
    private void CheckComponentsRegistered()
    {
        if (_fieldsChecked) return;
        var fields = FieldsOf(GetType());
        if (fields.Length > 0)
        {
            var modules = Subtree();
            HashSet<Tensor>? parameters = null;
            foreach (var field in fields)
            {
                object? value = field.GetValue(this);
                IEnumerable<Module> held = value switch
                {
                    Module m => [m],
                    IEnumerable<Module> many => many,
                    _ => [],
                };
                foreach (var m in held)
                {
                    if (m is null || modules.Contains(m)) continue;
                    throw new InvalidOperationException(
                        $"{GetType().Name}.{MemberName(field)} holds a {m.GetType().Name} that is not registered, so its weights would " +
                        $"never be trained or saved: call RegisterModule(\"{MemberName(field)}\", ...) in the constructor, or " +
                        "RegisterComponents() at its end");
                }
                if (value is Tensor t && t.IsLeaf && t.RequiresGrad && !(parameters ??= SubtreeParameters(modules)).Contains(t))
                    throw new InvalidOperationException(
                        $"{GetType().Name}.{MemberName(field)} holds a tensor that requires grad but is not registered, so it would " +
                        $"never be trained or saved: call RegisterParameter(\"{MemberName(field)}\", ...) in the constructor, or " +
                        "RegisterComponents() at its end");
            }
        }
        _fieldsChecked = true;
    }

    private HashSet<Module> Subtree()
    {
        var set = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Module>([this]);
        while (stack.Count > 0)
        {
            var m = stack.Pop();
            if (!set.Add(m)) continue;
            foreach (var (_, child) in m._children) stack.Push(child);
        }
        return set;
    }

    private static HashSet<Tensor> SubtreeParameters(HashSet<Module> modules)
    {
        var set = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var m in modules)
            foreach (var (_, p) in m._parameters) set.Add(p);
        return set;
    }

    private static FieldInfo[] FieldsOf(Type type) => ComponentFields.GetOrAdd(type, static t =>
    {
        var fields = new List<FieldInfo>();
        for (var c = t; c is not null && c != typeof(Module); c = c.BaseType)
            foreach (var f in c.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                if (typeof(Module).IsAssignableFrom(f.FieldType) || f.FieldType == typeof(Tensor)
                    || typeof(IEnumerable<Module>).IsAssignableFrom(f.FieldType) || f.FieldType == typeof(object))
                    fields.Add(f);
        return [.. fields];
    });

    /// <summary>A field's name as the user wrote it: a property's name for its backing field, no leading underscore.</summary>
    private static string MemberName(FieldInfo field)
    {
        string name = field.Name;
        if (name.StartsWith('<') && name.IndexOf('>') is > 1 and var end) name = name[1..end];
        return name.TrimStart('_') is { Length: > 0 } trimmed ? trimmed : name;
    }

    /// <summary>The direct children with their names, in registration order (torch's named_children).</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedChildren() => _children;

    /// <summary>This module and all below it, with dotted paths ("" for this one).</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedModules(string prefix = "")
    {
        CheckComponentsRegistered();
        yield return new(prefix, this);
        foreach (var (name, child) in _children)
            foreach (var m in child.NamedModules(Join(prefix, name))) yield return m;
    }

    /// <summary>Every trainable parameter of this module and the modules below it, with dotted names such as
    /// "0.weight" or "fc1.bias", in registration order (torch's named_parameters).</summary>
    /// <exception cref="InvalidOperationException">A field holds a module or a trainable tensor that was never registered.</exception>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters()
    {
        foreach (var (path, module) in NamedModules())
            foreach (var (name, p) in module._parameters) yield return new(Join(path, name), p);
    }

    /// <summary>Every trainable parameter of this module and the modules below it, in
    /// <see cref="NamedParameters"/> order: what an optimiser is given (torch's parameters()).</summary>
    /// <exception cref="InvalidOperationException">A field holds a module or a trainable tensor that was never registered.</exception>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Value);

    /// <summary>The saved but untrained state (such as BatchNorm's running_mean) of this module and the modules
    /// below it, with dotted names (torch's named_buffers).</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedBuffers()
    {
        foreach (var (path, module) in NamedModules())
            foreach (var (name, b) in module._buffers) yield return new(Join(path, name), b);
    }

    /// <summary>The random generators this module and the modules below it hold (dropout masks, for instance), with
    /// dotted names such as "3.generator": what a checkpoint saves so that a resumed run draws the same masks.</summary>
    public IEnumerable<KeyValuePair<string, Generator>> NamedGenerators()
    {
        foreach (var (path, module) in NamedModules())
            foreach (var field in GeneratorFieldsOf(module.GetType()))
                if (field.GetValue(module) is Generator g) yield return new(Join(path, MemberName(field)), g);
    }

    private static FieldInfo[] GeneratorFieldsOf(Type type) => GeneratorFields.GetOrAdd(type, static t =>
    {
        var fields = new List<FieldInfo>();
        for (var c = t; c is not null && c != typeof(Module); c = c.BaseType)
            foreach (var f in c.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                if (f.FieldType == typeof(Generator)) fields.Add(f);
        return [.. fields];
    });

    /// <summary>Number of trainable values: the classic 784-16-16-10 sigmoid network (as in 3Blue1Brown's
    /// 'But what is a neural network?' and Nielsen's book) has 13,002.</summary>
    public long ParameterCount => Parameters().Sum(p => (long)p.Numel);

    /// <summary>Puts this module and every module below it in training mode, or in eval mode when
    /// <paramref name="mode"/> is false, and returns this module (torch's train(mode)).</summary>
    /// <param name="mode">True for training mode (dropout active, batch statistics), false for eval mode.</param>
    public Module Train(bool mode = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = mode;
        return this;
    }

    /// <summary>Puts this module and every module below it in eval mode (dropout off, BatchNorm on its running
    /// statistics) and returns this module: <c>Train(false)</c>, as torch's eval().</summary>
    public Module Eval() => Train(false);

    /// <summary>Clears the parameters' gradients: zero-filled in place by default, so the next backward
    /// reuses the buffers (no allocation per step), or set to null with setToNone.</summary>
    public void ZeroGrad(bool setToNone = false)
    {
        foreach (var p in Parameters()) p.ClearGrad(setToNone);
    }

    /// <summary>Parameters then buffers, by dotted name, in registration order; what
    /// <see cref="LoadStateDict"/> takes back.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> StateDict() => [.. NamedParameters(), .. NamedBuffers()];

    /// <summary>Copies values into this module's tensors (so optimisers holding them stay valid): a
    /// <see cref="StateDict"/> of the same architecture, or any name-to-tensor map. Missing or unexpected
    /// names and shape mismatches are errors that name the tensor; <paramref name="strict"/> false
    /// loads the names both sides have and skips the rest.</summary>
    public void LoadStateDict(IEnumerable<KeyValuePair<string, Tensor>> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in stateDict)
            if (!state.TryAdd(name, tensor)) throw new ArgumentException($"the state dict names '{name}' twice", nameof(stateDict));
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

    /// <summary>The module tree as PyTorch prints it: the type name with <see cref="ExtraRepr"/> for a layer,
    /// e.g. "Linear(in_features=784, out_features=16, bias=True)", and each child indented on its own line.</summary>
    public override string ToString()
    {
        if (_children.Count == 0) return $"{GetType().Name}({ExtraRepr})";
        var lines = _children.Select(c => $"  ({c.Key}): " + c.Value.ToString().Replace("\n", "\n  "));
        return $"{GetType().Name}(\n{string.Join("\n", lines)}\n)";
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}
