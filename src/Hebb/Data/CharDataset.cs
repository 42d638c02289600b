using System.Text;

namespace Hebb.Data;

/// <summary>
/// The characters of a text, each with an id: the distinct Unicode characters (runes, so characters
/// outside the BMP count as one) sorted by code point, as in char-rnn. Saved with a model as the
/// string of its characters in id order (<see cref="Chars"/>).
/// </summary>
public sealed class CharVocabulary
{
    private readonly Rune[] _runes;
    private readonly Dictionary<Rune, int> _ids = [];

    private CharVocabulary(Rune[] runes)
    {
        _runes = runes;
        for (int i = 0; i < runes.Length; i++)
            if (!_ids.TryAdd(runes[i], i)) throw new InvalidDataException($"vocabulary lists the character {Describe(runes[i])} twice");
    }

    /// <summary>The vocabulary of a text: its distinct characters, sorted.</summary>
    public static CharVocabulary FromText(string text)
    {
        var set = new SortedSet<Rune>();
        foreach (var r in Enumerate(text, "text")) set.Add(r);
        if (set.Count == 0) throw new InvalidDataException("the text is empty: no characters to build a vocabulary from");
        return new CharVocabulary([.. set]);
    }

    /// <summary>Reads back <see cref="Chars"/>: each character once, in id order.</summary>
    public static CharVocabulary FromChars(string chars)
    {
        var runes = Enumerate(chars, "vocabulary").ToArray();
        if (runes.Length == 0) throw new InvalidDataException("the vocabulary is empty");
        return new CharVocabulary(runes);
    }

    /// <summary>The number of distinct characters: ids run from 0 to Count - 1.</summary>
    public int Count => _runes.Length;

    /// <summary>All characters in id order, as one string.</summary>
    public string Chars => string.Concat(_runes.Select(r => r.ToString()));

    /// <summary>Whether the character <paramref name="r"/> has an id in this vocabulary.</summary>
    public bool Contains(Rune r) => _ids.ContainsKey(r);

    /// <summary>The character with id <paramref name="id"/>, as a string (two UTF-16 chars outside the BMP).</summary>
    /// <exception cref="IndexOutOfRangeException">The id is outside 0..Count - 1.</exception>
    public string this[int id] => _runes[id].ToString();

    /// <summary>Ids of every character of the text; an unknown character is an error that names it.</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>(text.Length);
        int position = 0;
        foreach (var r in Enumerate(text, "text"))
        {
            if (!_ids.TryGetValue(r, out int id))
                throw new ArgumentException(
                    $"character {Describe(r)} at position {position} is not in the model's vocabulary of {Count} characters");
            ids.Add(id);
            position++;
        }
        return [.. ids];
    }

    /// <summary>The id of a single-character token (for embedding queries).</summary>
    public int IdOf(string token)
    {
        var runes = Enumerate(token, "token").ToArray();
        if (runes.Length != 1) throw new ArgumentException($"'{token}' is not a single character; this model's tokens are characters");
        return _ids.TryGetValue(runes[0], out int id)
            ? id
            : throw new ArgumentException($"character {Describe(runes[0])} is not in the model's vocabulary");
    }

    /// <summary>The text spelt by <paramref name="ids"/>: the inverse of <see cref="Encode"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside 0..Count - 1.</exception>
    public string Decode(IEnumerable<int> ids)
    {
        var sb = new StringBuilder();
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_runes.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} is outside the vocabulary of {Count} characters");
            sb.Append(_runes[id].ToString());
        }
        return sb.ToString();
    }

    /// <summary>A character for messages: itself when printable, else its code point.</summary>
    public static string Describe(Rune r) => Rune.IsControl(r) || Rune.IsWhiteSpace(r) ? $"U+{r.Value:X4}" : $"'{r}' (U+{r.Value:X4})";

    private static IEnumerable<Rune> Enumerate(string s, string what)
    {
        for (int i = 0; i < s.Length;)
        {
            if (Rune.DecodeFromUtf16(s.AsSpan(i), out var r, out int used) != System.Buffers.OperationStatus.Done)
                throw new InvalidDataException($"the {what} holds an unpaired surrogate at position {i}");
            yield return r;
            i += used;
        }
    }
}

/// <summary>
/// A character-level text dataset: the vocabulary is built from the whole text, the first 90% of the
/// characters are the training split and the last 10% the validation split. Batches are random
/// windows of <c>block</c> characters (inputs) and the same windows shifted by one (targets).
/// </summary>
public sealed class CharDataset
{
    /// <summary>The share of the text, from its start, that is the training split (0.9); the rest is validation.</summary>
    public const double TrainFraction = 0.9;

