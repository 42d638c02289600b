using Hebb.Cli.Recipes;
using Hebb.Models;
using Hebb.Training;

namespace Hebb.Tests.Models;

/// <summary>Rosenblatt's rule on the logic gates: AND, OR, NOT are learned; XOR is not, and a hidden layer fixes it.</summary>
public class PerceptronTests
{
    [Theory]
    [InlineData(Gate.And)]
    [InlineData(Gate.Or)]
    [InlineData(Gate.Not)]
    public void LinearlySeparableGatesConvergeAndClassifyEveryRow(Gate gate)
    {
        var (inputs, labels) = LogicGates.TruthTable(gate);
        var perceptron = new Perceptron(inputs[0].Length);
        var result = perceptron.Fit(inputs, labels, maxEpochs: 100);

        Assert.True(result.Converged);
        Assert.InRange(result.Epochs, 2, 99); // at least one epoch with mistakes (w starts at 0), then a clean one
        Assert.Null(result.CycleFrom);
        Assert.True(Perceptron.Separates(result.Weights, inputs, labels));
        for (int n = 0; n < inputs.Length; n++) Assert.Equal(labels[n], perceptron.Predict(inputs[n]));
        Assert.Equal(result.Updates + 1, result.Visited.Count);
        Assert.Equal(result.Weights, result.Visited[^1]);
    }

    [Fact]
    public void TruthTablesAreTheGates()
    {
        Assert.Equal(new[] { -1, -1, -1, 1 }, LogicGates.TruthTable(Gate.And).Labels);
        Assert.Equal(new[] { -1, 1, 1, 1 }, LogicGates.TruthTable(Gate.Or).Labels);
        Assert.Equal(new[] { -1, 1, 1, -1 }, LogicGates.TruthTable(Gate.Xor).Labels);
        var not = LogicGates.TruthTable(Gate.Not);
        Assert.Equal(new[] { 1, -1 }, not.Labels);
        Assert.All(not.Inputs, row => Assert.Single(row));
        Assert.Equal(Gate.Xor, LogicGates.Parse(" XOR "));
        Assert.Throws<ArgumentException>(() => LogicGates.Parse("nand"));
    }

    [Fact]
    public void UpdatesFollowTheSeedRuleByHand()
    {
        // AND from w = 0, x = (1, x1, x2): row (0,0), y=-1: w·x = 0, sign 0 != -1 -> w = (0,0,0) - (1,0,0) = (-1,0,0).
        // Rows (0,1) and (1,0), y=-1: w·x = -1, right. Row (1,1), y=+1: w·x = -1 -> w = (-1,0,0) + (1,1,1) = (0,1,1).
        var (inputs, labels) = LogicGates.TruthTable(Gate.And);
        var result = new Perceptron(2).Fit(inputs, labels, maxEpochs: 1);
        Assert.False(result.Converged);
        Assert.Equal(1, result.Epochs);
        Assert.Equal(2, result.Updates);
        Assert.Equal(new double[] { 0, 0, 0 }, result.Visited[0]);
        Assert.Equal(new double[] { -1, 0, 0 }, result.Visited[1]);
        Assert.Equal(new double[] { 0, 1, 1 }, result.Visited[2]);
    }

    [Fact]
    public void XorDoesNotConvergeAndNoVisitedWeightsSeparateIt()
    {
        var (inputs, labels) = LogicGates.TruthTable(Gate.Xor);
        var result = new Perceptron(2).Fit(inputs, labels, maxEpochs: 50);
        Assert.False(result.Converged);
        Assert.Equal(50, result.Epochs);
        Assert.True(result.Updates >= 50); // every epoch made at least one mistake
        Assert.NotNull(result.CycleFrom);  // the weights at some epoch start repeat: it would go on forever
        Assert.True(result.CycleTo > result.CycleFrom);
        Assert.All(result.Visited, w => Assert.False(Perceptron.Separates(w, inputs, labels)));

        // Why no w can work: the four margins y·(w·x) always sum to zero,
        // -w0 + (w0 + w2) + (w0 + w1) - (w0 + w1 + w2) = 0, so they cannot all be positive.
        var g = new Generator(3);
        var candidates = result.Visited.Concat(Enumerable.Range(0, 1000)
            .Select(_ => new[] { g.NextNormal() * 5, g.NextNormal() * 5, g.NextNormal() * 5 }));
        foreach (var w in candidates)
        {
            double sum = Enumerable.Range(0, 4).Sum(n => labels[n] * (w[0] + w[1] * inputs[n][0] + w[2] * inputs[n][1]));
            Assert.Equal(0, sum, 9);
            Assert.False(Perceptron.Separates(w, inputs, labels));
        }
    }

    [Fact]
    public void ABoundaryPointCountsAsAMistake()
    {
        // sign(0) = 0 matches neither label, so from w = 0 the first row always updates.
        var result = new Perceptron(1).Fit([[1.0]], [1], maxEpochs: 5);
        Assert.Equal(new double[] { 1, 1 }, result.Visited[1]);
        Assert.True(result.Converged);
        Assert.False(Perceptron.Separates(new double[] { 0, 0 }, [[1.0]], [1]));
    }

    [Fact]
    public void BadInputIsRefusedClearly()
    {
        var p = new Perceptron(2);
        Assert.Contains("must be -1 or +1", Assert.Throws<ArgumentException>(() => p.Fit([[0.0, 1.0]], [0])).Message);
        Assert.Contains("row 0 has 1 inputs", Assert.Throws<ArgumentException>(() => p.Fit([[0.0]], [1])).Message);
        Assert.Throws<ArgumentException>(() => p.Fit([[0.0, 1.0]], [1, -1]));
        Assert.Throws<ArgumentException>(() => p.Fit([[0.0, 1.0]], [1], maxEpochs: 0));
        Assert.Throws<ArgumentException>(() => new Perceptron(0));
        Assert.Throws<ArgumentException>(() => p.Predict([1.0]));
    }

    [Fact]
    public void AHiddenLayerLearnsXor()
    {
        var result = XorNetwork.Train(seed: 0);
        Assert.True(result.Solved);
        Assert.Equal(4, result.Outputs.Length);
        Assert.True(result.Outputs[0] < 0.1f && result.Outputs[3] < 0.1f, string.Join(", ", result.Outputs));
        Assert.True(result.Outputs[1] > 0.9f && result.Outputs[2] > 0.9f, string.Join(", ", result.Outputs));
        Assert.Equal(9, result.Model.ParameterCount); // 2·2 + 2 + 2·1 + 1

        var again = XorNetwork.Train(seed: 0);
        Assert.Equal(result.Outputs, again.Outputs); // a seed fixes the run
    }

    [Fact]
    public void AStartStuckInALocalMinimumIsRestartedFromTheNextSeed()
    {
        // Some starts of a 2-2-1 network end with two rows at 0.5; find one and check Train moves on from it.
        int stuck = Enumerable.Range(0, 40).First(s => !XorNetwork.TrainOnce(s).Solved);
        var result = XorNetwork.Train(stuck);
        Assert.True(result.Solved);
        Assert.True(result.Attempts > 1);
        Assert.Equal(stuck + result.Attempts - 1, result.Seed);
    }
}
