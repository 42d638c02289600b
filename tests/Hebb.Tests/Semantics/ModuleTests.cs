using Hebb.Autograd;
using Hebb.Models;
using Hebb.NN;

namespace Hebb.Tests.Semantics;

public class ModuleTests
{
    [Fact]
    public void SeedMlpHasTheNotesParameterLayout()
    {
        var model = MlpConfig.Seed.Build(new Generator(0));
        Assert.Equal(13002, model.ParameterCount);
        var named = model.NamedParameters().ToList();
        Assert.Equal(new[] { "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias" }, named.Select(p => p.Key));
        int[][] shapes = [[16, 784], [16], [16, 16], [16], [10, 16], [10]];
        for (int i = 0; i < shapes.Length; i++) Check.Shape(named[i].Value, shapes[i]);
        Assert.All(named, p => Assert.True(p.Value.RequiresGrad && p.Value.IsLeaf && p.Value.DType == DType.Float32));
        // Linear, Sigmoid, Linear, Sigmoid, Linear, Sigmoid
        Assert.Equal(6, model.Layers.Count);
        Assert.IsType<Linear>(model[0]);
        Assert.IsType<Hebb.NN.Sigmoid>(model[1]);
        Assert.IsType<Hebb.NN.Sigmoid>(model[5]);
    }

    [Fact]
    public void SeedMlpForwardGivesProbabilitiesPerClass()
    {
        var model = MlpConfig.Seed.Build(new Generator(0));
        var y = model.Forward(Tensor.Rand(new Generator(1), 5, 784));
        Check.Shape(y, 5, 10);
        Assert.All(y.ToArray<float>(), v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void SameSeedBuildsTheSameModel()
    {
        var a = MlpConfig.Seed.Build(new Generator(5)).Parameters().ToList();
        var b = MlpConfig.Seed.Build(new Generator(5)).Parameters().ToList();
        var c = MlpConfig.Seed.Build(new Generator(6)).Parameters().ToList();
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].ToArray<float>(), b[i].ToArray<float>());
        Assert.NotEqual(a[0].ToArray<float>(), c[0].ToArray<float>());
    }

    [Fact]
    public void TrainAndEvalPropagateToChildren()
    {
        var inner = new Sequential(new Linear(2, 2, new Generator(0)), new ReLU());
        var model = new Sequential(new Linear(3, 2, new Generator(0)), inner);
        Assert.All(model.NamedModules(), m => Assert.True(m.Value.Training));
        Assert.Same(model, model.Eval());
        Assert.All(model.NamedModules(), m => Assert.False(m.Value.Training));
        Assert.False(inner[1].Training);
        model.Train();
        Assert.All(model.NamedModules(), m => Assert.True(m.Value.Training));
        inner.Eval();
        Assert.True(model.Training);
        Assert.False(inner.Training);
        Assert.False(inner[0].Training);
    }

    [Fact]
    public void SequentialNamesChildrenByIndexAndNestsWithDots()
    {
        var g = new Generator(0);
        var model = new Sequential(new Linear(3, 4, g), new Tanh(), new Sequential(new Linear(4, 2, g, bias: false), new Identity()));
        Assert.Equal(new[] { "", "0", "1", "2", "2.0", "2.1" }, model.NamedModules().Select(m => m.Key));
        Assert.Equal(new[] { "0.weight", "0.bias", "2.0.weight" }, model.NamedParameters().Select(p => p.Key));
        Assert.Equal(new[] { "0", "1", "2" }, model.NamedChildren().Select(c => c.Key));
        Assert.Equal(3 * 4 + 4 + 4 * 2, model.ParameterCount);
        Check.Shape(model.Forward(Tensor.Zeros(5, 3)), 5, 2);
    }

    private sealed class TwoLayer : Module
    {
        public readonly Linear Fc1, Fc2;
        public readonly Tensor Scale;

        public TwoLayer(Generator g)
        {
            Fc1 = RegisterModule("fc1", new Linear(3, 5, g));
            Fc2 = RegisterModule("fc2", new Linear(5, 1, g));
            Scale = RegisterParameter("scale", Tensor.Ones(1));
            RegisterBuffer("steps", Tensor.Zeros(DType.Int32, 1));
        }