    /// <summary>The characters and their ids: built from the whole text, or the one given to the constructor.</summary>
    public CharVocabulary Vocabulary { get; }
    /// <summary>The ids of the training split: the first 90% of the characters.</summary>
    public int[] Train { get; }
    /// <summary>The ids of the validation split: the last 10% of the characters.</summary>
    public int[] Validation { get; }
    /// <summary>Where the text came from (a path), for messages and the model file.</summary>
    public string Source { get; }

    /// <summary>Encodes <paramref name="text"/> and splits it into training and validation ids.</summary>
    /// <param name="text">The whole text.</param>
    /// <param name="source">Where the text came from (a path), for messages and the model file.</param>
    /// <param name="vocabulary">The vocabulary to encode with, e.g. a trained model's; null builds one from the text.</param>
    /// <exception cref="InvalidDataException">The text is empty.</exception>
    /// <exception cref="ArgumentException">The text holds a character that <paramref name="vocabulary"/> lacks.</exception>
    public CharDataset(string text, string source, CharVocabulary? vocabulary = null)
    {
        Source = source;
        if (text.Length == 0) throw new InvalidDataException($"{source}: the text is empty");
        Vocabulary = vocabulary ?? CharVocabulary.FromText(text);
        var ids = Vocabulary.Encode(text);
        int split = (int)(ids.Length * TrainFraction);
        Train = ids[..split];
        Validation = ids[split..];
    }

    /// <summary>A short text that changes when the text or its vocabulary changes: the sizes and a SHA-256 of the ids. A
    /// checkpoint records it so that a run is not resumed on another text.</summary>
    public string Fingerprint()
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Vocabulary.Chars));
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Train.AsSpan()));
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Validation.AsSpan()));
        return $"{Train.Length} training and {Validation.Length} validation characters, " +
            $"sha256 {Convert.ToHexStringLower(hash.GetHashAndReset())[..16]}";
    }

    /// <summary>
    /// Loads a text from <paramref name="data"/>: a UTF-8 text file; a folder holding input.txt (or
    /// exactly one .txt file); or the name of a known dataset (e.g. tinyshakespeare), found like
    /// MNIST through $HEBB_DATASETS, the cache or a download.
    /// </summary>
    public static CharDataset Load(string data, DatasetLocator? locator = null)
    {
        if (string.IsNullOrWhiteSpace(data)) throw new ArgumentException("--data: give a text file, a folder or a dataset name");
        string path = ResolveFile(data, locator ?? DatasetLocator.Default);
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(File.ReadAllBytes(path));
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"{path}: not UTF-8 text (invalid bytes at index {e.Index})");
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..]; // a byte-order mark is not part of the text
        return new CharDataset(text, path);
    }

    private static string ResolveFile(string data, DatasetLocator locator)
    {
        if (File.Exists(data)) return Path.GetFullPath(data);
        if (Directory.Exists(data)) return TextFileIn(Path.GetFullPath(data));
        if (DatasetCatalog.All.FirstOrDefault(d => string.Equals(d.Name, data.Trim(), StringComparison.OrdinalIgnoreCase)) is { } info)
        {
            var textFile = info.Files.FirstOrDefault(f => f.Name.EndsWith(".txt", StringComparison.Ordinal))
                ?? throw new ArgumentException($"--data: dataset '{info.Name}' is not a text dataset");
            return Path.Combine(locator.Locate(info), textFile.Name);
        }
        throw new FileNotFoundException(
            $"--data: '{data}' is neither a text file, a folder, nor a known text dataset (known: tinyshakespeare)", data);
    }

    private static string TextFileIn(string folder)
    {
        string input = Path.Combine(folder, "input.txt");
        if (File.Exists(input)) return input;
        var texts = Directory.GetFiles(folder, "*.txt");
        return texts.Length == 1 ? texts[0]
            : throw new FileNotFoundException($"--data: folder '{folder}' has no input.txt and " +
                $"{(texts.Length == 0 ? "no" : "several")} .txt files; name the file instead", folder);
    }

    /// <summary>Fails early, naming the sizes, when a split is too short for windows of <paramref name="block"/> characters.</summary>
    public void CheckBlock(int block)
    {
        if (block <= 0) throw new ArgumentException($"--block must be positive, got {block}");
        if (Train.Length < block + 1 || Validation.Length < block + 1)
            throw new InvalidDataException($"{Source}: the text is too short for --block {block}: " +
                                           $"{Train.Length} training and {Validation.Length} validation characters " +
                                           $"(each split needs at least {block + 1}); use a longer text or a smaller --block");
    }

    /// <summary>
    /// Batch <paramref name="index"/> of <paramref name="count"/> fixed batches for measuring a loss: the
    /// count·batch windows start at evenly spaced points from the first to the last possible start, so
    /// together they sample the whole split (less noisy than random windows) and never change.
    /// </summary>
    public (Tensor Inputs, Tensor Targets) EvaluationBatch(bool validation, int index, int count, int batch, int block)
    {
        var ids = validation ? Validation : Train;
        CheckBlock(block);
        if (batch <= 0 || count <= 0 || index < 0 || index >= count)
            throw new ArgumentException($"evaluation batch {index} of {count} (batch size {batch}) does not exist");
        long windows = (long)count * batch, last = ids.Length - block - 1;
        var starts = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            long j = (long)index * batch + b;
            starts[b] = (int)(windows == 1 ? 0 : j * last / (windows - 1));
        }
        return TextWindows.At(ids, starts, block);
    }

    /// <summary>
    /// <paramref name="batch"/> random windows: inputs (batch, block) = ids[s .. s+block) and targets
    /// (batch, block) = ids[s+1 .. s+block], int32, with each start s uniform over the split.
    /// </summary>
    public (Tensor Inputs, Tensor Targets) RandomBatch(bool validation, int batch, int block, Generator generator)
    {
        var ids = validation ? Validation : Train;
        CheckBlock(block);
        if (batch <= 0) throw new ArgumentException($"--batch-size must be positive, got {batch}");
        var starts = new int[batch];
        for (int b = 0; b < batch; b++) starts[b] = generator.NextInt(ids.Length - block);
        return TextWindows.At(ids, starts, block);
    }
}

