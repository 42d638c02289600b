using System.Globalization;
using Hebb.Ops;

namespace Hebb.NN;

/// <summary>
/// A stack of recurrent layers over batch-first sequences (torch.nn.RNN / LSTM / GRU with
/// batch_first=True). Per layer l the parameters are weight_ih_l{l} (G·H, in), weight_hh_l{l} (G·H, H),
/// bias_ih_l{l} and bias_hh_l{l} (G·H), all drawn from U(-1/sqrt(H), 1/sqrt(H)) as in PyTorch; the G
/// gate blocks follow PyTorch's order (LSTM i, f, g, o; GRU r, z, n), so state dicts load either way.
/// Forward runs <see cref="Functional.Recurrent"/>: one GEMM for the input projection of all steps,
/// then the recurrence as one fused node per layer.
/// </summary>
public abstract class RecurrentBase : Module
{
    private readonly RecurrentWeights[] _layers;
    private readonly Generator? _dropoutGenerator;

    /// <summary>The recurrence every layer runs: Rnn, Lstm or Gru.</summary>
    public RecurrentCell Cell { get; }
    /// <summary>Features per time step of the input: its last dim.</summary>
    public int InputSize { get; }
    /// <summary>H, the size of the hidden state and of each output step.</summary>
    public int HiddenSize { get; }
    /// <summary>The number of stacked layers; each layer after the first reads the outputs of the one before.</summary>
    public int NumLayers { get; }
    /// <summary>Dropout probability on the outputs of every layer but the last (training only).</summary>
    public double Dropout { get; }

    /// <summary>Creates <paramref name="numLayers"/> layers of <paramref name="cell"/>, all weights and biases drawn
    /// from U(-1/sqrt(H), 1/sqrt(H)).</summary>
    /// <param name="cell">The recurrence: Rnn, Lstm or Gru.</param>
    /// <param name="inputSize">Features per time step of the input.</param>
    /// <param name="hiddenSize">H, the size of the hidden state.</param>
    /// <param name="numLayers">The number of stacked layers.</param>
    /// <param name="dropout">Dropout probability on every layer's output but the last, in training, in [0, 1).</param>
    /// <param name="generator">The random source of the initial weights (and of the dropout's own generator).</param>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dropout"/> is outside [0, 1).</exception>
    protected RecurrentBase(RecurrentCell cell, int inputSize, int hiddenSize, int numLayers, double dropout, Generator generator)
    {
        string name = cell.ToString().ToUpperInvariant();
        if (inputSize <= 0 || hiddenSize <= 0 || numLayers <= 0)
            throw new ArgumentException(
                $"{name}: sizes must be positive, got input_size={inputSize}, hidden_size={hiddenSize}, num_layers={numLayers}");
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), $"{name}: dropout must be in [0, 1), got {dropout}");
        (Cell, InputSize, HiddenSize, NumLayers, Dropout) = (cell, inputSize, hiddenSize, numLayers, dropout);
        int gh = RecurrentOp.Gates(cell) * hiddenSize;
        double bound = 1 / Math.Sqrt(hiddenSize);
        _layers = new RecurrentWeights[numLayers];
        for (int l = 0; l < numLayers; l++)
        {
            string s = l.ToString(CultureInfo.InvariantCulture);
            var wih = RegisterParameter("weight_ih_l" + s, Tensor.Zeros(gh, l == 0 ? inputSize : hiddenSize));
            var whh = RegisterParameter("weight_hh_l" + s, Tensor.Zeros(gh, hiddenSize));
            var bih = RegisterParameter("bias_ih_l" + s, Tensor.Zeros(gh));
            var bhh = RegisterParameter("bias_hh_l" + s, Tensor.Zeros(gh));
            foreach (var p in new[] { wih, whh, bih, bhh }) Init.Uniform(p, generator, -bound, bound);
            _layers[l] = new RecurrentWeights(wih, whh, bih, bhh);
        }
        // Its own stream, so turning dropout on does not shift the caller's random numbers.
        if (dropout > 0 && numLayers > 1) _dropoutGenerator = new Generator(generator.NextUInt64());
    }

    /// <summary>The layers' parameters, in order.</summary>
    public IReadOnlyList<RecurrentWeights> Layers => _layers;

    /// <summary>Input (B, T, input_size) and optional initial state (zeros when null) to the last
    /// layer's outputs (B, T, H) and the final state h_n (and c_n), each (layers, B, H).</summary>
    public (Tensor Output, RecurrentState State) Forward(Tensor input, RecurrentState? state) =>
        Functional.Recurrent(Cell, input, _layers, state, Dropout, Training, _dropoutGenerator);

    /// <summary>The outputs only, from a zero initial state.</summary>
    public override Tensor Forward(Tensor input) => Forward(input, null).Output;

    /// <inheritdoc/>
    protected override string ExtraRepr =>
        $"{InputSize}, {HiddenSize}, num_layers={NumLayers}, batch_first=True" + (Dropout > 0 ? $", dropout={Dropout}" : "");
}

