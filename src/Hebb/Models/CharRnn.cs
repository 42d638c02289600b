using System.Globalization;
using Hebb.NN;

namespace Hebb.Models;

/// <summary>
/// A character-level language model: Embedding(vocab, embedding_dim) -> RNN/LSTM/GRU stack ->
/// Linear(hidden, vocab). State dict names: embedding.weight, rnn.weight_ih_l0, ..., head.weight, head.bias.
/// </summary>
public sealed class CharRnn : Module, IRecurrentLanguageModel
{
    public Embedding Embedding { get; }
    public RecurrentBase Rnn { get; }
    public Linear Head { get; }

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

    public int VocabSize => Embedding.NumEmbeddings;
    public int? MaxContext => null;

    public override Tensor Forward(Tensor ids) => Forward(ids, null).Logits;

    public (Tensor Logits, RecurrentState State) Forward(Tensor ids, RecurrentState? state)
    {
        if (ids.Rank != 2) throw new ArgumentException($"CharRnn: ids must be (batch, time), got shape {ShapeUtil.Format(ids.Shape)}");
        var (output, next) = Rnn.Forward(Embedding.Forward(ids), state);
        return (Head.Forward(output), next);
    }
}

/// <summary>What a char-rnn model file says about its network (kind "char-rnn").</summary>
public sealed record CharRnnConfig(
    RecurrentCell Cell, int VocabSize, int EmbeddingDim = 64, int Hidden = 256, int Layers = 1, double Dropout = 0) : IModelConfig
{
    public const string KindName = "char-rnn";
    public string Kind => KindName;

    public Module Build(Generator generator)
    {
        if (VocabSize <= 0 || EmbeddingDim <= 0 || Hidden <= 0 || Layers <= 0)
            throw new ArgumentException($"char-rnn: sizes must be positive, got vocab {VocabSize}, embedding {EmbeddingDim}, " +
                $"hidden {Hidden}, layers {Layers}");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"--dropout must be in [0, 1), got {Dropout}");
        return new CharRnn(this, generator);
    }

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

    public static CharRnnConfig FromMetadata(IReadOnlyDictionary<string, string> meta, string source)
    {
        var read = new MetadataReader(meta, source);
        int Size(string key) => read.Int(key, 1, 1 << 20);
        if (!Enum.TryParse<RecurrentCell>(read.String("cell"), ignoreCase: true, out var cell) || !Enum.IsDefined(cell))
            throw new InvalidDataException($"{source}: metadata 'cell' must be rnn, lstm or gru, got '{read.String("cell")}'");
        var config = new CharRnnConfig(
            cell, Size("vocab_size"), Size("embedding_dim"), Size("hidden"), Size("layers"), read.Fraction("dropout"));
        // Checked before anything is built: a few bytes of header must not make Hebb allocate gigabytes.
        if (config.ParameterCount > MaxParameters)
            throw new InvalidDataException(
                $"{source}: metadata describes {config.ParameterCount:N0} parameters, more than the {MaxParameters:N0} Hebb accepts");
        return config;
    }
}
