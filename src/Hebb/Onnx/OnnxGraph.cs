using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Hebb.Onnx.Proto;

namespace Hebb.Onnx;

/// <summary>Builds one ONNX graph node by node: initializers, nodes with fresh output names, attributes.</summary>
internal sealed class OnnxGraph
{
    private int _next;

    public GraphProto Graph { get; } = new() { Name = "hebb" };

    /// <summary>A name not used before, from a readable stem.</summary>
    public string Fresh(string stem) => $"{stem}_{_next++}";

    /// <summary>A float32 initializer (raw little-endian bytes) of the given shape; returns its name.</summary>
    public string Float(string name, float[] data, params long[] dims)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX export needs a little-endian machine");
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan()));
        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>The tensor's values as a float32 initializer of its own shape.</summary>
    public string Float(string name, Tensor tensor) =>
        Float(name, tensor.Contiguous().ToFloatArray(), [.. tensor.ShapeArray.Select(d => (long)d)]);

    /// <summary>An int64 initializer; returns its name.</summary>
    public string Int64(string name, long[] data, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.AddRange(dims);
        t.Int64Data.AddRange(data);
        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>A float32 scalar initializer (shape []).</summary>
    public string Scalar(string stem, float value) => Float(Fresh(stem), [value]);

    /// <summary>Adds a node of <paramref name="op"/> with one fresh output and returns that output's name.</summary>
    public string Node(string op, string[] inputs, params AttributeProto[] attributes) => Nodes(op, inputs, 1, attributes)[0];

    /// <summary>Adds a node with <paramref name="outputs"/> fresh outputs and returns their names.</summary>
    public string[] Nodes(string op, string[] inputs, int outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Fresh(op) };
        node.Input.AddRange(inputs);
        var names = Enumerable.Range(0, outputs).Select(_ => Fresh(op.ToLowerInvariant())).ToArray();
        node.Output.AddRange(names);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return names;
    }

    /// <summary>Renames the output of the node that produced <paramref name="current"/> to <paramref name="name"/>.</summary>
    public void RenameOutput(string current, string name)
    {
        foreach (var node in Graph.Node)
            for (int i = 0; i < node.Output.Count; i++)
                if (node.Output[i] == current) node.Output[i] = name;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A graph input or output: its element type and shape, dims given as numbers or as names (dynamic).</summary>
    public static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string s
                ? new TensorShapeProto.Types.Dimension { DimParam = s }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, CultureInfo.InvariantCulture) });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