/// <summary>Elman RNN with tanh: h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh), as torch.nn.RNN(batch_first=True).</summary>
/// <param name="inputSize">Features per time step of the input.</param>
/// <param name="hiddenSize">H, the size of the hidden state.</param>
/// <param name="generator">The random source of the initial weights.</param>
/// <param name="numLayers">The number of stacked layers (default 1).</param>
/// <param name="dropout">Dropout probability on every layer's output but the last, in training, in [0, 1) (default 0).</param>
public sealed class Rnn(int inputSize, int hiddenSize, Generator generator, int numLayers = 1, double dropout = 0)
    : RecurrentBase(RecurrentCell.Rnn, inputSize, hiddenSize, numLayers, dropout, generator);

/// <summary>
/// LSTM (torch.nn.LSTM with batch_first=True) with the classic gates: f_t = σ(W_f [h_(t-1), x_t] + b_f),
/// i_t = σ(W_i [..] + b_i), C~_t = tanh(W_C [..] + b_C), o_t = σ(W_o [..] + b_o), C_t = f_t·C_(t-1) + i_t·C~_t,
/// h_t = o_t·tanh(C_t). W_f [h, x] is stored split as W_hf h + W_if x (PyTorch's layout), and b_f as b_if + b_hf.
/// </summary>
/// <param name="inputSize">Features per time step of the input.</param>
/// <param name="hiddenSize">H, the size of the hidden state and of the cell state.</param>
/// <param name="generator">The random source of the initial weights.</param>
/// <param name="numLayers">The number of stacked layers (default 1).</param>
/// <param name="dropout">Dropout probability on every layer's output but the last, in training, in [0, 1) (default 0).</param>
public sealed class Lstm(int inputSize, int hiddenSize, Generator generator, int numLayers = 1, double dropout = 0)
    : RecurrentBase(RecurrentCell.Lstm, inputSize, hiddenSize, numLayers, dropout, generator);

/// <summary>GRU as in PyTorch: r, z = σ(..), n = tanh(W_in x + b_in + r·(W_hn h + b_hn)), h_t = (1 - z)·n + z·h_(t-1)
/// (torch.nn.GRU with batch_first=True).</summary>
/// <param name="inputSize">Features per time step of the input.</param>
/// <param name="hiddenSize">H, the size of the hidden state.</param>
/// <param name="generator">The random source of the initial weights.</param>
/// <param name="numLayers">The number of stacked layers (default 1).</param>
/// <param name="dropout">Dropout probability on every layer's output but the last, in training, in [0, 1) (default 0).</param>
public sealed class Gru(int inputSize, int hiddenSize, Generator generator, int numLayers = 1, double dropout = 0)
    : RecurrentBase(RecurrentCell.Gru, inputSize, hiddenSize, numLayers, dropout, generator);
