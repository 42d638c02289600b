namespace Hebb.Models;

/// <summary>
/// A next-token model over a fixed vocabulary (char-level LSTM/GRU/RNN, GPT): int32 ids of shape
/// (batch, time) in, logits of shape (batch, time, VocabSize) out, where the logits at position t
/// predict the token at t + 1. Text training, validation and generation work through this alone.
/// </summary>
public interface ILanguageModel
{
    /// <summary>The number of tokens: the ids' range and the logits' last dim.</summary>
    int VocabSize { get; }

    /// <summary>Longest context the model can take (a GPT's block size), or null when unbounded (recurrent nets).</summary>
    int? MaxContext { get; }

    /// <summary>Ids (batch, time) int32 to logits (batch, time, VocabSize).</summary>
    Tensor Forward(Tensor ids);
}

/// <summary>A language model that can continue a sequence from a key-value cache (a GPT): each new token costs one
/// position's work instead of a forward over the whole context.</summary>
public interface ICachedLanguageModel : ILanguageModel
{
    /// <summary>An empty cache for <paramref name="batch"/> sequences.</summary>
    KeyValueCache NewCache(int batch = 1);

    /// <summary>Logits (B, n, VocabSize) for ids (B, n) continuing the cached sequence, whose state it then holds.</summary>
    Tensor Forward(Tensor ids, KeyValueCache cache);
}

/// <summary>The keys and values of the positions a GPT has read so far, one (batch, block_size, 2·n_embd) tensor per
/// block; <see cref="Length"/> positions are filled.</summary>
public sealed class KeyValueCache
{
    internal KeyValueCache(IReadOnlyList<Tensor> keysValues) => KeysValues = keysValues;

    /// <summary>Per block, keys in the first n_embd columns and values in the rest, rows 0..Length-1 filled.</summary>
    public IReadOnlyList<Tensor> KeysValues { get; }

    /// <summary>How many positions the cache holds.</summary>
    public int Length { get; internal set; }

    /// <summary>Empties the cache (its memory is kept for the next sequence).</summary>
    public void Clear() => Length = 0;
}
