using System.Globalization;
using Hebb.NN;

namespace Hebb.Models;

/// <summary>
/// A character-level language model: Embedding(vocab, embedding_dim) -> RNN/LSTM/GRU stack ->
/// Linear(hidden, vocab). State dict names: embedding.weight, rnn.weight_ih_l0, ..., head.weight, head.bias.
/// </summary>
public sealed class CharRnn : Module, IRecurrentLanguageModel
{
    /// <summary>The character embedding, vocabulary to EmbeddingDim, registered as "embedding".</summary>
    public Embedding Embedding { get; }
    /// <summary>The recurrent stack (an Rnn, Lstm or Gru, as the config says), registered as "rnn".</summary>
    public RecurrentBase Rnn { get; }
    /// <summary>The output layer, hidden state to one logit per character, registered as "head".</summary>
    public Linear Head { get; }

    /// <summary>Builds the network <paramref name="config"/> describes, drawing its initial weights from
    /// <paramref name="generator"/>. <see cref="CharRnnConfig.Build"/> checks the config first.</summary>
    /// <param name="config">The network's shape.</param>
    /// <param name="generator">The random source of the initial weights and of the dropout masks.</param>
    public CharRnn(CharRnnConfig config, Generator generator)
    {
        Embedding = RegisterModule("embedding", new Embedding(config.VocabSize, config.EmbeddingDim, generator));
        Rnn = RegisterModule("rnn", config.Cell switch
        {
            RecurrentCell.Lstm => (RecurrentBase)new Lstm(config.EmbeddingDim, config.Hidden, generator, config.Layers, config.Dropout),
            RecurrentCell.Gru => new Gru(config.EmbeddingDim, config.Hidden, generator, config.Layers, config.Dropout),
            _ => new Rnn(config.EmbeddingDim, config.Hidden, generator, config.Layers, config.Dropout),
        });
        Head = RegisterModule("head", new Linear(config.Hidden, config.VocabSize, generator));
    }

    /// <summary>The number of distinct characters: the ids' range and the logits' last dim.</summary>
    public int VocabSize => Embedding.NumEmbeddings;
    /// <summary>Always null: a recurrent network reads sequences of any length.</summary>
    public int? MaxContext => null;

    /// <summary>Ids (B, T) int32 to logits (B, T, VocabSize), starting from a zero state.</summary>
    /// <exception cref="ArgumentException">The ids are not (batch, time).</exception>
    public override Tensor Forward(Tensor ids) => Forward(ids, null).Logits;

    /// <summary>Ids (B, T) int32 and the state after the previous chunk (null = zeros) to logits
    /// (B, T, VocabSize) and the state after the last step.</summary>
    /// <exception cref="ArgumentException">The ids are not (batch, time), or the state does not fit them.</exception>
    public (Tensor Logits, RecurrentState State) Forward(Tensor ids, RecurrentState? state)
    {
        if (ids.Rank != 2) throw new ArgumentException($"CharRnn: ids must be (batch, time), got shape {ShapeUtil.Format(ids.Shape)}");
        var (output, next) = Rnn.Forward(Embedding.Forward(ids), state);
        return (Head.Forward(output), next);
    }
}

