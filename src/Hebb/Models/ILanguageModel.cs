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
