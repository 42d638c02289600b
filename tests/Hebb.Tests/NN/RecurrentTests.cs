using Hebb.NN;
using static Hebb.Tests.Autograd.GradCheck;

namespace Hebb.Tests.NN;

/// <summary>RNN, LSTM and GRU: gradients through time, the seed's LSTM formulas, state handling and errors.</summary>
public class RecurrentTests
{
    public static TheoryData<RecurrentCell> Cells => [RecurrentCell.Rnn, RecurrentCell.Lstm, RecurrentCell.Gru];

    private static int Gates(RecurrentCell cell) => cell switch { RecurrentCell.Lstm => 4, RecurrentCell.Gru => 3, _ => 1 };

    /// <summary>2 layers, batch 2, 3 steps, 3 inputs, hidden 4: the output sequence, h_n and c_n
    /// together are checked against finite differences for the input, every weight and the initial state.</summary>
    [Theory, MemberData(nameof(Cells))]
    public void GradcheckThroughTime(RecurrentCell cell)
    {
        var g = new Generator(11);
        int B = 2, T = 3, I = 3, H = 4, L = 2, G = Gates(cell) * H;
        bool lstm = cell == RecurrentCell.Lstm;
        foreach (bool contiguous in new[] { true, false })
        {
            Tensor Make(params int[] s)
            {
                var leaf = contiguous ? Leaf(g, s) : NonContiguousLeaf(g, s);
                using (Hebb.Autograd.GradMode.NoGrad()) leaf.CopyFrom(leaf.Mul(0.5)); // keep pre-activations away from saturation
                return leaf;
            }
            var inputs = new List<Tensor> { Make(B, T, I) };
            for (int l = 0; l < L; l++) inputs.AddRange([Make(G, l == 0 ? I : H), Make(G, H), Make(G), Make(G)]);
            inputs.Add(Make(L, B, H));
            if (lstm) inputs.Add(Make(L, B, H));
            if (!contiguous) Assert.False(inputs[0].IsContiguous);
            Check(x =>
            {
                var layers = Enumerable.Range(0, L)
                    .Select(l => new RecurrentWeights(x[1 + 4 * l], x[2 + 4 * l], x[3 + 4 * l], x[4 + 4 * l])).ToList();
                var state = new RecurrentState(x[1 + 4 * L], lstm ? x[2 + 4 * L] : null);
                var (y, s) = Functional.Recurrent(cell, x[0], layers, state);
                Tensor[] parts = s.C is null ? [y.Reshape(-1), s.H.Reshape(-1)] : [y.Reshape(-1), s.H.Reshape(-1), s.C.Reshape(-1)];
                return Tensor.Cat(parts);
            }, [.. inputs]);
        }
    }

    /// <summary>With no initial state given, the zero state is used and only inputs and weights get gradients.</summary>
    [Theory, MemberData(nameof(Cells))]
    public void GradcheckFromZeroState(RecurrentCell cell)
    {
        var g = new Generator(12);
        int G = Gates(cell) * 3;
        Check(x => Functional.Recurrent(cell, x[0], [new RecurrentWeights(x[1], x[2], x[3], x[4])]).Output,
            Leaf(g, 3, 5, 2), Leaf(g, G, 2), Leaf(g, G, 3), Leaf(g, G), Leaf(g, G));
    }

    /// <summary>The LSTM module against the seed's formulas written out with plain loops:
    /// f = σ(W_f [h, x] + b_f), i = σ(W_i [h, x] + b_i), C~ = tanh(W_C [h, x] + b_C), C = f·C_prev + i·C~,
    /// o = σ(W_o [h, x] + b_o), h = o·tanh(C); W_k [h, x] = W_hh,k h + W_ih,k x and b_k = b_ih,k + b_hh,k.</summary>
    [Fact]
    public void LstmMatchesTheSeedFormulasStepByStep()
    {
        int B = 3, T = 6, I = 5, H = 4;
        var lstm = new Lstm(I, H, new Generator(3));
        var x = Tensor.Randn(new Generator(4), B, T, I);
        var h0 = Tensor.Randn(new Generator(5), 1, B, H).Mul(0.5);
        var c0 = Tensor.Randn(new Generator(6), 1, B, H).Mul(0.5);
        var (y, state) = lstm.Forward(x, new RecurrentState(h0, c0));

        var wih = lstm.Layers[0].WeightIh.ToArray<float>();
        var whh = lstm.Layers[0].WeightHh.ToArray<float>();
        var bih = lstm.Layers[0].BiasIh.ToArray<float>();
        var bhh = lstm.Layers[0].BiasHh.ToArray<float>();
        var xs = x.ToArray<float>();
        var hs = h0.ToArray<float>();
        var cs = c0.ToArray<float>();
        var got = y.ToArray<float>();
        static double Sigma(double v) => 1 / (1 + Math.Exp(-v));
        for (int b = 0; b < B; b++)
        {
            var h = new double[H];
            var c = new double[H];
            for (int j = 0; j < H; j++) { h[j] = hs[b * H + j]; c[j] = cs[b * H + j]; }
            for (int t = 0; t < T; t++)
            {
                // Gate k (PyTorch's order: 0 = i, 1 = f, 2 = C~, 3 = o), unit j: W_k [h_(t-1), x_t] + b_k.
                double Pre(int k, int j)
                {
                    int row = k * H + j;
                    double s = bih[row] + bhh[row];
                    for (int p = 0; p < H; p++) s += whh[row * H + p] * h[p];
                    for (int p = 0; p < I; p++) s += wih[row * I + p] * xs[(b * T + t) * I + p];
                    return s;
                }
                var hNew = new double[H];
                for (int j = 0; j < H; j++)
                {
                    double f = Sigma(Pre(1, j)), i = Sigma(Pre(0, j)), cTilde = Math.Tanh(Pre(2, j)), o = Sigma(Pre(3, j));
                    c[j] = f * c[j] + i * cTilde;
                    hNew[j] = o * Math.Tanh(c[j]);
                }
                h = hNew;
                for (int j = 0; j < H; j++)
                    Assert.True(Math.Abs(got[(b * T + t) * H + j] - h[j]) <= 1e-5,
                        $"h[b={b}, t={t}, j={j}]: {got[(b * T + t) * H + j]} vs {h[j]}");
            }
            for (int j = 0; j < H; j++)
            {
                Assert.True(Math.Abs(state.H.ToArray<float>()[b * H + j] - h[j]) <= 1e-5);
                Assert.True(Math.Abs(state.C!.ToArray<float>()[b * H + j] - c[j]) <= 1e-5);
            }
        }
    }