/// <summary>
/// Consecutive chunks for truncated backpropagation through time: the training text is cut into
/// <c>batch</c> equal streams, and each call returns the next <c>block</c> characters of every stream,
/// so row b of one batch continues row b of the previous one and the recurrent state can be carried.
/// <see cref="Next"/> reports when the streams wrapped around (the state must then start afresh).
/// </summary>
public sealed class SequentialBatches
{
    private readonly int[] _ids;
    private readonly int _batch, _block, _streamLength;
    private int _position;

    /// <summary>Cuts <paramref name="ids"/> into <paramref name="batch"/> streams of ids.Length / batch characters each.</summary>
    /// <param name="ids">The token ids, usually <see cref="CharDataset.Train"/>.</param>
    /// <param name="batch">The number of streams: the rows of every batch.</param>
    /// <param name="block">The characters per row of a batch: its time steps.</param>
    /// <exception cref="ArgumentException"><paramref name="batch"/> or <paramref name="block"/> is not positive.</exception>
    /// <exception cref="InvalidDataException">A stream would be shorter than block + 1 characters.</exception>
    public SequentialBatches(int[] ids, int batch, int block)
    {
        if (batch <= 0 || block <= 0) throw new ArgumentException($"batch and block must be positive, got {batch} and {block}");
        _streamLength = ids.Length / batch;
        if (_streamLength < block + 1)
            throw new InvalidDataException($"the training text ({ids.Length} characters) is too short for {batch} streams " +
                $"of at least {block + 1} characters; use a smaller --batch-size or --block");
        (_ids, _batch, _block) = (ids, batch, block);
    }

    /// <summary>Where the next chunk starts in every stream (0 before the first call); a checkpoint saves it, and setting it
    /// back continues the streams from there.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is negative or past the streams' end.</exception>
    public int Position
    {
        get => _position;
        set => _position = value >= 0 && value <= _streamLength
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), $"a stream position must be in 0..{_streamLength}, got {value}");
    }

    /// <summary>The next chunk of every stream: inputs and targets, both (batch, block) int32, the targets shifted
    /// by one character; Restarted is true on the first call and whenever the streams wrapped around to their
    /// start, when a carried recurrent state should be reset.</summary>
    public (Tensor Inputs, Tensor Targets, bool Restarted) Next()
    {
        bool restarted = _position == 0;
        if (_position + _block + 1 > _streamLength)
        {
            _position = 0;
            restarted = true;
        }
        var starts = new int[_batch];
        for (int b = 0; b < _batch; b++) starts[b] = b * _streamLength + _position;
        var (inputs, targets) = TextWindows.At(_ids, starts, _block);
        _position += _block;
        return (inputs, targets, restarted);
    }
}

/// <summary>The window copy shared by <see cref="CharDataset"/> and <see cref="SequentialBatches"/>.</summary>
file static class TextWindows
{
    /// <summary>Row b of the inputs (starts.Length, block) is ids[s .. s+block) and of the targets the same
    /// window shifted by one, ids[s+1 .. s+block], with s = starts[b]; both int32.</summary>
    public static (Tensor Inputs, Tensor Targets) At(int[] ids, int[] starts, int block)
    {
        var x = new int[starts.Length * block];
        var y = new int[starts.Length * block];
        for (int b = 0; b < starts.Length; b++)
        {
            Array.Copy(ids, starts[b], x, b * block, block);
            Array.Copy(ids, starts[b] + 1, y, b * block, block);
        }
        return (Tensor.FromArray(x, starts.Length, block), Tensor.FromArray(y, starts.Length, block));
    }
}
