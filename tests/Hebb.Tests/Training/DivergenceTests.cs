using Hebb.NN;
using Hebb.Optim;
using Hebb.Training;

namespace Hebb.Tests.Training;

/// <summary>A step whose loss or gradient is NaN or infinite stops the run with a message naming the step
/// (and the first bad parameter), before it changes any weight.</summary>
public class DivergenceTests
{
    /// <summary>y = sqrt(scale · x): at scale = 0 the loss is 0 but d/d(scale) is infinite.</summary>
    private sealed class SqrtScale : Module
    {
        private readonly Linear _first;
        private readonly Tensor _scale;

        public SqrtScale(Generator g)
        {
            _first = new Linear(2, 2, g);
            _scale = Tensor.Zeros(2).RequireGrad();
            RegisterComponents();
        }

        public override Tensor Forward(Tensor x) => _first.Forward(x).Abs().Mul(_scale).Sqrt();
    }

    [Fact]
    public void ANonFiniteLossStopsBeforeTheUpdate()
    {
        var model = new Linear(1, 1, new Generator(0));
        var trainer = new Trainer(model, new SGD(model.Parameters(), 0.1), (o, t) => Losses.Mse(o, t));
        var good = Tensor.FromArray([1f], 1, 1);
        trainer.Step(good, good);
        var before = model.StateDict().Select(kv => kv.Value.ToArray<float>()).ToArray();
        var huge = Tensor.FromArray([float.MaxValue], 1, 1);
        var e = Assert.Throws<ArithmeticException>(() => trainer.Step(huge, huge.Mul(-1.0)));
        Assert.Contains("training diverged at step 2: the loss became Infinity (the weights are left as after step 1)", e.Message);
        Assert.Equal(before, model.StateDict().Select(kv => kv.Value.ToArray<float>()).ToArray());
    }

    [Fact]
    public void ANonFiniteGradientNamesTheFirstBadParameter()
    {
        var model = new SqrtScale(new Generator(1));
        var trainer = new Trainer(model, new SGD(model.Parameters(), 0.1), (o, t) => o.Sum()) { ClipGradNorm = 1.0 };
        var x = Tensor.FromArray([1f, 2f], 1, 2);
        var e = Assert.Throws<ArithmeticException>(() => trainer.Step(x, x));
        Assert.Contains("training diverged at step 1: the gradient norm became", e.Message);
        Assert.Contains("the first parameter with a non-finite gradient is 'scale'", e.Message);
        Assert.Equal([0f, 0f], model.StateDict().Single(kv => kv.Key == "scale").Value.ToArray<float>());
    }

    [Fact]
    public void ANonFiniteGradientIsCaughtWithoutClippingToo()
    {
        // The loss is 0, a finite number, but its gradient with respect to 'scale' is infinite (sqrt at 0).
        var model = new SqrtScale(new Generator(1));
        var trainer = new Trainer(model, new SGD(model.Parameters(), 0.1), (o, t) => o.Sum());
        var x = Tensor.FromArray([1f, 2f], 1, 2);
        var e = Assert.Throws<ArithmeticException>(() => trainer.Step(x, x));
        Assert.Contains(
            "training diverged at step 1: a gradient became NaN or infinite; the first parameter with one is 'scale'", e.Message);
        Assert.Equal([0f, 0f], model.StateDict().Single(kv => kv.Key == "scale").Value.ToArray<float>());
    }
}