/// <summary>What a char-rnn model file says about its network (kind "char-rnn").</summary>
/// <param name="Cell">The recurrence: Rnn, Lstm or Gru.</param>
/// <param name="VocabSize">The number of distinct characters.</param>
/// <param name="EmbeddingDim">The length of each character's embedding vector (default 64).</param>
/// <param name="Hidden">H, the size of the hidden state (default 256).</param>
/// <param name="Layers">The number of stacked recurrent layers (default 1).</param>
/// <param name="Dropout">Dropout probability between recurrent layers in training, in [0, 1) (default 0).</param>
public sealed record CharRnnConfig(
    RecurrentCell Cell, int VocabSize, int EmbeddingDim = 64, int Hidden = 256, int Layers = 1, double Dropout = 0) : IModelConfig
{
    /// <summary>The kind's name in a model file's metadata: "char-rnn".</summary>
    public const string KindName = "char-rnn";
    /// <summary>Always <see cref="KindName"/>.</summary>
    public string Kind => KindName;

    /// <summary>A new <see cref="CharRnn"/> of this shape, with initial weights drawn from <paramref name="generator"/>.</summary>
    /// <exception cref="ArgumentException">A size is not positive, or the dropout is outside [0, 1).</exception>
    public Module Build(Generator generator)
    {
        if (VocabSize <= 0 || EmbeddingDim <= 0 || Hidden <= 0 || Layers <= 0)
            throw new ArgumentException($"char-rnn: sizes must be positive, got vocab {VocabSize}, embedding {EmbeddingDim}, " +
                $"hidden {Hidden}, layers {Layers}");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"--dropout must be in [0, 1), got {Dropout}");
        return new CharRnn(this, generator);
    }

    /// <summary>The config as metadata: model, cell, vocab_size, embedding_dim, hidden, layers and dropout.</summary>
    public Dictionary<string, string> ToMetadata() => new()
    {
        ["model"] = KindName,
        ["cell"] = Cell.ToString().ToLowerInvariant(),
        ["vocab_size"] = VocabSize.ToString(CultureInfo.InvariantCulture),
        ["embedding_dim"] = EmbeddingDim.ToString(CultureInfo.InvariantCulture),
        ["hidden"] = Hidden.ToString(CultureInfo.InvariantCulture),
        ["layers"] = Layers.ToString(CultureInfo.InvariantCulture),
        ["dropout"] = Dropout.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>The most parameters a file or a command line may ask for (2^30, 4 GB of float32).</summary>
    public const long MaxParameters = 1L << 30;

    /// <summary>Embedding + per layer G·H·(in + H + 2) + Linear(H, V), with G = 1, 4, 3 gate blocks (RNN, LSTM, GRU).</summary>
    public long ParameterCount
    {
        get
        {
            long gates = Cell switch { RecurrentCell.Lstm => 4, RecurrentCell.Gru => 3, _ => 1 };
            long total = (long)VocabSize * EmbeddingDim + (long)Hidden * VocabSize + VocabSize;
            for (int l = 0; l < Layers; l++) total += gates * Hidden * ((l == 0 ? EmbeddingDim : Hidden) + Hidden + 2L);
            return total;
        }
    }

    /// <summary>Reads back a config written by <see cref="ToMetadata"/>.</summary>
    /// <param name="meta">A model file's metadata.</param>
    /// <param name="source">The file's name, for error messages.</param>
    /// <exception cref="InvalidDataException">A field is missing, malformed or out of range, or the network would
    /// have more than <see cref="MaxParameters"/> parameters.</exception>
    public static CharRnnConfig FromMetadata(IReadOnlyDictionary<string, string> meta, string source)
    {
        var read = new MetadataReader(meta, source);
        int Size(string key) => read.Int(key, 1, 1 << 20);
        if (!Enum.TryParse<RecurrentCell>(read.String("cell"), ignoreCase: true, out var cell) || !Enum.IsDefined(cell))
            throw new InvalidDataException(
                Hebb.IO.MessageText.OneLine($"{source}: metadata 'cell' must be rnn, lstm or gru, got '{read.String("cell")}'"));
        var config = new CharRnnConfig(
            cell, Size("vocab_size"), Size("embedding_dim"), Size("hidden"), Size("layers"), read.Fraction("dropout"));
        // Checked before anything is built: a few bytes of header must not make Hebb allocate gigabytes.
        if (config.ParameterCount > MaxParameters)
            throw new InvalidDataException(
                $"{source}: metadata describes {config.ParameterCount:N0} parameters, more than the {MaxParameters:N0} Hebb accepts");
        return config;
    }
}