        public override Tensor Forward(Tensor x) => Fc2.Forward(Fc1.Forward(x).Relu()).Mul(Scale);

        public void AddDuplicate() => RegisterParameter("fc1", Tensor.Zeros(1));
        public void AddDotted() => RegisterParameter("a.b", Tensor.Zeros(1));
        public void AddView() => RegisterParameter("v", Tensor.Zeros(2, 2).T);
    }

    [Fact]
    public void CustomModuleNamesParametersAndBuffers()
    {
        var m = new TwoLayer(new Generator(1));
        Assert.Equal(new[] { "scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias" }, m.NamedParameters().Select(p => p.Key));
        Assert.Equal(new[] { "steps" }, m.NamedBuffers().Select(b => b.Key));
        Assert.Equal(new[] { "scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "steps" }, m.StateDict().Select(kv => kv.Key));
        Assert.False(m.NamedBuffers().Single().Value.RequiresGrad);
        Assert.Throws<ArgumentException>(m.AddDuplicate);
        Assert.Throws<ArgumentException>(m.AddDotted);
        Assert.Throws<ArgumentException>(m.AddView);
    }

    private static Dictionary<string, Tensor> CloneState(Module m, Func<Tensor, Tensor>? map = null) =>
        m.StateDict().ToDictionary(kv => kv.Key, kv => (map ?? (t => t.Detach().Clone()))(kv.Value));

    [Fact]
    public void LoadStateDictCopiesIntoTheSameTensors()
    {
        var src = MlpConfig.Seed.Build(new Generator(1));
        var dst = MlpConfig.Seed.Build(new Generator(2));
        var before = dst.Parameters().ToList();
        dst.LoadStateDict(CloneState(src));
        var after = dst.Parameters().ToList();
        for (int i = 0; i < before.Count; i++)
        {
            Assert.Same(before[i], after[i]);
            Assert.Equal(src.Parameters().ElementAt(i).ToArray<float>(), after[i].ToArray<float>());
            Assert.True(after[i].RequiresGrad);
        }
        // the loaded model computes the same function
        var x = Tensor.Rand(new Generator(3), 2, 784);
        Assert.Equal(src.Forward(x).ToArray<float>(), dst.Forward(x).ToArray<float>());
    }

    [Fact]
    public void LoadStateDictDoesNotAliasTheSource()
    {
        var dst = new Sequential(new Linear(2, 2, new Generator(0)));
        var state = CloneState(dst, t => Tensor.Full(3, t.ShapeArray));
        dst.LoadStateDict(state);
        state["0.weight"].FillInPlace(-1);
        Assert.All(dst.Parameters().First().ToArray<float>(), v => Assert.Equal(3f, v));
    }

    [Fact]
    public void LoadStateDictReportsMissingKeys()
    {
        var m = MlpConfig.Seed.Build(new Generator(0));
        var state = CloneState(m);
        state.Remove("2.bias");
        var e = Assert.Throws<InvalidDataException>(() => m.LoadStateDict(state));
        Assert.Contains("missing", e.Message);
        Assert.Contains("2.bias", e.Message);
    }

    [Fact]
    public void LoadStateDictReportsUnexpectedKeys()
    {
        var m = MlpConfig.Seed.Build(new Generator(0));
        var state = CloneState(m);
        state["6.weight"] = Tensor.Zeros(3, 3);
        var e = Assert.Throws<InvalidDataException>(() => m.LoadStateDict(state));
        Assert.Contains("unexpected", e.Message);
        Assert.Contains("6.weight", e.Message);
    }

    [Fact]
    public void LoadStateDictNonStrictIgnoresMissingAndExtraKeys()
    {
        var m = new Sequential(new Linear(2, 2, new Generator(0)));
        var oldBias = m.NamedParameters().Single(p => p.Key == "0.bias").Value.ToArray<float>();
        var state = new Dictionary<string, Tensor> { ["0.weight"] = Tensor.Full(5, 2, 2), ["extra"] = Tensor.Zeros(1) };
        m.LoadStateDict(state, strict: false);
        Assert.All(m.NamedParameters().Single(p => p.Key == "0.weight").Value.ToArray<float>(), v => Assert.Equal(5f, v));
        Assert.Equal(oldBias, m.NamedParameters().Single(p => p.Key == "0.bias").Value.ToArray<float>());
    }

    [Fact]
    public void LoadStateDictReportsShapeMismatchNamingTheKey()
    {
        var m = MlpConfig.Seed.Build(new Generator(0));
        var state = CloneState(m);
        state["4.weight"] = Tensor.Zeros(16, 10);
        var e = Assert.Throws<InvalidDataException>(() => m.LoadStateDict(state));
        Assert.Contains("4.weight", e.Message);
        Assert.Contains("[16, 10]", e.Message);
        Assert.Contains("[10, 16]", e.Message);
    }

    [Fact]
    public void LinearForwardIsXWTransposePlusB()
    {
        var lin = new Linear(3, 2, new Generator(0));
        var w = new float[] { 1, 2, 3, -1, 0, 4 };      // (out=2, in=3)
        var b = new float[] { 0.5f, -2 };
        lin.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = Tensor.FromArray(w, 2, 3), ["bias"] = Tensor.FromArray(b) });
        var x = new float[] { 1, 1, 1, 2, -1, 0.5f };    // (batch=2, in=3)
        var y = lin.Forward(Tensor.FromArray(x, 2, 3));
        Check.Shape(y, 2, 2);
        var expected = new float[4];
        for (int n = 0; n < 2; n++)
            for (int o = 0; o < 2; o++)
            {
                float s = b[o];
                for (int i = 0; i < 3; i++) s += x[n * 3 + i] * w[o * 3 + i];
                expected[n * 2 + o] = s;
            }
        Check.Values(y, expected);
        Check.Values(y, [6.5f, 1, 2, -2]);

        // batched over extra leading dims, and without bias
        var nb = new Linear(3, 2, new Generator(0), bias: false);
        Assert.Null(nb.Bias);
        Assert.Single(nb.NamedParameters());
        Check.Shape(nb.Forward(Tensor.Zeros(4, 5, 3)), 4, 5, 2);
        Check.Shape(nb.Forward(Tensor.Zeros(3)), 2);
    }

