using Hebb.Autograd;
using Hebb.Models;
using Hebb.NN;

namespace Hebb.Tests.Semantics;

/// <summary>The threading contract the README states: one model may serve inference from many threads at
/// once (each gets exactly what a single thread gets), and grad mode is per thread, so a no-grad scope
/// around Parallel.For does not reach its workers.</summary>
public class ThreadSafetyTests
{
    public static IEnumerable<object[]> Models() =>
    [
        [MlpConfig.Seed.Build(new Generator(3)), new[] { 784 }],
        [new LeNet5Config().Build(new Generator(4)), new[] { 1, 28, 28 }],
    ];

    [Theory]
    [MemberData(nameof(Models))]
    public void ParallelInferenceOnOneModelEqualsSequentialBitForBit(Module model, int[] sampleShape)
    {
        model.Eval();
        var inputs = Enumerable.Range(0, 16).Select(i => Tensor.Randn(new Generator(100 + i), [3 + i % 5, .. sampleShape])).ToArray();
        float[][] sequential;
        using (GradMode.NoGrad()) sequential = inputs.Select(x => model.Forward(x).ToArray<float>()).ToArray();

        var parallel = new float[inputs.Length][];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            using var noGrad = GradMode.NoGrad(); // per thread: each worker opens its own
            using var scope = TensorScope.Begin();
            parallel[i] = model.Forward(inputs[i]).ToArray<float>();
        });
        for (int i = 0; i < inputs.Length; i++) Assert.Equal(sequential[i], parallel[i]);
    }

    [Fact]
    public void GradModeIsPerThread()
    {
        var seen = new bool[4];
        using (GradMode.NoGrad())
        {
            Assert.False(GradMode.IsEnabled);
            var threads = Enumerable.Range(0, 4).Select(i => new Thread(() => seen[i] = GradMode.IsEnabled)).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
        }
        Assert.All(seen, Assert.True); // another thread still records graphs
    }
}