    /// <summary>Running a sequence in chunks, carrying the detached state, gives the same outputs as one
    /// pass (truncated BPTT changes only the gradients); the carried state is cut from the graph.</summary>
    [Theory, MemberData(nameof(Cells))]
    public void ChunksWithCarriedStateEqualOnePass(RecurrentCell cell)
    {
        var g = new Generator(8);
        RecurrentBase net = cell switch
        {
            RecurrentCell.Lstm => new Lstm(3, 6, g, numLayers: 2),
            RecurrentCell.Gru => new Gru(3, 6, g, numLayers: 2),
            _ => new Rnn(3, 6, g, numLayers: 2),
        };
        var x = Tensor.Randn(new Generator(9), 2, 10, 3);
        var (whole, wholeState) = net.Forward(x, null);
        RecurrentState? state = null;
        var pieces = new List<Tensor>();
        foreach (var chunk in x.Split(4, 1))
        {
            var (y, s) = net.Forward(chunk, state);
            y.Sum().Backward(); // each chunk's backward stops at the carried state
            pieces.Add(y.Detach());
            state = s.Detach();
            Assert.True(state.H.IsLeaf && !state.H.RequiresGrad);
        }
        var chunked = Tensor.Cat(pieces, 1).ToArray<float>();
        var expected = whole.ToArray<float>();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - chunked[i]) <= 1e-6, $"element {i}: {chunked[i]} vs {expected[i]}");
        var hn = wholeState.H.ToArray<float>();
        var hc = state!.H.ToArray<float>();
        for (int i = 0; i < hn.Length; i++) Assert.True(Math.Abs(hn[i] - hc[i]) <= 1e-6);
    }

    [Fact]
    public void ParametersAreNamedAndInitialisedAsInPyTorch()
    {
        var lstm = new Lstm(10, 8, new Generator(1), numLayers: 2);
        var names = lstm.NamedParameters().Select(p => p.Key + ":" + string.Join("x", p.Value.ShapeArray)).ToArray();
        Assert.Equal(["weight_ih_l0:32x10", "weight_hh_l0:32x8", "bias_ih_l0:32", "bias_hh_l0:32",
                      "weight_ih_l1:32x8", "weight_hh_l1:32x8", "bias_ih_l1:32", "bias_hh_l1:32"], names);
        double bound = 1 / Math.Sqrt(8);
        foreach (var p in lstm.Parameters())
        {
            var v = p.ToArray<float>();
            Assert.All(v, e => Assert.InRange(e, -bound, bound));
            Assert.True(v.Max() > bound * 0.5 && v.Min() < -bound * 0.5); // spread over the range, not all zero
        }
        Assert.Equal(3 * 8 * (10 + 8 + 2) + 3 * 8 * (8 + 8 + 2), new Gru(10, 8, new Generator(1), numLayers: 2).ParameterCount);
        Assert.Equal(8 * (10 + 8 + 2), new Rnn(10, 8, new Generator(1)).ParameterCount);
    }

    [Fact]
    public void DropoutActsBetweenLayersInTrainingOnly()
    {
        var net = new Lstm(3, 16, new Generator(1), numLayers: 2, dropout: 0.5);
        var x = Tensor.Randn(new Generator(2), 2, 5, 3);
        var a = net.Forward(x).ToArray<float>();
        var b = net.Forward(x).ToArray<float>();
        Assert.NotEqual(a, b); // different masks in training
        net.Eval();
        Assert.Equal(net.Forward(x).ToArray<float>(), net.Forward(x).ToArray<float>());
    }

    [Fact]
    public void BadShapesGiveClearErrors()
    {
        var lstm = new Lstm(3, 4, new Generator(1), numLayers: 2);
        var e = Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Zeros(2, 5, 7)));
        Assert.Contains("must end in 3 features", e.Message);
        e = Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Zeros(2, 3)));
        Assert.Contains("(batch, time, features)", e.Message);
        e = Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Zeros(2, 5, 3), new RecurrentState(Tensor.Zeros(2, 2, 4), null)));
        Assert.Contains("c0", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            lstm.Forward(Tensor.Zeros(2, 5, 3), new RecurrentState(Tensor.Zeros(1, 2, 4), Tensor.Zeros(1, 2, 4))));
        Assert.Contains("h0 must be (layers, batch, hidden) = (2, 2, 4)", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Gru(3, 4, new Generator(1))
            .Forward(Tensor.Zeros(2, 5, 3), new RecurrentState(Tensor.Zeros(1, 2, 4), Tensor.Zeros(1, 2, 4))));
        Assert.Contains("only an LSTM", e.Message);
        e = Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Zeros(2, 0, 3)));
        Assert.Contains("empty", e.Message);
        Assert.Throws<ArgumentException>(() => new Lstm(0, 4, new Generator(1)));
    }
}