    [Fact]
    public void LinearGradientsByHand()
    {
        var lin = new Linear(2, 1, new Generator(0));
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        lin.Forward(x).Sum().Backward();
        Check.Values(lin.Weight.Grad!, [4, 6]);   // column sums of x
        Check.Values(lin.Bias!.Grad!, [2]);       // batch size
        lin.ZeroGrad();
        Check.Values(lin.Weight.Grad!, [0, 0]);
        lin.ZeroGrad(setToNone: true);
        Assert.Null(lin.Weight.Grad);
        Assert.Null(lin.Bias.Grad);
    }

    [Fact]
    public void LinearWithTheWrongInputSizeNamesTheSizes()
    {
        var lin = new Linear(784, 16, new Generator(0));
        var e = Assert.Throws<ArgumentException>(() => lin.Forward(Tensor.Zeros(2, 785)));
        Assert.Contains("784", e.Message);
        Assert.Contains("[2, 785]", e.Message);
        Assert.Throws<ArgumentException>(() => lin.Forward(Tensor.Scalar(1)));
        Assert.Throws<ArgumentException>(() => new Linear(0, 3, new Generator(0)));
    }

    [Fact]
    public void EvalOutputDoesNotRecordUnderNoGrad()
    {
        var model = MlpConfig.Seed.Build(new Generator(0));
        using (GradMode.NoGrad())
        {
            var y = model.Forward(Tensor.Zeros(1, 784));
            Assert.False(y.RequiresGrad);
        }
        Assert.True(model.Forward(Tensor.Zeros(1, 784)).RequiresGrad);
    }

    [Fact]
    public void ToStringDescribesTheTree()
    {
        var s = new Sequential(new Linear(3, 4, new Generator(0)), new ReLU()).ToString();
        Assert.Contains("(0): Linear(in_features=3, out_features=4, bias=True)", s);
        Assert.Contains("(1): ReLU()", s);
    }
}
