using Hebb.NN;

namespace Hebb.Tests.NN;

/// <summary>A layer or weight kept in a field but never registered would silently not train and not be
/// saved: the module refuses it on first use, naming the field, and RegisterComponents registers fields.</summary>
public class ModuleRegistrationTests
{
    private sealed class Forgetful : Module
    {
        private readonly Linear _hidden;
        public Linear Output { get; }

        public Forgetful(Generator g)
        {
            _hidden = new Linear(4, 3, g);                    // forgotten
            Output = RegisterModule("output", new Linear(3, 2, g));
        }

        public override Tensor Forward(Tensor x) => Output.Forward(_hidden.Forward(x).Relu());
    }

    private sealed class LooseWeight : Module
    {
        private readonly Tensor _scale = Tensor.Ones(3).RequireGrad();
        public override Tensor Forward(Tensor x) => x.Mul(_scale);
    }

    private sealed class Registered : Module
    {
        private readonly Linear _hidden;
        private readonly Tensor _scale;
        private readonly Linear[] _heads;

        public Registered(Generator g)
        {
            _hidden = new Linear(4, 3, g);
            _scale = Tensor.Ones(3).RequireGrad();
            var heads = new ModuleList<Linear>([new Linear(3, 1, g), new Linear(3, 1, g)]);
            _heads = [.. heads];
            RegisterModule("heads", heads);
            RegisterComponents();
        }

        public override Tensor Forward(Tensor x) => _heads[0].Forward(_hidden.Forward(x).Mul(_scale));
    }

    /// <summary>A module that refers to a layer registered elsewhere in its own tree (weights tied) is fine.</summary>
    private sealed class Tied : Module
    {
        private readonly Linear _shared;

        public Tied(Generator g)
        {
            var block = RegisterModule("block", new Sequential(new Linear(2, 2, g)));
            _shared = (Linear)block[0];
        }

        public override Tensor Forward(Tensor x) => _shared.Forward(x);
    }

    [Fact]
    public void AnUnregisteredLayerIsRefusedNamingTheField()
    {
        var m = new Forgetful(new Generator(0));
        var e = Assert.Throws<InvalidOperationException>(() => m.Parameters().ToList());
        Assert.Contains("Forgetful.hidden holds a Linear that is not registered", e.Message);
        Assert.Contains("RegisterModule(\"hidden\", ...)", e.Message);
        Assert.Throws<InvalidOperationException>(() => m.StateDict());
    }

    [Fact]
    public void AnUnregisteredTrainableTensorIsRefused()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new LooseWeight().Parameters().ToList());
        Assert.Contains("LooseWeight.scale holds a tensor that requires grad but is not registered", e.Message);
    }

    [Fact]
    public void RegisterComponentsRegistersFieldsByName()
    {
        var m = new Registered(new Generator(0));
        // Own parameters first (scale), then the children in registration order (heads, then hidden).
        Assert.Equal(["scale", "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias", "hidden.weight", "hidden.bias"],
            m.StateDict().Select(kv => kv.Key));
        Assert.Equal(3 + 2 * 4 + 15, m.ParameterCount);
    }

    [Fact]
    public void ALayerRegisteredDeeperInTheTreeIsNotAnError()
    {
        var m = new Tied(new Generator(0));
        Assert.Equal(["block.0.weight", "block.0.bias"], m.StateDict().Select(kv => kv.Key));
    }

    [Fact]
    public void AStateDictLoadsBackAsItIs()
    {
        var g = new Generator(1);
        var a = new Registered(g);
        var b = new Registered(g);
        b.LoadStateDict(a.StateDict());
        var x = Tensor.Randn(new Generator(2), 5, 4);
        Assert.Equal(a.Forward(x).ToArray<float>(), b.Forward(x).ToArray<float>());
    }
}
