using System.Globalization;
using Hebb.IO;
using Hebb.Models;
using Hebb.NN;
using Hebb.Onnx.Proto;
using static Hebb.Onnx.OnnxGraph;
using DataType = Hebb.Onnx.Proto.TensorProto.Types.DataType;

namespace Hebb.Onnx;

/// <summary>
/// Writes a Hebb model as an ONNX file (opset 17, IR version 8) that ONNX Runtime and other ONNX tools run, with
/// the same outputs as Hebb's own forward pass (in evaluation mode: dropout is left out). Exports the kinds
/// mlp, lenet5, char-rnn (RNN, LSTM, GRU as the ONNX ops of the same name) and gpt, and the encoder-decoder
/// <see cref="Seq2SeqTransformer"/>; the batch (and for the sequence models the sequence lengths) are dynamic axes.
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the files use: 17 (the first with LayerNormalization).</summary>
    public const int Opset = 17;
    /// <summary>The ONNX IR version the files declare: 8.</summary>
    public const int IrVersion = 8;

    /// <summary>The model kinds that can be exported: mlp, lenet5, char-rnn and gpt.</summary>
    public static IReadOnlyList<string> Kinds { get; } =
        [MlpConfig.KindName, LeNet5Config.KindName, CharRnnConfig.KindName, GptConfig.KindName];

    /// <summary>Whether <paramref name="config"/> is of a kind this exporter knows (see <see cref="Kinds"/>).</summary>
    public static bool CanExport(IModelConfig config) => config is MlpConfig or LeNet5Config or CharRnnConfig or GptConfig;

    /// <summary>Writes <paramref name="model"/>, built from <paramref name="config"/>, as an ONNX file at
    /// <paramref name="path"/>; the file appears whole or not at all.</summary>
    /// <param name="config">The model's config (as <see cref="ModelFactory.Load"/> returns it).</param>
    /// <param name="model">The network with its trained weights.</param>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <returns>What was written: the opset and the graph's inputs and outputs with their shapes.</returns>
    /// <exception cref="NotSupportedException">The kind cannot be exported.</exception>
    /// <exception cref="ArgumentException">The model does not match the config.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static OnnxExportInfo Save(IModelConfig config, Module model, string path)
    {
        var (proto, info) = Build(config, model);
        AtomicFile.Write(path, stream => Google.Protobuf.MessageExtensions.WriteTo(proto, stream), 1 << 16);
        return info;
    }

    /// <summary>The ONNX file's bytes for <paramref name="model"/>, as <see cref="Save(IModelConfig, Module, string)"/>
    /// would write them.</summary>
    /// <param name="config">The model's config.</param>
    /// <param name="model">The network with its trained weights.</param>
    /// <param name="info">What the bytes hold: the opset and the graph's inputs and outputs.</param>
    /// <exception cref="NotSupportedException">The kind cannot be exported.</exception>
    /// <exception cref="ArgumentException">The model does not match the config.</exception>
    public static byte[] ToBytes(IModelConfig config, Module model, out OnnxExportInfo info)
    {
        var (proto, i) = Build(config, model);
        info = i;
        return Google.Protobuf.MessageExtensions.ToByteArray(proto);
    }

    /// <summary>Writes an encoder-decoder <see cref="Seq2SeqTransformer"/> as an ONNX file at <paramref name="path"/>
    /// (atomically). Inputs source_ids [batch, source_sequence] and target_ids [batch, target_sequence] (int64, each
    /// sequence up to the model's max length); output logits [batch, target_sequence, target vocabulary], as
    /// <see cref="Seq2SeqTransformer.Forward(Tensor, Tensor)"/>.</summary>
    /// <param name="model">The network with its trained weights.</param>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <returns>What was written: the opset and the graph's inputs and outputs with their shapes.</returns>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static OnnxExportInfo Save(Seq2SeqTransformer model, string path)
    {
        var (proto, info) = Build(model);
        AtomicFile.Write(path, stream => Google.Protobuf.MessageExtensions.WriteTo(proto, stream), 1 << 16);
        return info;
    }

    /// <summary>The ONNX file's bytes for an encoder-decoder, as <see cref="Save(Seq2SeqTransformer, string)"/> would write them.</summary>
    /// <param name="model">The network with its trained weights.</param>
    /// <param name="info">What the bytes hold: the opset and the graph's inputs and outputs.</param>
    public static byte[] ToBytes(Seq2SeqTransformer model, out OnnxExportInfo info)
    {
        var (proto, i) = Build(model);
        info = i;
        return Google.Protobuf.MessageExtensions.ToByteArray(proto);
    }

    private static (ModelProto, OnnxExportInfo) Build(Seq2SeqTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var g = new OnnxGraph();
        var (inputs, output) = Seq2SeqGraph(g, model);
        return Assemble(g, inputs, output, "seq2seq-transformer", new()
        {
            ["model"] = "seq2seq-transformer",
            ["source_vocab"] = model.SourceVocab.ToString(CultureInfo.InvariantCulture),
            ["target_vocab"] = model.TargetVocab.ToString(CultureInfo.InvariantCulture),
            ["max_length"] = model.MaxLength.ToString(CultureInfo.InvariantCulture),
        });
    }

    private static (ModelProto, OnnxExportInfo) Build(IModelConfig config, Module model)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        if (CanExport(config) && model.ParameterCount != config.ParameterCount)
            throw new ArgumentException($"ONNX export: the model has {model.ParameterCount:N0} parameters, " +
                $"its '{config.Kind}' config describes {config.ParameterCount:N0}");
        var g = new OnnxGraph();
        (ValueInfoProto Input, ValueInfoProto Output) io = (config, model) switch
        {
            (MlpConfig c, Sequential m) => Classifier(g, m, [c.Inputs], c.Classes, convPadding: []),
            (LeNet5Config c, Sequential m) => Classifier(g, m, [c.InChannels, c.ImageSize, c.ImageSize], c.Classes, convPadding: [2, 0]),
            (CharRnnConfig c, CharRnn m) => CharRnnGraph(g, c, m),
            (GptConfig c, Gpt m) => GptGraph(g, c, m),
            (MlpConfig or LeNet5Config or CharRnnConfig or GptConfig, _) => throw new ArgumentException(
                $"ONNX export: the model ({model.GetType().Name}) does not match its '{config.Kind}' config"),
            _ => throw new NotSupportedException(
                $"cannot export a '{config.Kind}' model to ONNX (exportable kinds: {string.Join(", ", Kinds)})"),
        };
        return Assemble(g, [io.Input], io.Output, config.Kind, config.ToMetadata());
    }

    private static (ModelProto, OnnxExportInfo) Assemble(
        OnnxGraph g, ValueInfoProto[] inputs, ValueInfoProto output, string kind, Dictionary<string, string> metadata)
    {
        g.Graph.Input.AddRange(inputs);
        g.Graph.Output.Add(output);
        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Hebb",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "",
            DocString = $"Hebb '{kind}' model",
            Graph = g.Graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in metadata)
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return (proto, new OnnxExportInfo(Opset, [.. inputs.Select(Describe)], [Describe(output)]));
    }

    private static OnnxTensorSpec Describe(ValueInfoProto v) => new(v.Name,
        ((DataType)v.Type.TensorType.ElemType).ToString().ToLowerInvariant(),
        [.. v.Type.TensorType.Shape.Dim.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString(CultureInfo.InvariantCulture))]);

    /// <summary>A Sequential of Linear, Conv2d, MaxPool2d(2), Flatten, activations and Dropout (left out: evaluation).</summary>
    private static (ValueInfoProto, ValueInfoProto) Classifier(OnnxGraph g, Sequential model, int[] sample, int classes, int[] convPadding)
    {
        string x = "input";
        int conv = 0;
        foreach (var (name, layer) in model.NamedChildren())
        {
            x = layer switch
            {
                Linear l => g.Node("Gemm", l.Bias is null
                        ? [x, g.Float(name + ".weight", l.Weight)]
                        : [x, g.Float(name + ".weight", l.Weight), g.Float(name + ".bias", l.Bias)],
                    Int("transB", 1)),
                Conv2d c => ConvNode(g, x, name, c, conv < convPadding.Length ? convPadding[conv++] : throw Unexpected(layer)),
                MaxPool2d => g.Node("MaxPool", [x], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2)),
                Flatten => g.Node("Flatten", [x], Int("axis", 1)),
                ReLU => g.Node("Relu", [x]),
                Sigmoid => g.Node("Sigmoid", [x]),
                Tanh => g.Node("Tanh", [x]),
                GELU gelu => Gelu(g, x, gelu.TanhApproximation),
                Dropout or Identity => x,
                _ => throw Unexpected(layer),
            };
        }
        if (x == "input") x = g.Node("Identity", [x]);
        g.RenameOutput(x, "output");
        return (Value("input", DataType.Float, [.. sample.Select(d => (object)d).Prepend("batch")]),
            Value("output", DataType.Float, "batch", classes));
    }

    private static NotSupportedException Unexpected(Module layer) =>
        new($"ONNX export: no translation for a {layer.GetType().Name} layer in this model");

    private static string ConvNode(OnnxGraph g, string x, string name, Conv2d c, int padding)
    {
        string[] inputs = c.Bias is null
            ? [x, g.Float(name + ".weight", c.Weight)]
            : [x, g.Float(name + ".weight", c.Weight), g.Float(name + ".bias", c.Bias)];
        return g.Node("Conv", inputs, Ints("kernel_shape", c.KernelSize.H, c.KernelSize.W),
            Ints("pads", padding, padding, padding, padding), Ints("strides", 1, 1));
    }

    /// <summary>Hebb's GELU: the exact form x·Φ(x) = 0.5·x·(1 + erf(x/√2)), or the tanh form
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) of GPT-2's gelu_new (opset 17 has no Gelu operator).</summary>
    private static string Gelu(OnnxGraph g, string x, bool tanhApproximation)
    {
        if (tanhApproximation)
        {
            var cube = g.Node("Mul", [g.Node("Mul", [x, x]), x]);
            var inner = g.Node("Add", [x, g.Node("Mul", [cube, g.Scalar("gelu_c", 0.044715f)])]);
            var t = g.Node("Tanh", [g.Node("Mul", [inner, g.Scalar("sqrt_2_over_pi", (float)Math.Sqrt(2 / Math.PI))])]);
            return g.Node("Mul", [g.Node("Mul", [x, g.Node("Add", [t, g.Scalar("one", 1f)])]), g.Scalar("half", 0.5f)]);
        }
        var erf = g.Node("Erf", [g.Node("Mul", [x, g.Scalar("inv_sqrt2", (float)(1 / Math.Sqrt(2)))])]);
        var onePlus = g.Node("Add", [erf, g.Scalar("one", 1f)]);
        return g.Node("Mul", [g.Node("Mul", [x, onePlus]), g.Scalar("half", 0.5f)]);
    }

    /// <summary>x (..., in) → x·Wᵀ + b (..., out) with MatMul and Add (Gemm takes only matrices).</summary>
    private static string Linear3(OnnxGraph g, string x, string name, Tensor weight, Tensor? bias)
    {
        var transposed = weight.T.Contiguous().ToFloatArray();
        var y = g.Node("MatMul", [x, g.Float(name + ".weight_t", transposed, weight.ShapeArray[1], weight.ShapeArray[0])]);
        return bias is null ? y : g.Node("Add", [y, g.Float(name + ".bias", bias)]);
    }

    /// <summary>Embedding as Gather, each recurrent layer as ONNX's RNN/LSTM/GRU on time-major input, the head as MatMul.</summary>
    private static (ValueInfoProto, ValueInfoProto) CharRnnGraph(OnnxGraph g, CharRnnConfig c, CharRnn m)
    {
        var emb = g.Node("Gather", [g.Float("embedding.weight", m.Embedding.Weight), "ids"]);
        // ONNX Runtime runs these ops only time-major (layout 0): (B, T, E) → (T, B, E).
        var x = g.Node("Transpose", [emb], Ints("perm", 1, 0, 2));
        string op = c.Cell switch { RecurrentCell.Lstm => "LSTM", RecurrentCell.Gru => "GRU", _ => "RNN" };
        // Hebb (as PyTorch) stores the gate blocks LSTM i,f,g,o and GRU r,z,n; ONNX wants LSTM i,o,f,c and GRU z,r,h.
        int[] order = c.Cell switch { RecurrentCell.Lstm => [0, 3, 1, 2], RecurrentCell.Gru => [1, 0, 2], _ => [0] };
        string squeezeAxes = g.Int64("axes_1", [1], 1);
        int h = c.Hidden;
        for (int l = 0; l < m.Rnn.Layers.Count; l++)
        {
            var w = m.Rnn.Layers[l];
            string p = $"rnn.l{l}";
            int inSize = w.WeightIh.ShapeArray[1];
            var bias = Reorder(w.BiasIh, order, h, 1).Concat(Reorder(w.BiasHh, order, h, 1)).ToArray();
            string[] inputs =
            [
                x,
                g.Float(p + ".W", Reorder(w.WeightIh, order, h, inSize), 1, order.Length * h, inSize),
                g.Float(p + ".R", Reorder(w.WeightHh, order, h, h), 1, order.Length * h, h),
                g.Float(p + ".B", bias, 1, 2 * order.Length * h),
            ];
            var attrs = new List<AttributeProto> { Int("hidden_size", h) };
            if (c.Cell == RecurrentCell.Gru) attrs.Add(Int("linear_before_reset", 1)); // PyTorch's GRU: r·(W_hn h + b_hn)
            var y = g.Node(op, inputs, [.. attrs]);                                     // (T, 1 direction, B, H)
            x = g.Node("Squeeze", [y, squeezeAxes]);                                    // (T, B, H)
        }
        var batchFirst = g.Node("Transpose", [x], Ints("perm", 1, 0, 2));
        var logits = Linear3(g, batchFirst, "head", m.Head.Weight, m.Head.Bias);
        g.RenameOutput(logits, "logits");
        return (Value("ids", DataType.Int64, "batch", "sequence"), Value("logits", DataType.Float, "batch", "sequence", c.VocabSize));
    }

    /// <summary>The rows of a (G·H, cols) weight (or (G·H) bias, cols 1), its G blocks of H rows put in
    /// <paramref name="order"/>.</summary>
    private static float[] Reorder(Tensor t, int[] order, int h, int cols)
    {
        var src = t.Contiguous().ToFloatArray();
        var dst = new float[src.Length];
        for (int k = 0; k < order.Length; k++)
            Array.Copy(src, order[k] * h * cols, dst, k * h * cols, h * cols);
        return dst;
    }

    /// <summary>nanoGPT's forward: wte + wpe[:T], pre-norm causal blocks, ln_f, unembedding (wteᵀ when tied).</summary>
    private static (ValueInfoProto, ValueInfoProto) GptGraph(OnnxGraph g, GptConfig c, Gpt m)
    {
        var modules = m.NamedModules().ToDictionary(kv => kv.Key, kv => kv.Value);
        string wte = g.Float("transformer.wte.weight", m.TokenEmbedding.Weight);
        var (x, t) = Embed(g, "ids", wte, m.PositionEmbedding.Weight, "transformer.wpe.weight");
        var causal = CausalMask(g, c.BlockSize, t);
        for (int b = 0; b < m.Blocks.Count; b++)
        {
            var blk = m.Blocks[b];
            string p = $"transformer.h.{b}";
            var a = LayerNorm(g, x, p + ".ln_1", blk.Ln1);
            x = g.Node("Add", [x, Attention(g, p + ".attn", blk.Attn, a, a, causal)]);
            x = g.Node("Add", [x, Mlp(g, p, "ln_2", blk.Ln2, blk.Mlp, x)]);
        }
        var final = LayerNorm(g, x, "transformer.ln_f", (LayerNorm)modules["transformer.ln_f"]);
        var head = m.NamedParameters().FirstOrDefault(kv => kv.Key == "lm_head.weight").Value;
        // Tied: the unembedding reads wte itself through a Transpose (one copy of the weights in the file).
        var logits = head is null
            ? g.Node("MatMul", [final, g.Node("Transpose", [wte], Ints("perm", 1, 0))])
            : Linear3(g, final, "lm_head", head, null);
        g.RenameOutput(logits, "logits");
        return (Value("ids", DataType.Int64, "batch", "sequence"), Value("logits", DataType.Float, "batch", "sequence", c.VocabSize));
    }

    /// <summary>Token plus position embeddings of the ids (B, T): Gather from wte, plus the first T rows of wpe (T read
    /// from the ids' shape, so the sequence axis is dynamic up to wpe's rows). Returns the sum and T as a 1-D tensor.</summary>
    private static (string X, string T) Embed(OnnxGraph g, string ids, string wte, Tensor wpe, string wpeName)
    {
        var tok = g.Node("Gather", [wte, ids]);
        var t = g.Node("Shape", [ids], Int("start", 1), Int("end", 2));
        string zero = g.Int64(g.Fresh("zero"), [0], 1);
        var pos = g.Node("Slice", [g.Float(wpeName, wpe), zero, t, zero]);
        return (g.Node("Add", [tok, pos]), t);
    }

    /// <summary>The additive causal mask: 0 on and below the diagonal, -inf above, a (block, block) constant cut to (T, T).</summary>
    private static string CausalMask(OnnxGraph g, int block, string t)
    {
        var mask = new float[block * block];
        for (int i = 0; i < block; i++)
            for (int j = i + 1; j < block; j++) mask[i * block + j] = float.NegativeInfinity;
        var tt = g.Node("Concat", [t, t], Int("axis", 0));
        string zeros2 = g.Int64(g.Fresh("zeros"), [0, 0], 2), axes01 = g.Int64(g.Fresh("axes"), [0, 1], 2);
        return g.Node("Slice", [g.Float(g.Fresh("causal_mask"), mask, block, block), zeros2, tt, axes01]);
    }

    /// <summary>Multi-head attention of queries from <paramref name="xq"/> (B, T, E) over keys and values from
    /// <paramref name="xkv"/> (B, S, E): softmax(Q·Kᵀ/√d + mask)·V per head, heads merged, then c_proj.</summary>
    private static string Attention(OnnxGraph g, string p, MultiheadAttention attn, string xq, string xkv, string? mask)
    {
        int e = attn.EmbedDim, heads = attn.NumHeads, hd = attn.HeadDim;
        Tensor Rows(Tensor w, int i) => w.Narrow(0, i * e, e);
        string Project(int i, string part, string x)
        {
            if (attn.CAttn is { } fused) // rows 0..E project queries, E..2E keys, 2E..3E values
                return Linear3(g, x, $"{p}.c_attn.{part}", Rows(fused.Weight, i), fused.Bias is null ? null : Rows(fused.Bias, i));
            var lin = i switch { 0 => attn.QProj!, 1 => attn.KProj!, _ => attn.VProj! };
            return Linear3(g, x, $"{p}.{part}_proj", lin.Weight, lin.Bias);
        }
        string headShape = g.Int64(g.Fresh("shape_heads"), [0, 0, heads, hd], 4);
        string Split(string x, params long[] perm) => g.Node("Transpose", [g.Node("Reshape", [x, headShape])], Ints("perm", perm));
        var q = Split(Project(0, "q", xq), 0, 2, 1, 3);   // (B, nh, T, hd)
        var kT = Split(Project(1, "k", xkv), 0, 2, 3, 1); // (B, nh, hd, S)
        var v = Split(Project(2, "v", xkv), 0, 2, 1, 3);  // (B, nh, S, hd)
        var scores = g.Node("Mul", [g.Node("MatMul", [q, kT]), g.Scalar("scale", (float)(1 / Math.Sqrt(hd)))]);
        if (mask is not null) scores = g.Node("Add", [scores, mask]);
        var weights = g.Node("Softmax", [scores], Int("axis", -1));
        var y = g.Node("Transpose", [g.Node("MatMul", [weights, v])], Ints("perm", 0, 2, 1, 3)); // (B, T, nh, hd)
        y = g.Node("Reshape", [y, g.Int64(g.Fresh("shape_merge"), [0, 0, e], 3)]);
        return Linear3(g, y, p + ".c_proj", attn.CProj.Weight, attn.CProj.Bias);
    }

    /// <summary>The MLP branch of a block: c_proj(GELU(c_fc(LayerNorm(x)))).</summary>
    private static string Mlp(OnnxGraph g, string p, string normName, LayerNorm norm, Hebb.NN.Mlp mlp, string x)
    {
        string ln = LayerNorm(g, x, $"{p}.{normName}", norm);
        var projected = Linear3(g, ln, p + ".mlp.c_fc", mlp.CFc.Weight, mlp.CFc.Bias);
        var hidden = mlp.ActivationLayer switch
        {
            GELU gelu => Gelu(g, projected, gelu.TanhApproximation),
            ReLU => g.Node("Relu", [projected]),
            _ => throw Unexpected(mlp.ActivationLayer),
        };
        return Linear3(g, hidden, p + ".mlp.c_proj", mlp.CProj.Weight, mlp.CProj.Bias);
    }

    /// <summary>The encoder-decoder: encoder blocks (self-attention, not causal), ln_f; decoder blocks (causal
    /// self-attention, cross-attention over the encoder's output, MLP), ln_f, lm_head.</summary>
    private static (ValueInfoProto[], ValueInfoProto) Seq2SeqGraph(OnnxGraph g, Seq2SeqTransformer m)
    {
        var modules = m.NamedModules().ToDictionary(kv => kv.Key, kv => kv.Value);
        var (x, _) = Embed(g, "source_ids", g.Float("encoder.wte.weight", ((Embedding)modules["encoder.wte"]).Weight),
            ((Embedding)modules["encoder.wpe"]).Weight, "encoder.wpe.weight");
        for (int b = 0; modules.TryGetValue($"encoder.h.{b}", out var block); b++)
        {
            var blk = (TransformerBlock)block;
            string p = $"encoder.h.{b}";
            var a = LayerNorm(g, x, p + ".ln_1", blk.Ln1);
            x = g.Node("Add", [x, Attention(g, p + ".attn", blk.Attn, a, a, null)]);
            x = g.Node("Add", [x, Mlp(g, p, "ln_2", blk.Ln2, blk.Mlp, x)]);
        }
        var memory = LayerNorm(g, x, "encoder.ln_f", (LayerNorm)modules["encoder.ln_f"]);
        var (y, t) = Embed(g, "target_ids", g.Float("decoder.wte.weight", ((Embedding)modules["decoder.wte"]).Weight),
            ((Embedding)modules["decoder.wpe"]).Weight, "decoder.wpe.weight");
        var causal = CausalMask(g, m.MaxLength, t);
        for (int b = 0; modules.TryGetValue($"decoder.h.{b}", out var block); b++)
        {
            var blk = (DecoderBlock)block;
            string p = $"decoder.h.{b}";
            var a = LayerNorm(g, y, p + ".ln_1", blk.Ln1);
            y = g.Node("Add", [y, Attention(g, p + ".attn", blk.Attn, a, a, causal)]);
            y = g.Node("Add", [y, Attention(g, p + ".cross_attn", blk.CrossAttn, LayerNorm(g, y, p + ".ln_2", blk.Ln2), memory, null)]);
            y = g.Node("Add", [y, Mlp(g, p, "ln_3", blk.Ln3, blk.Mlp, y)]);
        }
        var final = LayerNorm(g, y, "decoder.ln_f", (LayerNorm)modules["decoder.ln_f"]);
        var logits = Linear3(g, final, "lm_head", ((Linear)modules["lm_head"]).Weight, null);
        g.RenameOutput(logits, "logits");
        return ([Value("source_ids", DataType.Int64, "batch", "source_sequence"),
                Value("target_ids", DataType.Int64, "batch", "target_sequence")],
            Value("logits", DataType.Float, "batch", "target_sequence", m.TargetVocab));
    }

    private static string LayerNorm(OnnxGraph g, string x, string name, LayerNorm ln)
    {
        if (ln.NormalizedShape.Length != 1) throw new NotSupportedException("ONNX export: LayerNorm over more than the last dim");
        var weight = ln.Weight ?? Tensor.Ones(ln.NormalizedShape);
        string[] inputs = ln.Bias is null
            ? [x, g.Float(name + ".weight", weight)]
            : [x, g.Float(name + ".weight", weight), g.Float(name + ".bias", ln.Bias)];
        return g.Node("LayerNormalization", inputs, Int("axis", -1), OnnxGraph.Float("epsilon", (float)ln.Eps));
    }
}

/// <summary>What an ONNX export wrote: its operator set and the graph's inputs and outputs.</summary>
/// <param name="Opset">The ONNX operator set version (<see cref="OnnxExport.Opset"/>).</param>
/// <param name="Inputs">The graph's inputs.</param>
/// <param name="Outputs">The graph's outputs.</param>
public sealed record OnnxExportInfo(int Opset, IReadOnlyList<OnnxTensorSpec> Inputs, IReadOnlyList<OnnxTensorSpec> Outputs);

/// <summary>One input or output of an exported graph.</summary>
/// <param name="Name">The name to feed or fetch it by, e.g. "input", "ids", "logits".</param>
/// <param name="ElementType">The ONNX element type in lower case: "float" or "int64".</param>
/// <param name="Shape">The dims: a number, or a name for a dynamic axis ("batch", "sequence").</param>
public sealed record OnnxTensorSpec(string Name, string ElementType, IReadOnlyList<string> Shape)
{
    /// <summary>e.g. "ids: int64 [batch, sequence]".</summary>
    public override string ToString() => $"{Name}: {ElementType} [{string.Join(", ", Shape)}]";
}
