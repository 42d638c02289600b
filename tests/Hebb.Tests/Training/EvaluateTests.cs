using Hebb.Data;
using Hebb.NN;
using Hebb.Training;

namespace Hebb.Tests.Training;

/// <summary>Trainer.Evaluate reads the classes off the model, handles a one-logit binary classifier, and
/// leaves the model in the mode it found it in.</summary>
public class EvaluateTests
{
    /// <summary>Outputs fixed by hand: a Linear(1, k) whose weights copy its single input feature.</summary>
    private static Linear Fixed(float[] weights, float[] biases)
    {
        var m = new Linear(1, weights.Length, new Generator(0));
        using (Hebb.Autograd.GradMode.NoGrad())
        {
            m.Weight.CopyFrom(Tensor.FromArray(weights, weights.Length, 1));
            m.Bias!.CopyFrom(Tensor.FromArray(biases, biases.Length));
        }
        return m;
    }

    private static readonly TensorDataset Data = new(Tensor.FromArray([-2f, -1f, 0.5f, 3f], 4, 1), Tensor.FromArray([0, 0, 1, 0], 4));

    private static Tensor ZeroLoss(Tensor output, Tensor labels) => output.Sum().Mul(0.0);

    [Fact]
    public void AOneLogitClassifierAnswersOneAboveTheThreshold()
    {
        var logit = Fixed([1f], [0f]); // output = x
        var e = Trainer.Evaluate(logit, Data, ZeroLoss);
        Assert.Equal(2, e.Confusion.Classes);
        Assert.Equal(0.75, e.Accuracy, 12); // predictions 0, 0, 1, 1 against 0, 0, 1, 0
        var probabilities = Trainer.Evaluate(logit, Data, ZeroLoss, threshold: 1.0); // 0, 0, 0, 1
        Assert.Equal(0.5, probabilities.Accuracy, 12);
    }

    [Fact]
    public void ClassesDefaultToTheOutputWidth()
    {
        var three = Fixed([1f, 0f, -1f], [0f, 0.7f, 0f]); // outputs (x, 0.7, -x): x > 0.7 -> 0, |x| < 0.7 -> 1, x < -0.7 -> 2
        var e = Trainer.Evaluate(three, Data, ZeroLoss);
        Assert.Equal(3, e.Confusion.Classes);
        Assert.Equal(2, e.Confusion[0, 2]); // -2 and -1 (labels 0) -> 2
        Assert.Equal(1, e.Confusion[1, 1]); // 0.5 (label 1) -> 1
        Assert.Equal(1, e.Confusion[0, 0]); // 3 (label 0) -> 0
    }

    [Fact]
    public void TheModelKeepsItsMode()
    {
        var m = Fixed([1f], [0f]);
        m.Eval();
        Trainer.Evaluate(m, Data, ZeroLoss);
        Assert.False(m.Training);
        m.Train();
        Trainer.Evaluate(m, Data, ZeroLoss);
        Assert.True(m.Training);
    }
}
