using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Hebb.Data;

/// <summary>
/// GPT-2's byte-level BPE tokenizer (Microsoft.ML.Tokenizers): text to token ids and back, exactly, for any Unicode text
/// (every byte has a token, so nothing is unknown). <see cref="Builtin"/> is OpenAI's GPT-2 vocabulary of 50,257 tokens,
/// shipped inside a NuGet package (no download); <see cref="FromFiles"/> reads a Hugging Face vocab.json + merges.txt.
/// </summary>
public sealed partial class Gpt2Tokenizer
{
    private readonly Tokenizer _tokenizer;

    private Gpt2Tokenizer(Tokenizer tokenizer, int count) => (_tokenizer, Count) = (tokenizer, count);

    /// <summary>The number of token ids (50,257 for GPT-2's own vocabulary, the last being &lt;|endoftext|&gt;).</summary>
    public int Count { get; }

    /// <summary>GPT-2's vocabulary as OpenAI published it ("Hello world" is [15496, 995]).</summary>
    public static Gpt2Tokenizer Builtin() => new(TiktokenTokenizer.CreateForModel("gpt2"), 50257);

    /// <summary>A GPT-2-style byte-level BPE from Hugging Face's files.</summary>
    /// <param name="vocabJson">vocab.json: token to id.</param>
    /// <param name="mergesTxt">merges.txt: the merges in priority order.</param>
    public static Gpt2Tokenizer FromFiles(string vocabJson, string mergesTxt)
    {
        int count;
        using (var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(vocabJson)))
            count = doc.RootElement.EnumerateObject().Select(p => p.Value.GetInt32()).DefaultIfEmpty(-1).Max() + 1;
        var options = new BpeOptions(vocabJson, mergesTxt) { ByteLevel = true, PreTokenizer = new RegexPreTokenizer(Gpt2Split(), null) };
        return new(BpeTokenizer.Create(options), count);
    }

    /// <summary>The ids of <paramref name="text"/>.</summary>
    public int[] Encode(string text) => [.. _tokenizer.EncodeToIds(text)];

    /// <summary>The text spelt by <paramref name="ids"/>: the inverse of <see cref="Encode"/>.</summary>
    public string Decode(IEnumerable<int> ids) => _tokenizer.Decode(ids) ?? "";

    /// <summary>GPT-2's pre-tokenizer: contractions, words, numbers and punctuation each with their leading space.</summary>
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex Gpt2Split();
}
