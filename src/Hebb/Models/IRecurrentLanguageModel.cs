using Hebb.NN;

namespace Hebb.Models;

/// <summary>
/// A language model with a recurrent state (char-level RNN/LSTM/GRU): it can continue from where the
/// last call stopped, which truncated backpropagation through time and token-by-token generation use.
/// </summary>
public interface IRecurrentLanguageModel : ILanguageModel
{
    /// <summary>ids (B, T) int32 and the state after the previous chunk (null = zeros) to logits
    /// (B, T, VocabSize) and the state after the last step.</summary>
    (Tensor Logits, RecurrentState State) Forward(Tensor ids, RecurrentState? state);
}
