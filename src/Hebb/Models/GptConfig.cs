using System.Globalization;
using Hebb.NN;

namespace Hebb.Models;

/// <summary>
/// A GPT's shape (nanoGPT's GPTConfig): vocabulary size, number of blocks, heads per block, embedding
/// width, block size (longest context), dropout, whether Linear and LayerNorm layers have biases, and
/// whether the unembedding reuses the token embedding (tied weights). It travels in a model file's
/// header under nanoGPT's names (vocab_size, n_layer, n_head, n_embd, block_size, dropout, bias, tied).
/// </summary>
/// <param name="VocabSize">The number of tokens (vocab_size), 1 to 2^24.</param>
/// <param name="Layers">The number of transformer blocks (n_layer), 1 to 1024.</param>
/// <param name="Heads">Attention heads per block (n_head); it must divide EmbeddingDim.</param>
/// <param name="EmbeddingDim">The width of the embeddings and of every block (n_embd), 1 to 2^14.</param>
/// <param name="BlockSize">The longest context (block_size), 1 to 65,536.</param>
/// <param name="Dropout">Dropout probability in training, in [0, 1) (default 0).</param>
/// <param name="Bias">Whether the Linear and LayerNorm layers have biases (default true).</param>
/// <param name="TiedWeights">Whether the unembedding reuses the token embedding's weights (default true).</param>
/// <param name="Activation">The MLP's activation: Gelu (exact, nanoGPT's; the default) or GeluTanh (GPT-2's gelu_new).
/// In metadata "activation" (gelu or gelutanh), written only when not the default.</param>
/// <param name="LayerNormEps">The LayerNorms' epsilon (default 1e-5, nanoGPT's and GPT-2's). In metadata "layer_norm_eps",
/// written only when not the default.</param>
public sealed record GptConfig(
    int VocabSize, int Layers, int Heads, int EmbeddingDim, int BlockSize, double Dropout = 0, bool Bias = true, bool TiedWeights = true,
    Activation Activation = Activation.Gelu, double LayerNormEps = 1e-5)
    : IModelConfig
{
    /// <summary>The kind's name in a model file's metadata: "gpt".</summary>
    public const string KindName = "gpt";
    /// <summary>Always <see cref="KindName"/>.</summary>
    public string Kind => KindName;

    /// <summary>Largest model a file may ask for (2^30 parameters, 4 GB of float32), so a hostile header cannot exhaust memory.</summary>
    public const long MaxParameters = 1L << 30;

    /// <summary>Trainable values: embeddings, per block 2 LayerNorms, attention (4·E² + biases) and MLP
    /// (8·E² + biases), the final LayerNorm and, when not tied, the unembedding.</summary>
    public long ParameterCount
    {
        get
        {
            long e = EmbeddingDim, b = Bias ? 1 : 0;
            long block = 2 * (e + b * e) + (3 * e * e + b * 3 * e) + (e * e + b * e) + (4 * e * e + b * 4 * e) + (4 * e * e + b * e);
            return (long)VocabSize * e + (long)BlockSize * e + Layers * block + (e + b * e) + (TiedWeights ? 0 : (long)VocabSize * e);
        }
    }

    /// <summary>Throws ArgumentException naming the first field out of range.</summary>
    public void Validate()
    {
        static void Range(string name, long value, long min, long max)
        {
            if (value < min || value > max) throw new ArgumentException($"GPT config: {name} must be between {min} and {max}, got {value}");
        }
        Range("vocab_size", VocabSize, 1, 1 << 24);
        Range("n_layer", Layers, 1, 1024);
        Range("n_head", Heads, 1, 1024);
        Range("n_embd", EmbeddingDim, 1, 1 << 14);
        Range("block_size", BlockSize, 1, 1 << 16);
        if (EmbeddingDim % Heads != 0)
            throw new ArgumentException($"GPT config: n_embd ({EmbeddingDim}) must be a multiple of n_head ({Heads})");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"GPT config: dropout must be in [0, 1), got {Dropout}");
        if (Activation is not (Activation.Gelu or Activation.GeluTanh or Activation.Relu))
            throw new ArgumentException(
                $"GPT config: activation must be gelu, gelutanh or relu, got {Activation.ToString().ToLowerInvariant()}");
        if (!(LayerNormEps >= 0 && LayerNormEps <= 1))
            throw new ArgumentException($"GPT config: layer_norm_eps must be between 0 and 1, got {LayerNormEps}");
        if (ParameterCount > MaxParameters)
            throw new ArgumentException($"GPT config: {ParameterCount:N0} parameters is more than the {MaxParameters:N0} allowed");
    }

    /// <summary>A new <see cref="Gpt"/> of this shape, with initial weights drawn from <paramref name="generator"/>.</summary>
    /// <exception cref="ArgumentException">The config is out of range (see <see cref="Validate"/>).</exception>
    public Module Build(Generator generator) => new Gpt(this, generator);

    /// <summary>The config as metadata under nanoGPT's names (vocab_size, n_layer, n_head, n_embd, block_size,
    /// dropout, bias, tied), plus model = "gpt", and activation and layer_norm_eps when not the defaults.</summary>
    public Dictionary<string, string> ToMetadata()
    {
        var meta = Metadata();
        if (Activation != Activation.Gelu) meta["activation"] = Activation.ToString().ToLowerInvariant();
        if (LayerNormEps != 1e-5) meta["layer_norm_eps"] = LayerNormEps.ToString("R", CultureInfo.InvariantCulture);
        return meta;
    }

    private Dictionary<string, string> Metadata() => new()
    {
        ["model"] = KindName,
        ["vocab_size"] = VocabSize.ToString(CultureInfo.InvariantCulture),
        ["n_layer"] = Layers.ToString(CultureInfo.InvariantCulture),
        ["n_head"] = Heads.ToString(CultureInfo.InvariantCulture),
        ["n_embd"] = EmbeddingDim.ToString(CultureInfo.InvariantCulture),
        ["block_size"] = BlockSize.ToString(CultureInfo.InvariantCulture),
        ["dropout"] = Dropout.ToString("R", CultureInfo.InvariantCulture),
        ["bias"] = Bias ? "true" : "false",
        ["tied"] = TiedWeights ? "true" : "false",
    };

    /// <summary>Reads the config back from a file header; anything missing, malformed or out of range is an
    /// InvalidDataException that names the field and the file.</summary>
    public static GptConfig FromMetadata(IReadOnlyDictionary<string, string> meta, string source)
    {
        var read = new MetadataReader(meta, source);
        int Int(string key) => read.Int(key, 0, int.MaxValue);   // ranges and consistency: Validate below
        var config = new GptConfig(Int("vocab_size"), Int("n_layer"), Int("n_head"), Int("n_embd"), Int("block_size"),
            read.Fraction("dropout"), read.Bool("bias"), read.Bool("tied"),
            meta.ContainsKey("activation") ? read.Parsed("activation", Activations.Parse) : Activation.Gelu,
            meta.ContainsKey("layer_norm_eps") ? read.Double("layer_norm_eps", 0, 1) : 1e-5);
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}");
        }
        return config;
    }
}
