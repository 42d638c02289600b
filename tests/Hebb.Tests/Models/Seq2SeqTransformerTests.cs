using System.Diagnostics;
using Hebb.Models;
using Hebb.NN;
using Hebb.Optim;
using Xunit.Abstractions;

namespace Hebb.Tests.Models;

/// <summary>The encoder-decoder transformer learns to reverse digit strings, judged by greedy decoding
/// on held-out strings it never saw in training.</summary>
public class Seq2SeqTransformerTests(ITestOutputHelper output)
{
    private const int Length = 8, Digits = 10, Bos = 10;

    /// <summary>About one string in ten is held out: those whose weighted digit sum ends in 0.</summary>
    private static bool HeldOut(int[] s) => s.Select((d, i) => d * (2 * i + 1)).Sum() % 10 == 0;

    private static int[] Sample(Generator g, bool heldOut)
    {
        while (true)
        {
            var s = Enumerable.Range(0, Length).Select(_ => g.NextInt(Digits)).ToArray();
            if (HeldOut(s) == heldOut) return s;
        }
    }

    [Fact]
    public void LearnsToReverseDigitStrings()
    {
        var g = new Generator(0);
        var model = new Seq2SeqTransformer(
            Digits, Digits + 1, embedDim: 64, heads: 4, encoderLayers: 2, decoderLayers: 2, maxLength: Length, g);
        int steps = 400, batch = 64;
        var opt = new AdamW(ParameterGroup.DecayMatricesOnly(model.Parameters(), 0.01), 3e-3, beta2: 0.98);
        var schedule = new CosineWithWarmupSchedule(3e-3, 1e-4, 50, steps);
        var data = new Generator(1);
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < steps; step++)
        {
            using var scope = TensorScope.Begin();
            var src = new int[batch * Length];
            var tgtIn = new int[batch * Length];
            var tgtOut = new int[batch * Length];
            for (int b = 0; b < batch; b++)
            {
                var s = Sample(data, heldOut: false);
                for (int t = 0; t < Length; t++)
                {
                    src[b * Length + t] = s[t];
                    tgtOut[b * Length + t] = s[Length - 1 - t];
                    tgtIn[b * Length + t] = t == 0 ? Bos : s[Length - t];
                }
            }
            var logits = model.Forward(Tensor.FromArray(src, batch, Length), Tensor.FromArray(tgtIn, batch, Length));
            var loss = Losses.CrossEntropy(logits.Reshape(-1, Digits + 1), Tensor.FromArray(tgtOut, batch * Length));
            schedule.Apply(opt, step);
            opt.ZeroGrad();
            loss.Backward();
            GradientClipping.ClipGradNorm(model.Parameters(), 1.0);
            opt.Step();
            if (step % 100 == 0) output.WriteLine($"step {step}: loss {loss.Item():F4}");
        }
        output.WriteLine($"training: {clock.Elapsed.TotalSeconds:F1} s");

        model.Eval();
        var test = new Generator(2);
        int n = 1000, exact = 0;
        var tests = Enumerable.Range(0, n).Select(_ => Sample(test, heldOut: true)).ToArray();
        var decoded = model.GreedyDecode(Tensor.FromArray(tests.SelectMany(s => s).ToArray(), n, Length), Bos, Length).ToArray<int>();
        for (int i = 0; i < n; i++)
            if (decoded.Skip(i * Length).Take(Length).SequenceEqual(tests[i].Reverse())) exact++;
        output.WriteLine($"exact match on {n} held-out strings: {exact / (double)n:P1}; total {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(exact >= 990, $"only {exact} of {n} held-out strings reversed exactly");
    }
}
