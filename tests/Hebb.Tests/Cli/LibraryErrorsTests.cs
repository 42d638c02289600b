using Hebb.Cli.Commands;
using Hebb.NN;
using Hebb.Optim;
using Hebb.Training;

namespace Hebb.Tests.Cli;

/// <summary>The library names its parameters; the tool shows the flag a user typed instead.</summary>
public class LibraryErrorsTests
{
    [Fact]
    public void AnArgumentErrorNamesTheFlag()
    {
        var model = new Linear(2, 1, new Generator(0));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SGD(model.Parameters(), learningRate: -1));
        Assert.Equal("learningRate", e.ParamName);
        Assert.Equal("--lr: learning rate must be positive and finite, got -1", LibraryErrors.Describe(e));
    }

    [Fact]
    public void DivergenceAdviceNamesTheFlags()
    {
        var model = new Linear(1, 1, new Generator(0));
        var trainer = new Trainer(model, new SGD(model.Parameters(), 1.0), (output, target) => Losses.Mse(output, target));
        var x = Tensor.FromArray([float.MaxValue], 1, 1);
        var e = Assert.Throws<ArithmeticException>(() => trainer.Step(x, x.Mul(-1.0)));
        Assert.Contains("at step 1", e.Message);
        Assert.Contains("try a smaller learning rate or gradient clipping (ClipGradNorm)", e.Message);
        Assert.Contains("try a smaller learning rate (--lr) or gradient clipping (--clip)", LibraryErrors.Describe(e));
    }

    [Fact]
    public void OtherErrorsPassThroughUnchanged()
    {
        var e = new InvalidDataException("model.safetensors: not a safetensors file");
        Assert.Equal(e.Message, LibraryErrors.Describe(e));
    }
}
