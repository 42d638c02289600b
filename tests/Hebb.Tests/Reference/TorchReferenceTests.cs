using System.Globalization;
using System.Text.Json;
using Hebb.NN;
using Hebb.Optim;

namespace Hebb.Tests.Reference;

/// <summary>
/// Hebb against PyTorch: values computed by tests/reference/make_reference.py (torch, float64) and
/// checked in as tests/reference/torch_reference.json, so these tests need no Python. The JSON holds
/// the inputs too, and every input is a multiple of 1/256, exact in float32, so Hebb's float32 and
/// float64 runs start from precisely torch's numbers and only the arithmetic differs.
///
/// Tolerances, as |actual - expected| ≤ rtol·|expected| + atol:
/// - float32: rtol 1e-5, atol 1e-6. Float32 rounds at 6e-8 relative; these ops take a handful of
///   roundings on O(1) inputs whose condition numbers stay below ~10 (|x| ≤ 9.5, temperature ≥ 0.5),
///   so errors stay under ~1e-6 relative, and 1e-5 leaves 10x of margin while a wrong formula misses
///   by orders of magnitude. atol covers results that cancel to ~0 (softmax gradients, sigmoid(50) - 1,
///   a centred sum), whose error is bounded by float32 rounding of their O(1) operands, not of themselves.
/// - float64: rtol 1e-10, atol 1e-12. Hebb's float64 path is double arithmetic throughout (its erf is
///   accurate to ~1e-15), so it should match torch to ~1e-14; 1e-10 is comfortably above that.
/// - optimisers and the MLP run in float32 only (Hebb's optimisers update float32 parameters), with the
///   float32 tolerance: 5 steps of O(0.01-0.1) updates on O(1) parameters add rounding errors of ~1e-7.
/// </summary>
public class TorchReferenceTests
{
    private readonly record struct Tol(double Rtol, double Atol);

    private static readonly Tol F32 = new(1e-5, 1e-6);
    private static readonly Tol F64 = new(1e-10, 1e-12);

    private static Tol TolFor(DType dtype) => dtype == DType.Float64 ? F64 : F32;

    private static readonly JsonElement Ref = Load();

    private static JsonElement Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "reference", "torch_reference.json");
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"{path} is missing: it is copied there by Hebb.Tests.csproj from tests/reference/torch_reference.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement.Clone();
        Assert.False(string.IsNullOrEmpty(root.GetProperty("torch_version").GetString()));
        return root;
    }

    // ------------------------------------------------------------------ JSON helpers

    private static int[] Shape(JsonElement t) => t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static double[] Data(JsonElement t) => t.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();

    /// <summary>A float tensor of the given dtype from {"shape", "data"}.</summary>
    private static Tensor Make(JsonElement t, DType dtype) => Tensor.FromArray(Data(t), Shape(t)).To(dtype);

    /// <summary>An int32 tensor (class indices) from {"shape", "data"}.</summary>
    private static Tensor MakeInt(JsonElement t) =>
        Tensor.FromArray(t.GetProperty("data").EnumerateArray().Select(e => e.GetInt32()).ToArray(), Shape(t));

    private static Tensor Leaf(JsonElement t, DType dtype) => Make(t, dtype).RequireGrad();

    // ------------------------------------------------------------------ comparison

    private static void AssertClose(JsonElement expected, Tensor? actual, Tol tol, string what)
    {
        Assert.True(actual is not null, $"{what}: no tensor (missing gradient?)");
        Assert.True(Shape(expected).SequenceEqual(actual!.ShapeArray),
            $"{what}: shape [{string.Join(",", actual.ShapeArray)}], expected [{string.Join(",", Shape(expected))}]");
        var want = Data(expected);
        var got = actual.To(DType.Float64).ToArray<double>();
        for (int i = 0; i < want.Length; i++) AssertClose(want[i], got[i], tol, $"{what}[{i}]");
    }

    private static void AssertClose(double expected, double actual, Tol tol, string what)
    {
        double diff = Math.Abs(actual - expected);
        Assert.True(diff <= tol.Rtol * Math.Abs(expected) + tol.Atol,
            string.Create(CultureInfo.InvariantCulture,
                $"{what}: got {actual:R}, torch {expected:R} (diff {diff:E2}, rtol {tol.Rtol}, atol {tol.Atol})"));
    }

    public static TheoryData<DType> FloatTypes => new() { DType.Float32, DType.Float64 };

    // ------------------------------------------------------------------ forward ops

    /// <summary>softmax (dims 0/-1, T = 1, 0.5, 2), log_softmax, gelu (exact and tanh), sigmoid, tanh, relu:
    /// y = f(x) and d sum(f(x)·w)/dx.</summary>
    [Theory, MemberData(nameof(FloatTypes))]
    public void Activations(DType dtype)
    {
        var group = Ref.GetProperty("activations");
        var w = Make(group.GetProperty("w"), dtype);
        foreach (var c in group.GetProperty("cases").EnumerateArray())
        {
            string op = c.GetProperty("op").GetString()!;
            string label = $"{op}{(c.TryGetProperty("dim", out var d) ? $" dim={d}" : "")}" +
                $"{(c.TryGetProperty("temperature", out var t) ? $" T={t}" : "")} {dtype.Name()}";
            var x = Leaf(group.GetProperty("x"), dtype);
            var y = op switch
            {
                "softmax" => x.Softmax(d.GetInt32(), t.GetDouble()),
                "log_softmax" => x.LogSoftmax(d.GetInt32()),
                "gelu" => x.Gelu(),
                "gelu_tanh" => x.Gelu(tanhApproximation: true),
                "sigmoid" => x.Sigmoid(),
                "tanh" => x.Tanh(),
                "relu" => x.Relu(),
                _ => throw new InvalidDataException($"unknown op '{op}' in the reference file"),
            };
            y.Mul(w).Sum().Backward();
            AssertClose(c.GetProperty("y"), y, TolFor(dtype), $"{label} y");
            AssertClose(c.GetProperty("grad"), x.Grad, TolFor(dtype), $"{label} grad");
        }
    }

    /// <summary>var over one, two and all dims, with keepdim, for correction 1 (unbiased) and 0.</summary>
    [Theory, MemberData(nameof(FloatTypes))]
    public void Variance(DType dtype)
    {
        var group = Ref.GetProperty("var");
        var x = Make(group.GetProperty("x"), dtype);
        foreach (var c in group.GetProperty("cases").EnumerateArray())
        {
            var dimsJson = c.GetProperty("dims");
            int[]? dims = dimsJson.ValueKind == JsonValueKind.Null ? null : dimsJson.EnumerateArray().Select(e => e.GetInt32()).ToArray();
            bool keepDim = c.GetProperty("keepdim").GetBoolean();
            int correction = c.GetProperty("correction").GetInt32();
            var y = x.Var(dims, keepDim, correction);
            AssertClose(c.GetProperty("y"), y, TolFor(dtype),
                $"var dims={dimsJson} keepdim={keepDim} correction={correction} {dtype.Name()}");
        }
    }

    /// <summary>matmul: batched with broadcast batch dims, 1-D operands on either side, plain 2-D; value and both gradients.</summary>
    [Theory, MemberData(nameof(FloatTypes))]
    public void MatMul(DType dtype)
    {
        foreach (var c in Ref.GetProperty("matmul").EnumerateArray())
        {
            var a = Leaf(c.GetProperty("a"), dtype);
            var b = Leaf(c.GetProperty("b"), dtype);
            string label = $"matmul [{string.Join(",", a.ShapeArray)}]@[{string.Join(",", b.ShapeArray)}] {dtype.Name()}";
            var y = a.MatMul(b);
            y.Mul(Make(c.GetProperty("w"), dtype)).Sum().Backward();
            AssertClose(c.GetProperty("y"), y, TolFor(dtype), $"{label} y");
            AssertClose(c.GetProperty("grad_a"), a.Grad, TolFor(dtype), $"{label} grad a");
            AssertClose(c.GetProperty("grad_b"), b.Grad, TolFor(dtype), $"{label} grad b");
        }
    }

    // ------------------------------------------------------------------ losses

    /// <summary>mse, the seed cost, cross-entropy (incl. logits of ±50..100), nll of log_softmax and
    /// binary cross-entropy with logits (incl. ±50): the loss value and its gradient w.r.t. the input.</summary>
    [Theory, MemberData(nameof(FloatTypes))]
    public void LossesAndGradients(DType dtype)
    {
        int index = 0;
        foreach (var c in Ref.GetProperty("losses").EnumerateArray())
        {
            string name = c.GetProperty("loss").GetString()!;
            string label = $"{name} (case {index++}) {dtype.Name()}";
            var x = Leaf(c.GetProperty("input"), dtype);
            var loss = name switch
            {
                "mse" => Losses.Mse(x, Make(c.GetProperty("target"), dtype)),
                "seed_cost" => Losses.SquaredErrorCost(x, Losses.OneHot(MakeInt(c.GetProperty("labels")), x.Size(1), dtype)),
                "cross_entropy" => Losses.CrossEntropy(x, MakeInt(c.GetProperty("targets"))),
                "nll_log_softmax" => Losses.Nll(x.LogSoftmax(1), MakeInt(c.GetProperty("targets"))),
                "bce_with_logits" => Losses.BinaryCrossEntropyWithLogits(x, Make(c.GetProperty("target"), dtype)),
                _ => throw new InvalidDataException($"unknown loss '{name}' in the reference file"),
            };
            Assert.Equal(0, loss.Rank);
            AssertClose(c.GetProperty("value").GetDouble(), loss.ItemAsDouble(), TolFor(dtype), $"{label} value");
            loss.Backward();
            AssertClose(c.GetProperty("grad"), x.Grad, TolFor(dtype), $"{label} grad");
        }
    }

    // ------------------------------------------------------------------ Linear

    /// <summary>y = x Wᵀ + b and the gradients of sum(y·w) w.r.t. W, b and x. The Linear module holds
    /// float32 parameters, so float32 runs the module and float64 runs the same formula on float64 tensors.</summary>
    [Theory, MemberData(nameof(FloatTypes))]
    public void Linear(DType dtype)
    {
        var c = Ref.GetProperty("linear");
        var x = Leaf(c.GetProperty("x"), dtype);
        Tensor weight, bias, y;
        if (dtype == DType.Float32)
        {
            var layer = new Linear(4, 3, new Generator(0));
            layer.LoadStateDict(new Dictionary<string, Tensor>
            {
                ["weight"] = Make(c.GetProperty("weight"), dtype),
                ["bias"] = Make(c.GetProperty("bias"), dtype),
            });
            (weight, bias) = (layer.Weight, layer.Bias!);
            y = layer.Forward(x);
        }
        else
        {
            weight = Leaf(c.GetProperty("weight"), dtype);
            bias = Leaf(c.GetProperty("bias"), dtype);
            y = x.MatMul(weight.T).Add(bias);
        }
        y.Mul(Make(c.GetProperty("w"), dtype)).Sum().Backward();
        var tol = TolFor(dtype);
        AssertClose(c.GetProperty("y"), y, tol, $"linear y {dtype.Name()}");
        AssertClose(c.GetProperty("grad_weight"), weight.Grad, tol, $"linear grad weight {dtype.Name()}");
        AssertClose(c.GetProperty("grad_bias"), bias.Grad, tol, $"linear grad bias {dtype.Name()}");
        AssertClose(c.GetProperty("grad_x"), x.Grad, tol, $"linear grad x {dtype.Name()}");
    }

    // ------------------------------------------------------------------ optimisers

    public static TheoryData<int, string> OptimizerRuns()
    {
        var data = new TheoryData<int, string>();
        int i = 0;
        foreach (var run in Ref.GetProperty("optimizers").GetProperty("runs").EnumerateArray())
            data.Add(i++, $"{run.GetProperty("optimizer").GetString()} {run.GetProperty("hyper")}");
        return data;
    }

    /// <summary>Five steps on loss = mean((x·p1 + p2 - t)²), p1 (3x4) and p2 (4) float32: the loss before
    /// each step and both parameters after it, against torch.optim's SGD / Adam / AdamW.</summary>
    [Theory, MemberData(nameof(OptimizerRuns))]
    public void Optimizer(int runIndex, string description)
    {
        var group = Ref.GetProperty("optimizers");
        var run = group.GetProperty("runs")[runIndex];
        var p1 = Leaf(group.GetProperty("p1"), DType.Float32);
        var p2 = Leaf(group.GetProperty("p2"), DType.Float32);
        var x = Make(group.GetProperty("x"), DType.Float32);
        var t = Make(group.GetProperty("t"), DType.Float32);

        var h = run.GetProperty("hyper");
        double Hyper(string name) => h.GetProperty(name).GetDouble();
        Optim.Optimizer optimizer = run.GetProperty("optimizer").GetString() switch
        {
            "sgd" => new SGD([p1, p2], Hyper("lr"), Hyper("momentum"), Hyper("weight_decay")),
            "adam" => new Adam([p1, p2], Hyper("lr"), Hyper("beta1"), Hyper("beta2"), Hyper("eps"), Hyper("weight_decay")),
            "adamw" => new AdamW([p1, p2], Hyper("lr"), Hyper("beta1"), Hyper("beta2"), Hyper("eps"), Hyper("weight_decay")),
            var other => throw new InvalidDataException($"unknown optimizer '{other}' in the reference file"),
        };

        int step = 0;
        foreach (var expected in run.GetProperty("steps").EnumerateArray())
        {
            step++;
            optimizer.ZeroGrad();
            var d = x.MatMul(p1).Add(p2).Sub(t);
            var loss = d.Mul(d).Mean();
            loss.Backward();
            optimizer.Step();
            AssertClose(expected.GetProperty("loss").GetDouble(), loss.ItemAsDouble(), F32, $"{description} step {step} loss");
            AssertClose(expected.GetProperty("p1"), p1, F32, $"{description} step {step} p1");
            AssertClose(expected.GetProperty("p2"), p2, F32, $"{description} step {step} p2");
        }
        Assert.Equal(5, step);
    }

    // ------------------------------------------------------------------ tiny MLP

    /// <summary>4-3-2 sigmoid MLP with torch's initial weights, the seed cost on one-hot targets and three
    /// plain SGD steps (lr 0.5): the loss of each step and the final weights. Parameter names are torch's
    /// (nn.Sequential children "0" and "2"), so the state dicts load directly.</summary>
    [Fact]
    public void MlpTrainingTrajectory()
    {
        var c = Ref.GetProperty("mlp");
        var g = new Generator(0);
        var net = new Sequential(new Linear(4, 3, g), new Sigmoid(), new Linear(3, 2, g), new Sigmoid());
        net.LoadStateDict(c.GetProperty("initial").EnumerateObject().ToDictionary(p => p.Name, p => Make(p.Value, DType.Float32)));
        var x = Make(c.GetProperty("x"), DType.Float32);
        var y = Losses.OneHot(MakeInt(c.GetProperty("labels")), 2);
        var sgd = new SGD(net.Parameters(), c.GetProperty("lr").GetDouble());

        var losses = c.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(3, losses.Length);
        for (int step = 0; step < losses.Length; step++)
        {
            sgd.ZeroGrad();
            var loss = Losses.SquaredErrorCost(net.Forward(x), y);
            loss.Backward();
            sgd.Step();
            AssertClose(losses[step], loss.ItemAsDouble(), F32, $"mlp step {step + 1} loss");
        }

        var final = net.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        var expectedFinal = c.GetProperty("final").EnumerateObject().ToList();
        Assert.Equal(final.Keys.Order(), expectedFinal.Select(p => p.Name).Order());
        foreach (var p in expectedFinal) AssertClose(p.Value, final[p.Name], F32, $"mlp final {p.Name}");
    }

    // ------------------------------------------------------------------ convolution and pooling

    /// <summary>Convolution sums up to 150 products per output: float32 error grows with k·eps·Σ|terms|,
    /// so its absolute floor is looser than for element-wise ops (values here are O(1)).</summary>
    private static readonly Tol ConvF32 = new(1e-5, 1e-5);

    /// <summary>Every case of a JSON section, in both float types.</summary>
    private static TheoryData<int, DType> CasesOf(string section)
    {
        var data = new TheoryData<int, DType>();
        for (int i = 0; i < Ref.GetProperty(section).GetArrayLength(); i++)
        {
            data.Add(i, DType.Float32);
            data.Add(i, DType.Float64);
        }
        return data;
    }

    public static TheoryData<int, DType> ConvCases() => CasesOf("conv2d");

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d(int index, DType dtype)
    {
        var c = Ref.GetProperty("conv2d")[index];
        var x = Leaf(c.GetProperty("x"), dtype);
        var weight = Leaf(c.GetProperty("weight"), dtype);
        var bias = c.TryGetProperty("bias", out var b) ? Leaf(b, dtype) : null;
        int stride = c.GetProperty("stride").GetInt32(), pad = c.GetProperty("padding").GetInt32();
        int dil = c.GetProperty("dilation").GetInt32(), groups = c.GetProperty("groups").GetInt32();
        var y = Hebb.Ops.Conv2dOp.Forward(x, weight, bias, new Hebb.Ops.Conv2dOp.Options(stride, stride, pad, pad, dil, dil, groups));
        y.Mul(Make(c.GetProperty("w"), dtype)).Sum().Backward();
        var tol = dtype == DType.Float64 ? F64 : ConvF32;
        AssertClose(c.GetProperty("y"), y, tol, $"conv2d[{index}] y {dtype.Name()}");
        AssertClose(c.GetProperty("grad_x"), x.Grad, tol, $"conv2d[{index}] grad x {dtype.Name()}");
        AssertClose(c.GetProperty("grad_weight"), weight.Grad, tol, $"conv2d[{index}] grad weight {dtype.Name()}");
        if (bias is not null) AssertClose(c.GetProperty("grad_bias"), bias.Grad, tol, $"conv2d[{index}] grad bias {dtype.Name()}");
    }

    public static TheoryData<int, DType> PoolCases() => CasesOf("pool2d");

    [Theory]
    [MemberData(nameof(PoolCases))]
    public void Pool2d(int index, DType dtype)
    {
        var c = Ref.GetProperty("pool2d")[index];
        var x = Leaf(c.GetProperty("x"), dtype);
        int k = c.GetProperty("kernel").GetInt32(), stride = c.GetProperty("stride").GetInt32(), pad = c.GetProperty("padding").GetInt32();
        bool max = c.GetProperty("kind").GetString() == "max";
        var y = Hebb.Ops.Pool2dOp.Forward(x, k, k, stride, stride, pad, pad, max);
        y.Mul(Make(c.GetProperty("w"), dtype)).Sum().Backward();
        var tol = TolFor(dtype);
        AssertClose(c.GetProperty("y"), y, tol, $"pool2d[{index}] y {dtype.Name()}");
        AssertClose(c.GetProperty("grad_x"), x.Grad, tol, $"pool2d[{index}] grad x {dtype.Name()}");
    }

    // ------------------------------------------------------------------ attention and transformers

    /// <summary>Whole transformer layers in float32 chain a dozen ops (sums over up to 32 terms, softmax,
    /// LayerNorm's 1/std); rounding grows to ~1e-6 relative per layer, so the relative tolerance is 1e-4.</summary>
    private static readonly Tol ModelF32 = new(1e-4, 1e-5);

    public static TheoryData<int, DType> LayerNormCases() => CasesOf("layer_norm");

    [Theory]
    [MemberData(nameof(LayerNormCases))]
    public void LayerNorm(int index, DType dtype)
    {
        var c = Ref.GetProperty("layer_norm")[index];
        var x = Leaf(c.GetProperty("x"), dtype);
        var norm = c.GetProperty("normalized_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        bool affine = c.TryGetProperty("weight", out var wj);
        var weight = affine ? Leaf(wj, dtype) : null;
        var bias = affine ? Leaf(c.GetProperty("bias"), dtype) : null;
        var y = Functional.LayerNorm(x, norm, weight, bias);
        y.Mul(Make(c.GetProperty("w"), dtype)).Sum().Backward();
        var tol = TolFor(dtype);
        AssertClose(c.GetProperty("y"), y, tol, $"layer_norm[{index}] y {dtype.Name()}");
        AssertClose(c.GetProperty("grad_x"), x.Grad, tol, $"layer_norm[{index}] grad x {dtype.Name()}");
        if (!affine) return;
        AssertClose(c.GetProperty("grad_weight"), weight!.Grad, tol, $"layer_norm[{index}] grad weight {dtype.Name()}");
        AssertClose(c.GetProperty("grad_bias"), bias!.Grad, tol, $"layer_norm[{index}] grad bias {dtype.Name()}");
    }

    public static TheoryData<int, DType> AttentionCases() => CasesOf("attention");

    /// <summary>softmax(q kᵀ/sqrt(d), masked)·v: causal self-attention with heads, and cross-attention with a mask.</summary>
    [Theory]
    [MemberData(nameof(AttentionCases))]
    public void ScaledDotProductAttention(int index, DType dtype)
    {
        var c = Ref.GetProperty("attention")[index];
        var (q, k, v) = (Leaf(c.GetProperty("q"), dtype), Leaf(c.GetProperty("k"), dtype), Leaf(c.GetProperty("v"), dtype));
        bool causal = c.GetProperty("kind").GetString() == "causal";
        var mask = causal ? null : MakeInt(c.GetProperty("mask"));
        var y = Functional.ScaledDotProductAttention(q, k, v, mask, isCausal: causal);
        y.Mul(Make(c.GetProperty("w"), dtype)).Sum().Backward();
        var tol = TolFor(dtype);
        string label = $"attention[{index}] {dtype.Name()}";
        AssertClose(c.GetProperty("y"), y, tol, $"{label} y");
        AssertClose(c.GetProperty("grad_q"), q.Grad, tol, $"{label} grad q");
        AssertClose(c.GetProperty("grad_k"), k.Grad, tol, $"{label} grad k");
        AssertClose(c.GetProperty("grad_v"), v.Grad, tol, $"{label} grad v");
    }

    private static Dictionary<string, Tensor> State(JsonElement state) =>
        state.EnumerateObject().ToDictionary(p => p.Name, p => Make(p.Value, DType.Float32));

    /// <summary>torch.nn.MultiheadAttention's in_proj_weight is Hebb's fused c_attn (rows q|k|v), out_proj its c_proj.</summary>
    [Fact]
    public void MultiheadAttentionMatchesTorch()
    {
        var c = Ref.GetProperty("multihead_attention");
        var mha = new MultiheadAttention(c.GetProperty("embed_dim").GetInt32(), c.GetProperty("heads").GetInt32(), new Generator(0));
        mha.LoadStateDict(State(c.GetProperty("state")));
        var x = Make(c.GetProperty("x"), DType.Float32);
        var memory = Make(c.GetProperty("memory"), DType.Float32);
        var ySelf = mha.Forward(x, out var wSelf, isCausal: true);
        var yCross = mha.Forward(x, out var wCross, memory, memory);
        AssertClose(c.GetProperty("y_self"), ySelf, ModelF32, "mha self y");
        AssertClose(c.GetProperty("weights_self"), wSelf, ModelF32, "mha self weights");
        AssertClose(c.GetProperty("y_cross"), yCross, ModelF32, "mha cross y");
        AssertClose(c.GetProperty("weights_cross"), wCross, ModelF32, "mha cross weights");
    }

    [Fact]
    public void GptBlockMatchesNanoGpt()
    {
        var c = Ref.GetProperty("gpt_block");
        var block = new TransformerBlock(c.GetProperty("embed_dim").GetInt32(), c.GetProperty("heads").GetInt32(), new Generator(0));
        block.LoadStateDict(State(c.GetProperty("state")));
        AssertClose(c.GetProperty("y"), block.Forward(Make(c.GetProperty("x"), DType.Float32)), ModelF32, "gpt block y");
    }

    /// <summary>A tiny tied GPT with nanoGPT's state-dict names: logits, next-token loss and every parameter's gradient.</summary>
    [Fact]
    public void GptMatchesNanoGpt()
    {
        var c = Ref.GetProperty("gpt");
        var cfg = c.GetProperty("config");
        int Cfg(string name) => cfg.GetProperty(name).GetInt32();
        var model = new Hebb.Models.Gpt(new Hebb.Models.GptConfig(
            Cfg("vocab_size"), Cfg("n_layer"), Cfg("n_head"), Cfg("n_embd"), Cfg("block_size")), new Generator(0));
        model.LoadStateDict(State(c.GetProperty("state")));
        var logits = model.Forward(MakeInt(c.GetProperty("ids")));
        var loss = Losses.CrossEntropy(logits.Reshape(-1, Cfg("vocab_size")), MakeInt(c.GetProperty("targets")));
        loss.Backward();
        AssertClose(c.GetProperty("logits"), logits, ModelF32, "gpt logits");
        AssertClose(c.GetProperty("loss").GetDouble(), loss.ItemAsDouble(), ModelF32, "gpt loss");
        var grads = c.GetProperty("grads").EnumerateObject().ToList();
        Assert.Equal(model.NamedParameters().Select(p => p.Key).Order(), grads.Select(g => g.Name).Order());
        var parameters = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value);
        foreach (var g in grads) AssertClose(g.Value, parameters[g.Name].Grad, ModelF32, $"gpt grad {g.Name}");
    }

    // ------------------------------------------------------------------ RNN / LSTM / GRU

    public static TheoryData<int, DType> RecurrentCases() => CasesOf("recurrent");

    /// <summary>2-layer RNN, LSTM and GRU against torch.nn: outputs, h_n, c_n and the gradients of every
    /// parameter, the input and the initial state. float32 runs the modules (parameters loaded by name,
    /// so PyTorch's names and gate order are checked too); float64 runs the same math functionally.</summary>
    [Theory]
    [MemberData(nameof(RecurrentCases))]
    public void Recurrent(int index, DType dtype)
    {
        var c = Ref.GetProperty("recurrent")[index];
        var cell = Enum.Parse<RecurrentCell>(c.GetProperty("kind").GetString()!, ignoreCase: true);
        int layers = c.GetProperty("layers").GetInt32(), hidden = c.GetProperty("hidden").GetInt32();
        var x = Leaf(c.GetProperty("x"), dtype);
        var h0 = Leaf(c.GetProperty("h0"), dtype);
        var c0 = cell == RecurrentCell.Lstm ? Leaf(c.GetProperty("c0"), dtype) : null;
        var state = new RecurrentState(h0, c0);
        var named = new Dictionary<string, Tensor>();
        Tensor y;
        RecurrentState final;
        if (dtype == DType.Float32)
        {
            int inputs = x.Size(2);
            RecurrentBase net = cell switch
            {
                RecurrentCell.Lstm => new Lstm(inputs, hidden, new Generator(0), layers),
                RecurrentCell.Gru => new Gru(inputs, hidden, new Generator(0), layers),
                _ => new Rnn(inputs, hidden, new Generator(0), layers),
            };
            net.LoadStateDict(c.GetProperty("params").EnumerateObject().ToDictionary(p => p.Name, p => Make(p.Value, dtype)));
            foreach (var (name, p) in net.NamedParameters()) named[name] = p;
            (y, final) = net.Forward(x, state);
        }
        else
        {
            foreach (var p in c.GetProperty("params").EnumerateObject()) named[p.Name] = Leaf(p.Value, dtype);
            var weights = Enumerable.Range(0, layers).Select(l =>
                new RecurrentWeights(
                    named[$"weight_ih_l{l}"], named[$"weight_hh_l{l}"], named[$"bias_ih_l{l}"], named[$"bias_hh_l{l}"])).ToList();
            (y, final) = Functional.Recurrent(cell, x, weights, state);
        }
        var loss = y.Mul(Make(c.GetProperty("w"), dtype)).Sum().Add(final.H.Mul(Make(c.GetProperty("wh"), dtype)).Sum());
        if (final.C is not null) loss = loss.Add(final.C.Mul(Make(c.GetProperty("wc"), dtype)).Sum());
        loss.Backward();
        var tol = TolFor(dtype);
        string what = $"{cell}[{dtype.Name()}]";
        AssertClose(c.GetProperty("y"), y, tol, $"{what} output");
        AssertClose(c.GetProperty("hn"), final.H, tol, $"{what} h_n");
        AssertClose(c.GetProperty("grad_x"), x.Grad, tol, $"{what} grad x");
        AssertClose(c.GetProperty("grad_h0"), h0.Grad, tol, $"{what} grad h0");
        if (c0 is not null)
        {
            AssertClose(c.GetProperty("cn"), final.C, tol, $"{what} c_n");
            AssertClose(c.GetProperty("grad_c0"), c0.Grad, tol, $"{what} grad c0");
        }
        foreach (var p in c.GetProperty("grad_params").EnumerateObject())
            AssertClose(p.Value, named[p.Name].Grad, tol, $"{what} grad {p.Name}");
    }
}
